from datetime import UTC, datetime

import pytest
import time_machine

from pcrm.auth.models import Role
from pcrm.errors import Conflict, Forbidden, Invalid, NotFound
from pcrm.extensions import db
from pcrm.subscribers.models import AccessLog
from pcrm.voice import handling, intake
from pcrm.voice.models import Outcome, VoiceAction, VoiceChannel, VoiceStatus
from tests.factories import create_department, create_user
from tests.voice.helpers import create_item, name_officer


def _steps(item):
    return [(t.action, t.from_status, t.to_status) for t in item.trail]


def test_an_item_goes_from_received_to_done_with_every_step_in_the_trail(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    roads = create_department("도로과", "Roads")
    officer = create_user("roads@example.kr", role=Role.DEPARTMENT, department=roads)
    name_officer(roads, officer)
    item = create_item(email="minseo@example.com")
    assert item.status is VoiceStatus.RECEIVED and len(item.token) >= 24

    handling.assign(item, user=pr, department_id=roads.id, officer_id=officer.id)
    handling.submit_answer(item, user=officer, outcome=Outcome.RESOLVED, answer="오늘 고쳤습니다.")
    handling.return_answer(item, user=pr, note="날짜를 적어 주세요")
    handling.submit_answer(
        item, user=officer, outcome=Outcome.RESOLVED, answer="11월 30일에 고쳤습니다."
    )
    handling.approve(item, user=pr)

    assert item.status is VoiceStatus.DONE and item.answered_at is not None
    R, P, A, D = (
        VoiceStatus.RECEIVED,
        VoiceStatus.IN_PROGRESS,
        VoiceStatus.APPROVAL,
        VoiceStatus.DONE,
    )
    assert _steps(item) == [
        (VoiceAction.RECEIVED, None, R),
        (VoiceAction.ASSIGNED, R, P),
        (VoiceAction.SUBMITTED, P, A),
        (VoiceAction.RETURNED, A, P),
        (VoiceAction.SUBMITTED, P, A),
        (VoiceAction.APPROVED, A, D),
    ]
    assert [t.user_id for t in item.trail] == [None, pr.id, officer.id, pr.id, officer.id, pr.id]


def test_an_officer_of_another_department_cannot_see_or_touch_an_item(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    roads, parks = create_department("도로과", "Roads"), create_department("공원녹지과", "Parks")
    other = create_user("parks@example.kr", role=Role.DEPARTMENT, department=parks)
    item = create_item()
    with pytest.raises(NotFound):  # not yet assigned: only PR sees it
        handling.item_for(other, item.id)
    handling.assign(item, user=pr, department_id=roads.id, officer_id=None)
    with pytest.raises(NotFound):
        handling.item_for(other, item.id)
    with pytest.raises(NotFound):
        handling.submit_answer(item, user=other, outcome=Outcome.RESOLVED, answer="x")
    with pytest.raises(Forbidden):
        handling.assign(item, user=other, department_id=parks.id, officer_id=None)


def test_triage_refuses_what_does_not_fit(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    roads, parks = create_department("도로과", "Roads"), create_department("공원녹지과", "Parks")
    parks_officer = create_user("parks@example.kr", role=Role.DEPARTMENT, department=parks)
    name_officer(parks, parks_officer)
    item = create_item()
    with pytest.raises(Invalid):  # an officer of another department
        handling.assign(item, user=pr, department_id=roads.id, officer_id=parks_officer.id)
    with pytest.raises(Conflict):  # nothing to approve yet
        handling.approve(item, user=pr)
    with pytest.raises(Invalid):
        handling.merge(item, user=pr, into_id=item.id)
    handling.assign(item, user=pr, department_id=parks.id, officer_id=parks_officer.id)
    with pytest.raises(Invalid):  # 불가 needs its reason
        handling.submit_answer(
            item, user=parks_officer, outcome=Outcome.REFUSED, answer="어렵습니다"
        )
    assert item.status is VoiceStatus.IN_PROGRESS


def test_only_pr_or_the_head_officer_approves(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    roads = create_department("도로과", "Roads")
    officer = create_user("o@example.kr", role=Role.DEPARTMENT, department=roads)
    head = create_user("head@example.kr", role=Role.DEPARTMENT, department=roads)
    name_officer(roads, officer)
    name_officer(roads, head, head=True)
    item = create_item()
    handling.assign(item, user=pr, department_id=roads.id, officer_id=officer.id)
    handling.submit_answer(item, user=officer, outcome=Outcome.LONG_TERM, answer="내년 예산에 반영")
    with pytest.raises(Forbidden):
        handling.approve(item, user=officer)
    handling.approve(item, user=head)
    assert item.status is VoiceStatus.DONE and item.outcome is Outcome.LONG_TERM


def test_pr_answers_at_once_or_merges_a_duplicate(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    first, second, third = create_item(), create_item(), create_item()
    handling.answer_directly(first, user=pr, answer="구청 누리집 민원 안내를 보세요.")
    assert first.status is VoiceStatus.DONE and first.outcome is Outcome.INFORMATION
    handling.merge(second, user=pr, into_id=third.id)
    assert second.status is VoiceStatus.DONE and second.outcome is Outcome.MERGED
    assert second.duplicate_of_id == third.id


def test_opening_an_item_is_in_the_access_log(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    item = create_item()
    handling.open_item(pr, item.id)
    entry = db.session.scalars(db.select(AccessLog)).one()
    assert entry.user_id == pr.id and item.number in entry.what


def test_intake_checks_the_body_and_the_contact(app):
    with pytest.raises(Invalid) as error:
        create_item(body="가" * (app.config["VOICE_MAX_CHARS"] + 1))
    assert error.value.field == "body"
    with pytest.raises(Invalid):
        create_item(body="   ")
    with pytest.raises(Invalid) as error:
        create_item(phone="02-2286-5114")  # a landline cannot take the SMS answer
    assert error.value.field == "phone"
    with pytest.raises(Invalid) as error:
        create_item(channel=VoiceChannel.CAFE, source_url="javascript:alert(1)")
    assert error.value.field == "source_url"
    item = create_item(phone="010-1234-5678", email="Minseo@Example.com")
    assert item.contact_phone == "+821012345678" and item.contact_email == "minseo@example.com"


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 23:30 UTC on the 30th is 08:30 on 1 December in Seoul: seven Seoul days from then.
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), datetime(2026, 12, 8, 14, 59, 59, tzinfo=UTC)),
        (datetime(2026, 11, 30, 14, 0, tzinfo=UTC), datetime(2026, 12, 7, 14, 59, 59, tzinfo=UTC)),
    ],
)
def test_the_due_date_counts_seoul_days(app, received, due):
    with time_machine.travel(received, tick=False):
        item = create_item()
    assert item.due_at == due


def test_the_due_days_are_set_per_channel(app):
    app.config["VOICE_DUE_DAYS"] = {"default": 7, "phone": 3}
    try:
        with time_machine.travel(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), tick=False):
            item = intake.receive(intake.Intake(body="전화 민원", channel=VoiceChannel.PHONE))
    finally:
        app.config["VOICE_DUE_DAYS"] = {"default": 7}
    assert item.due_at == datetime(2026, 12, 3, 14, 59, 59, tzinfo=UTC)
