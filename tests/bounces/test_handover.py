"""Persons' replies from the bounce mailbox go on to residents' voice by a job queued after the
ingest, and a sweep hands over what a lost job left behind: one item each, never twice."""

from datetime import timedelta

import pytest
from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError

from pcrm.bounces import handover
from pcrm.bounces.ingest import ingest_many
from pcrm.bounces.jobs import hand_over_missed_replies, hand_over_replies
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import DEFAULT
from pcrm.subscribers.models import Channel
from pcrm.voice import intake
from pcrm.voice.models import VoiceItem, VoiceTransition
from pcrm.voice.service import HandOverFailed
from pcrm.worker import run_worker
from tests.campaigns.factories import create_campaign
from tests.subscribers.factories import create_subscriber

AUTO = b"From: kim@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n\r\naway\r\n"


def reply(n: int, *, sender: str = "", to: str = "survey@pcrm.test", text: str = "") -> bytes:
    return (
        f"From: 주민 <{sender or f'resident{n}@example.com'}>\r\nTo: {to}\r\n"
        f"Subject: Re: 마을버스 설문\r\nMessage-ID: <{n}.reply@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text or f'{n}번 주민입니다. 배차 간격을 알려 주세요.'}\r\n"
    ).encode()


def sent_email(campaign, name: str, address: str) -> Message:
    subscriber = create_subscriber(name, email=address, phone=None)
    message = Message(
        campaign_id=campaign.id, subscriber_id=subscriber.id, channel=Channel.EMAIL,
        status=MessageStatus.SENT, address=address, sent_at=utcnow() - timedelta(days=1),
    )  # fmt: skip
    db.session.add(message)
    db.session.commit()
    return message


def items() -> dict[str, VoiceItem]:
    db.session.expire_all()
    return {item.origin: item for item in db.session.scalars(db.select(VoiceItem))}


def ingested(*raws: bytes) -> list[int]:
    return [result.inbound_id for result in ingest_many(raws, source="file:test.mbox")]


def received(inbound_id: int, ago: timedelta) -> None:
    db.session.get(InboundMail, inbound_id).received_at = utcnow() - ago
    db.session.commit()


def work() -> None:
    run_worker(current_app._get_current_object(), (DEFAULT,), with_scheduler=False, burst=True)


def test_replies_of_one_batch_become_one_item_each_linked_to_what_they_answer(app):
    campaign = create_campaign()
    answered = sent_email(campaign, "김민서", "kim@example.com")
    latest = sent_email(campaign, "이서준", "lee@example.com")
    verp = f"bounces+{answered.token}@pcrm.local"
    from_home = reply(1, sender="kim.home@example.com", to=verp)  # named by its token
    ids = ingested(from_home, reply(2, sender="lee@example.com"), reply(3), AUTO)

    assert items() == {} and len(queues.get(DEFAULT)) == 1  # one job for the batch, by ids
    work()

    found = items()
    assert set(found) == {f"mail:{ids[0]}", f"mail:{ids[1]}", f"mail:{ids[2]}"}
    by_token, by_address, stranger = (found[f"mail:{i}"] for i in ids[:3])
    assert (by_token.message_id, by_token.subscriber_id) == (answered.id, answered.subscriber_id)
    assert (by_address.message_id, by_address.contact_email) == (latest.id, "lee@example.com")
    assert stranger.message_id is None and "3번 주민입니다." in stranger.body
    assert db.session.scalar(db.select(db.func.count()).select_from(VoiceTransition)) == 3
    assert hand_over_replies(ids) == 0  # the job again: nothing twice
    assert len(items()) == 3


def test_the_same_replies_ingested_again_queue_nothing_and_add_nothing(app):
    raws = (reply(1), reply(2))
    ingested(*raws)
    work()
    ingested(*raws)
    assert len(queues.get(DEFAULT)) == 0 and len(items()) == 2


def test_the_sweep_hands_over_replies_whose_job_never_ran(app):
    recent, old, read = ingested(reply(1), reply(2), reply(3))
    queues.redis.flushdb()  # Redis lost the job
    assert hand_over_missed_replies() == 0  # just ingested: its job may still be on its way
    received(recent, timedelta(hours=1))
    received(old, handover.SWEEP_WITHIN + timedelta(hours=1))  # left on the returned-mail page
    received(read, timedelta(hours=1))
    db.session.get(InboundMail, read).state = InboundState.REVIEWED
    db.session.commit()

    assert hand_over_missed_replies() == 1
    assert hand_over_missed_replies() == 0
    assert set(items()) == {f"mail:{recent}"}


def test_with_redis_down_the_ingest_goes_on_and_the_sweep_hands_over(app, monkeypatch):
    def refused(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(queues, "enqueue", refused)
    [inbound_id] = ingested(reply(1))
    monkeypatch.undo()

    assert db.session.get(InboundMail, inbound_id).state is InboundState.NOT_BOUNCE
    received(inbound_id, timedelta(hours=1))
    assert hand_over_missed_replies() == 1 and set(items()) == {f"mail:{inbound_id}"}


def test_a_reply_voice_cannot_take_in_loses_none_of_the_others(app, monkeypatch):
    ids = ingested(reply(1), reply(2, text="깨지는 답장"), reply(3))
    record = intake.record_transition

    def failing(item, *args):
        if "깨지는" in item.body:  # after the item's INSERT: what it wrote must go too
            raise RuntimeError("the audit trail could not be written")
        return record(item, *args)

    monkeypatch.setattr(intake, "record_transition", failing)
    with pytest.raises(HandOverFailed, match=f"mail:{ids[1]}"):
        hand_over_replies(ids)
    assert set(items()) == {f"mail:{ids[0]}", f"mail:{ids[2]}"}

    monkeypatch.undo()
    assert hand_over_replies(ids) == 1  # RQ's retry, or the sweep, takes in the one left
    assert len(items()) == 3
