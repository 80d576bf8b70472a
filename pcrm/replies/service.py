"""SMS replies: each kept once; one that says stop ends SMS consent for its number at once."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import Invalid, NotFound
from pcrm.extensions import db
from pcrm.messaging.models import EventKind, Message
from pcrm.messaging.service import record_event
from pcrm.replies.keywords import is_opt_out
from pcrm.replies.models import SmsReply
from pcrm.replies.optouts import revoke_sms_consent
from pcrm.subscribers.addresses import normalise_phone
from pcrm.subscribers.models import Channel, ConsentSource, Subscriber
from pcrm.subscribers.service import record_view
from pcrm.voice import service as voice
from pcrm.voice.models import VoiceChannel


def _fingerprint(phone: str, text: str, received_at: datetime) -> str:
    key = f"{phone}\n{received_at.isoformat()}\n{text}"
    return hashlib.sha256(key.encode()).hexdigest()


def _answered(phone: str, received_at: datetime) -> Message | None:
    """The latest SMS sent to the number before the reply came: what it most likely answers."""
    return db.session.scalar(
        select(Message)
        .where(
            Message.channel == Channel.SMS,
            Message.address == phone,
            Message.sent_at <= received_at,
        )
        .order_by(Message.sent_at.desc())
        .limit(1)
    )


def record_reply(*, phone: str, text: str, received_at: datetime, source: str) -> SmsReply:
    """Keep one reply (again: the one kept before) and, if it says stop, end SMS consent for
    its number in the ledger; commits. Invalid when the number is not a mobile number."""
    checked = normalise_phone(phone)
    if checked.value is None:
        raise Invalid(checked.problem or _("보낸 번호가 없습니다"), field="phone")
    number = checked.value
    fingerprint = _fingerprint(number, text, received_at)
    kept = db.session.scalar(select(SmsReply).where(SmsReply.fingerprint == fingerprint))
    if kept is not None:
        return kept
    message = _answered(number, received_at)
    reply = SmsReply(
        fingerprint=fingerprint, phone=number, text=text, received_at=received_at,
        source=source, message=message, opt_out=is_opt_out(text),
    )  # fmt: skip
    if reply.opt_out:
        evidence = f"문자 답장 ({received_at:%Y-%m-%d %H:%M} UTC): {text[:100]}"
        reply.revoked = revoke_sms_consent(
            number, source=ConsentSource.SMS_REPLY, evidence=evidence, registered_at=received_at
        )
        if message is not None and message.unsubscribed_at is None:
            message.unsubscribed_at = received_at
            record_event(message, EventKind.UNSUBSCRIBE, detail="sms reply")
    db.session.add(reply)
    try:
        db.session.commit()
    except IntegrityError:  # the same reply, posted twice at once: the other one was kept
        db.session.rollback()
        return db.session.scalar(select(SmsReply).where(SmsReply.fingerprint == fingerprint))
    if not reply.opt_out:  # what a resident wrote back goes on to residents' voice
        voice.hand_over(
            origin=f"sms:{reply.id}", channel=VoiceChannel.SMS_REPLY, body=text, phone=number,
            message=message,
        )  # fmt: skip
    return reply


@dataclass(frozen=True)
class RepliesPage:
    page: Pagination  # of SmsReply, newest first
    people: dict[str, list[Subscriber]]  # who has each number, to show who wrote
    unread: int


def replies_page(*, user: User, page: int, per_page: int) -> RepliesPage:
    """One page of replies and who wrote them; the view is in the access log (commits)."""
    query = select(SmsReply).order_by(SmsReply.received_at.desc(), SmsReply.id.desc())
    shown = db.paginate(query, page=page, per_page=per_page)
    phones = list({reply.phone for reply in shown.items})
    people: dict[str, list[Subscriber]] = {}
    if phones:
        for person in db.session.scalars(select(Subscriber).where(Subscriber.phone.in_(phones))):
            people.setdefault(person.phone, []).append(person)
    unread = db.session.scalar(select(func.count(SmsReply.id)).where(SmsReply.read_at.is_(None)))
    if shown.items:
        what = _("문자 답장 %(page)d쪽", page=shown.page)
        record_view(user=user, what=what, record_count=len(shown.items))
    return RepliesPage(shown, people, unread)


def mark_read(reply_id: int) -> SmsReply:
    """Mark a reply read (once: the first time is kept); commits."""
    reply = db.session.get(SmsReply, reply_id)
    if reply is None:
        raise NotFound(_("답장을 찾을 수 없습니다."))
    if reply.read_at is None:
        reply.read_at = utcnow()
    db.session.commit()
    return reply
