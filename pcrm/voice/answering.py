"""The answer back to the resident, on the channel they gave: e-mail, else SMS; the status page
always has it. One message to one person through the channel layer, as registry notices go."""

from flask import render_template
from flask_babel import gettext as _
from rq import Retry

from pcrm.extensions import db, queues
from pcrm.messaging.channels import ChannelDown, Content, Refusal, Unsendable
from pcrm.messaging.mail import EmailChannel
from pcrm.messaging.sms import SmsChannel
from pcrm.queue import URGENT
from pcrm.subscribers.models import Subscriber
from pcrm.urls import public_url
from pcrm.voice.models import VoiceItem

RETRY = Retry(max=3, interval=[60, 180, 600])


class AnswerUndeliverable(Exception):
    """The answer can never go by this channel (an address or text it cannot carry, a 5xx)."""


class ChannelUnavailable(Exception):
    """The relay or provider is down or said try later."""


def enqueue_answer(item: VoiceItem) -> None:
    """After the commit that closed the item: send its answer, if there is a way to."""
    if item.contact_email or item.contact_phone:
        queues.enqueue("pcrm.voice.jobs.send_answer", item.id, queue=URGENT, retry=RETRY)


def is_subscriber(item: VoiceItem) -> bool:
    """Whether the resident already receives the district's news (else the answer invites)."""
    if item.subscriber_id:
        return True
    query = db.select(Subscriber.id).where(Subscriber.erased_at.is_(None))
    if item.contact_email:
        return db.session.scalar(query.where(Subscriber.email == item.contact_email)) is not None
    return db.session.scalar(query.where(Subscriber.phone == item.contact_phone)) is not None


def _context(item: VoiceItem) -> dict:
    return {
        "item": item,
        "link": public_url("voice.status", token=item.token),
        "join": None if is_subscriber(item) else public_url("subscribers.signup"),
    }


def build_content(item: VoiceItem, *, sms: bool) -> Content:
    subject = _("[성동구] 보내 주신 의견에 답변드립니다 (접수번호 %(n)s)", n=item.number)
    context = _context(item)
    if sms:
        return Content(subject=subject, text=render_template("sms/voice_answer.txt", **context))
    return Content(
        subject=subject,
        text=render_template("email/voice/answer.txt", **context),
        html=render_template("email/voice/answer.html", **context),
    )


def _send(channel, item: VoiceItem, to: str, content: Content) -> None:
    try:
        outgoing = channel.build(
            message_id=f"voice-{item.id}", token="", to=to, name=None, content=content,
            unsubscribe_url="",  # an answer owed to one person, not bulk: no list headers
        )  # fmt: skip
        with channel.session() as session:
            outcome = session.send(outgoing)
    except (Unsendable, UnicodeError) as error:
        raise AnswerUndeliverable(str(error)) from error
    except ChannelDown as error:
        raise ChannelUnavailable(str(error)) from error
    if isinstance(outcome, Refusal):
        error_type = AnswerUndeliverable if outcome.permanent else ChannelUnavailable
        raise error_type(f"{outcome.code} {outcome.reason}")


def deliver(item: VoiceItem) -> None:
    """Send the answer by e-mail when the resident gave one, else by SMS."""
    if item.contact_email:
        content = build_content(item, sms=False)
        _send(EmailChannel(list_id="voice"), item, item.contact_email, content)
    else:
        _send(SmsChannel(), item, item.contact_phone, build_content(item, sms=True))
