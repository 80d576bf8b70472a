"""The demo shows SMS delivery results with reasons and residents' replies, one an opt-out."""

from sqlalchemy import select

from pcrm.auth.models import Role
from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus, SmsRequest
from pcrm.replies.models import SmsReply
from pcrm.subscribers.models import AddressStatus, Channel, Subscriber


def test_the_demo_texts_ended_delivered_or_failed_with_the_carriers_reason(app):
    load_demo(subscribers=400)
    texts = db.session.scalars(select(Message).where(Message.channel == Channel.SMS)).all()
    statuses = {m.status for m in texts}
    assert statuses == {MessageStatus.DELIVERED, MessageStatus.BOUNCED_HARD, MessageStatus.FAILED}
    failed = [m for m in texts if m.status is not MessageStatus.DELIVERED]
    assert all(m.last_error for m in failed)
    dead = next(m for m in failed if m.status is MessageStatus.BOUNCED_HARD)
    assert "결번" in dead.last_error
    assert db.session.get(Subscriber, dead.subscriber_id).phone_status is AddressStatus.BOUNCED


def test_the_demo_texts_went_in_provider_requests_each_settled_with_its_results(app):
    load_demo(subscribers=400)
    texts = db.session.scalars(select(Message).where(Message.provider_id.like("demo-%"))).all()
    requests = db.session.scalars(select(SmsRequest)).all()
    in_request = {i: r.request_id for r in requests for i in r.message_ids}
    assert texts and in_request == {m.id: m.provider_id for m in texts}
    assert max(len(r.message_ids) for r in requests) == 100  # as SENS takes them
    assert all(r.settled_at and r.settled_at > r.sent_at for r in requests)


def test_the_demo_replies_page_shows_an_opt_out_and_questions(app, client, sign_in):
    load_demo(subscribers=400)
    replies = db.session.scalars(select(SmsReply).order_by(SmsReply.id)).all()
    assert [r.opt_out for r in replies] == [True, False, False]
    assert replies[0].revoked == 1 and all(r.message_id for r in replies)
    sign_in(Role.PR, email="demo-pr@example.kr")
    page = client.get("/sms/replies").get_data(as_text=True)
    assert "설문은 언제까지 할 수 있나요?" in page and "수신거부: 1명 문자 수신 동의 철회" in page
