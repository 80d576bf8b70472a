"""Deadlines on a controllable clock, in Seoul days: traffic lights, the officers' daily
reminder (real SMTP server) and escalation of late items, each safe to run twice."""

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
import time_machine

from pcrm.auth.models import Role
from pcrm.voice import handling, reminders
from pcrm.voice.deadlines import Light
from pcrm.voice.models import VoiceAction
from pcrm.voice.queries import item_light
from tests.factories import create_department, create_user
from tests.voice.helpers import create_item, name_officer

RECEIVED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 10:00 in Seoul; due 9 Nov 23:59 KST


@pytest.fixture
def assigned(app):
    pr = create_user("pr@example.kr", role=Role.PR)
    roads = create_department("도로과", "Roads")
    officer = create_user("roads@example.kr", role=Role.DEPARTMENT, department=roads)
    head = create_user("head@example.kr", role=Role.DEPARTMENT, department=roads)
    name_officer(roads, officer)
    name_officer(roads, head, head=True)
    with time_machine.travel(RECEIVED, tick=False):
        item = create_item()
    handling.assign(item, user=pr, department_id=roads.id, officer_id=officer.id)
    return item


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 5, 1, 0, tzinfo=UTC), Light.ON_TIME),
        (datetime(2026, 11, 8, 1, 0, tzinfo=UTC), Light.DUE_SOON),
        (datetime(2026, 11, 9, 14, 59, tzinfo=UTC), Light.DUE_SOON),  # 23:59 in Seoul
        (datetime(2026, 11, 9, 15, 0, tzinfo=UTC), Light.LATE),  # midnight in Seoul
    ],
)
def test_the_light_turns_by_seoul_days(assigned, now, expected):
    assert item_light(assigned, now) is expected


def test_an_item_answered_late_stays_late(assigned):
    assigned.answered_at = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
    assert item_light(assigned, datetime(2026, 11, 5, tzinfo=UTC)) is Light.LATE


def test_officers_get_one_reminder_a_seoul_day_from_nine(assigned, smtp_server):
    early = datetime(2026, 11, 8, 23, 0, tzinfo=UTC)  # 08:00 on the 9th in Seoul
    assert reminders.remind_officers(early) == 0
    morning = early + timedelta(hours=1, minutes=30)
    assert reminders.remind_officers(morning) == 1
    assert reminders.remind_officers(morning + timedelta(hours=3)) == 0  # same Seoul day
    assert [e.rcpt_tos for e in smtp_server] == [["roads@example.kr"]]
    mail = email.message_from_bytes(smtp_server[0].content, policy=policy.default)
    assert assigned.number in mail.get_body(("plain",)).get_content()
    assert reminders.remind_officers(morning + timedelta(days=1)) == 1


def test_a_late_item_is_escalated_once_to_the_head_and_pr(assigned, smtp_server):
    assert reminders.escalate_late(datetime(2026, 11, 9, 14, 0, tzinfo=UTC)) == 0
    late = datetime(2026, 11, 9, 15, 30, tzinfo=UTC)
    assert reminders.escalate_late(late) == 1
    assert reminders.escalate_late(late + timedelta(hours=1)) == 0
    assert sorted(e.rcpt_tos[0] for e in smtp_server) == ["head@example.kr", "pr@example.kr"]
    assert assigned.trail[-1].action is VoiceAction.ESCALATED
    assert assigned.escalated_at == late


def test_a_closed_account_gets_nothing_and_its_items_fall_to_the_department(assigned, smtp_server):
    from pcrm.auth.models import User
    from pcrm.extensions import db

    officer = db.session.get(User, assigned.officer_id)
    officer.active = False
    db.session.commit()
    assert reminders.remind_officers(datetime(2026, 11, 9, 1, 0, tzinfo=UTC)) == 1
    assert [e.rcpt_tos for e in smtp_server] == [["head@example.kr"]]  # the item, unattended
    mail = email.message_from_bytes(smtp_server[0].content, policy=policy.default)
    assert assigned.number in mail.get_body(("plain",)).get_content()
    head = db.session.scalars(db.select(User).where(User.email == "head@example.kr")).one()
    head.active = False
    db.session.commit()
    smtp_server.clear()
    assert reminders.escalate_late(datetime(2026, 11, 9, 15, 30, tzinfo=UTC)) == 1
    assert [e.rcpt_tos for e in smtp_server] == [["pr@example.kr"]]
