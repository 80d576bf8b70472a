"""What campaign pages show of residents to department and PR staff, and the access log of it."""

import csv
import io

import pytest
from sqlalchemy import select

from pcrm.auth.models import Role
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.extensions import db
from pcrm.subscribers.masking import mask_email, mask_name
from pcrm.subscribers.models import AccessAction, AccessLog
from tests.campaigns.factories import due_campaign
from tests.factories import create_department, create_project, create_user


@pytest.fixture
def launched(app):
    """A campaign of the transport department, launched to 주민0..주민2."""
    transport = create_department("교통행정과", "Transport")
    create_user("pr@example.kr", Role.PR)
    create_user("bus@example.kr", Role.DEPARTMENT, transport, name="김교통")
    campaign, _people = due_campaign(3, project=create_project(transport))
    launch_due_campaigns()
    return campaign


def _log() -> list[AccessLog]:
    return list(db.session.scalars(select(AccessLog).order_by(AccessLog.id)))


def test_department_staff_see_send_results_masked_and_the_view_is_logged(client, auth, launched):
    auth.login("bus@example.kr")
    page = client.get(f"/campaigns/{launched.id}/results").get_data(as_text=True)
    assert "주*0" in page and "re*******@example.com" in page
    assert "주민0" not in page and "resident0@example.com" not in page
    (entry,) = _log()
    assert (entry.action, entry.record_count) == (AccessAction.VIEW, 3)
    assert entry.actor == "김교통 <bus@example.kr>" and launched.name in entry.what


def test_department_staff_download_the_send_results_masked(client, auth, launched):
    auth.login("bus@example.kr")
    export = client.get(f"/campaigns/{launched.id}/results.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))[1:]
    assert sorted((row[1], row[2]) for row in rows) == [
        ("주*0", "re*******@example.com"),
        ("주*1", "re*******@example.com"),
        ("주*2", "re*******@example.com"),
    ]
    assert [(e.action, e.record_count) for e in _log()] == [(AccessAction.EXPORT, 3)]


def test_department_staff_preview_masked_recipients_and_the_view_is_logged(client, auth, launched):
    auth.login("bus@example.kr")
    page = client.get(f"/campaigns/{launched.id}/preview").get_data(as_text=True)
    assert "주*0 (re*******@example.com)" in page and "주*0님께 마을버스 설문" in page
    assert "주민0" not in page and "resident0" not in page
    (entry,) = _log()
    assert (entry.action, entry.record_count) == (AccessAction.VIEW, 3)
    assert entry.actor.endswith("<bus@example.kr>") and "미리보기" in entry.what


def test_pr_staff_see_residents_in_full_and_every_view_is_logged(client, auth, launched):
    auth.login("pr@example.kr")
    results = client.get(f"/campaigns/{launched.id}/results?q=resident1").get_data(as_text=True)
    assert "주민1" in results and "resident1@example.com" in results
    preview = client.get(f"/campaigns/{launched.id}/preview").get_data(as_text=True)
    assert "주민0 (resident0@example.com)" in preview
    entries = _log()
    assert [(e.action, e.record_count) for e in entries] == [
        (AccessAction.VIEW, 1),
        (AccessAction.VIEW, 3),
    ]
    assert "q=resident1" in entries[0].what
    assert all(e.actor.endswith("<pr@example.kr>") for e in entries)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("홍길동", "홍*동"),
        ("남궁민수", "남**수"),
        ("김수", "김*"),
        ("김", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_names_keep_their_first_and_last_letters(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("hong@example.kr", "ho**@example.kr"),
        ("abc@x.kr", "a**@x.kr"),
        ("ab@x.kr", "a*@x.kr"),
        ("a@x.kr", "*@x.kr"),
        ("홍길동", "홍*동"),
    ],
)
def test_addresses_keep_their_domain_and_first_letters(address, masked):
    assert mask_email(address) == masked
