"""Replies to campaign e-mail (from the bounce mailbox) and SMS enter the inbox once, linked to
the message and subscriber they answer; bounces, auto-replies and opt-outs do not."""

from datetime import timedelta

from pcrm.bounces import ingest
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import DEFAULT
from pcrm.replies.service import record_reply
from pcrm.subscribers.models import Channel
from pcrm.voice.models import VoiceChannel, VoiceItem
from pcrm.worker import run_worker
from tests.campaigns.factories import create_campaign
from tests.subscribers.factories import create_subscriber

REPLY = (
    "From: Kim <kim@example.com>\r\nTo: office@pcrm.test\r\nSubject: Re: 마을버스 설문\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n설문 링크가 열리지 않아요.\r\n"
).encode()
AUTO = (
    b"From: Kim <kim@example.com>\r\nTo: office@pcrm.test\r\nAuto-Submitted: auto-replied\r\n"
    b"Subject: Out of office\r\n\r\naway\r\n"
)


def _items():
    return list(db.session.scalars(db.select(VoiceItem).order_by(VoiceItem.id)))


def test_a_person_s_reply_to_a_campaign_e_mail_is_handed_over_once(app):
    ingest.ingest_many([REPLY, AUTO], source="file:test.mbox")
    ingest.ingest(REPLY, source="file:test.mbox")  # the same bytes again: nothing new
    run_worker(app, (DEFAULT,), with_scheduler=False, burst=True)  # the hand-over job
    [item] = _items()
    assert item.channel is VoiceChannel.EMAIL_REPLY and item.contact_email == "kim@example.com"
    assert "설문 링크가 열리지 않아요." in item.body and item.origin.startswith("mail:")


def test_an_sms_reply_is_handed_over_linked_to_the_message_it_answers(app):
    subscriber = create_subscriber(email=None, phone="+821055550000")
    received = utcnow()
    sent = Message(
        campaign_id=create_campaign().id, subscriber_id=subscriber.id, channel=Channel.SMS,
        status=MessageStatus.SENT, address="+821055550000", sent_at=received - timedelta(hours=1),
    )  # fmt: skip
    db.session.add(sent)
    db.session.commit()
    record_reply(
        phone="01055550000", text="버스 시간표 알려 주세요", received_at=received, source="import"
    )
    record_reply(
        phone="01055550000", text="버스 시간표 알려 주세요", received_at=received, source="import"
    )
    record_reply(phone="01055550000", text="수신거부", received_at=utcnow(), source="import")
    [item] = _items()
    assert item.channel is VoiceChannel.SMS_REPLY and item.contact_phone == "+821055550000"
    assert item.subscriber_id == subscriber.id and item.message_id == sent.id
