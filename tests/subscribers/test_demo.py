import shutil
from datetime import date

import pytest

from pcrm.demo import DEMO_PASSWORD, demo_accounts, load_demo
from pcrm.demo.people import synthetic_subscribers
from pcrm.extensions import db
from pcrm.outbox.service import latest_sms, sms_dir
from pcrm.subscribers.age import may_be_under_14
from pcrm.subscribers.imports.models import ImportBatch, ImportStatus
from pcrm.subscribers.models import AddressStatus, PhoneConfirmation, Segment

pytestmark = pytest.mark.usefixtures("app")


def test_demo_adds_the_saved_segments_once():
    load_demo(subscribers=50)
    load_demo(subscribers=50)
    names = set(db.session.scalars(db.select(Segment.name)))
    # the demo campaigns reach the first and the last (pcrm/demo/campaigns.py)
    assert {"정책고객 전체", "30-40대 여론조사 동의자", "전체 구독자"} <= names and len(names) == 4


def test_demo_import_history_shows_under_14_rows_refused(client, auth):
    load_demo(subscribers=50)
    load_demo(subscribers=50)
    (batch,) = db.session.scalars(db.select(ImportBatch)).all()
    assert batch.status is ImportStatus.DONE and batch.total_rows == 6
    assert batch.created_count == 0 and batch.skipped_count >= 2  # the two children at least
    auth.login(dict(demo_accounts())["pr (공보담당관)"], DEMO_PASSWORD)
    page = client.get(f"/subscribers/imports/{batch.id}").get_data(as_text=True)
    assert "건너뜀" in page
    report = client.get(f"/subscribers/imports/{batch.id}/report.csv").get_data().decode()
    assert report.count("만 14세 미만") == 2


def test_no_demo_subscriber_may_be_under_14():
    today = date.today()
    people = synthetic_subscribers(20_000, seed=2015, today=today)
    assert not any(may_be_under_14(p["birth_year"], today) for p in people)


def test_demo_has_one_resident_waiting_to_type_the_texted_code(app):
    shutil.rmtree(sms_dir(), ignore_errors=True)
    load_demo(subscribers=50)
    load_demo(subscribers=50)
    (pending,) = db.session.scalars(db.select(PhoneConfirmation)).all()
    assert pending.confirmed_at is None and not pending.subscriber.sms_opt_in
    assert pending.subscriber.phone_status is AddressStatus.PENDING
    (texted,), _count = latest_sms()
    assert texted["to"] == pending.phone and "인증번호" in texted["text"]
