"""Replies: kept once each; one that says stop ends SMS consent for every subscriber with the
number, in the ledger, at once; a later consent is not undone by an older opt-out."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pcrm.db import utcnow
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.replies.models import SmsReply
from pcrm.replies.service import mark_read, record_reply
from pcrm.subscribers.models import ConsentEvent, ConsentSource, Subscriber
from tests.campaigns.factories import create_texters


def sms_consent_events(person: Subscriber) -> list[ConsentEvent]:
    query = select(ConsentEvent).where(ConsentEvent.subscriber_id == person.id)
    return list(db.session.scalars(query.order_by(ConsentEvent.id)))


def test_a_stop_reply_revokes_sms_consent_for_the_number_at_once_and_once(app):
    person, other = create_texters(2)
    at = utcnow()

    reply = record_reply(phone="010-5555-0000", text="수신 거부", received_at=at, source="callback")
    again = record_reply(phone="01055550000", text="수신 거부", received_at=at, source="callback")

    assert again.id == reply.id
    assert db.session.scalar(select(func.count(SmsReply.id))) == 1
    assert reply.opt_out and reply.revoked == 1 and reply.phone == "+821055550000"
    db.session.refresh(person)
    assert not person.sms_opt_in
    (event,) = sms_consent_events(person)
    assert event.source is ConsentSource.SMS_REPLY and not event.granted
    assert "수신 거부" in event.evidence
    db.session.refresh(other)
    assert other.sms_opt_in
    later = record_reply(phone=person.phone, text="STOP", received_at=at, source="callback")
    assert later.opt_out and later.revoked == 0  # already out: the ledger gets no second entry
    assert len(sms_consent_events(person)) == 1


def test_an_ordinary_reply_is_kept_and_changes_no_consent(app):
    (person,) = create_texters(1)
    reply = record_reply(
        phone=person.phone, text="설문 링크가 안 열려요", received_at=utcnow(), source="import"
    )
    db.session.refresh(person)
    assert not reply.opt_out and person.sms_opt_in and sms_consent_events(person) == []
    assert reply.read_at is None
    assert mark_read(reply.id).read_at is not None


def test_an_opt_out_older_than_a_consent_given_since_changes_nothing(app):
    (person,) = create_texters(1)
    before = person.sms_consented_at - timedelta(days=1)
    reply = record_reply(phone=person.phone, text="STOP", received_at=before, source="import")
    db.session.refresh(person)
    assert reply.opt_out and reply.revoked == 0 and person.sms_opt_in


def test_a_reply_from_something_that_is_not_a_mobile_number_is_refused(app):
    with pytest.raises(Invalid) as refused:
        record_reply(phone="02-2286-0000", text="거부", received_at=utcnow(), source="callback")
    assert "휴대전화 번호가 아닙니다" in refused.value.message
    assert db.session.scalar(select(SmsReply.id)) is None
