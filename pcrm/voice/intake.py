"""Everything residents send enters here, whatever the channel: one item in one inbox."""

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.subscribers.addresses import normalise_email, normalise_phone
from pcrm.voice.audit import record_transition
from pcrm.voice.deadlines import due_at
from pcrm.voice.models import VoiceAction, VoiceChannel, VoiceItem, VoiceStatus


@dataclass(frozen=True)
class Intake:
    """What arrived: the text, where from, and how the resident may be answered."""

    body: str
    channel: VoiceChannel
    field_code: str | None = None
    dong_id: int | None = None
    email: str | None = None
    phone: str | None = None
    source_url: str = ""
    subscriber_id: int | None = None
    message_id: int | None = None
    origin: str | None = None
    api_client: str | None = None  # the Open311 client (its key's name) that handed it in


def _checked_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise Invalid(_("내용을 적어 주세요."), field="body")
    limit = current_app.config["VOICE_MAX_CHARS"]
    if len(text) > limit:
        raise Invalid(_("내용은 %(n)d자까지 보낼 수 있습니다.", n=limit), field="body")
    return text


def _checked_contact(intake: Intake) -> tuple[str | None, str | None]:
    email, phone = normalise_email(intake.email), normalise_phone(intake.phone)
    if email.problem:
        raise Invalid(email.problem, field="email")
    if phone.problem:
        raise Invalid(phone.problem, field="phone")
    return email.value, phone.value


def _checked_link(url: str) -> str:
    """A link to the post it came from: http(s) only, so a page never links to a script."""
    text = (url or "").strip()
    if text and not text.lower().startswith(("https://", "http://")):
        raise Invalid(
            _("게시물 주소는 http:// 또는 https://로 시작해야 합니다."), field="source_url"
        )
    return text[:500]


def receive(intake: Intake, *, recorded_by: User | None = None, commit: bool = True) -> VoiceItem:
    """Take in one item: a receipt token, a due date and the first line of its trail; commits
    unless the caller commits it with others (`commit=False`: many replies handed over)."""
    email, phone = _checked_contact(intake)
    now = utcnow()
    item = VoiceItem(
        token=secrets.token_urlsafe(18),  # 144 random bits, like a message's token
        channel=intake.channel,
        body=_checked_body(intake.body),
        source_url=_checked_link(intake.source_url),
        field_code=intake.field_code or None,
        dong_id=intake.dong_id,
        contact_email=email,
        contact_phone=phone,
        subscriber_id=intake.subscriber_id,
        message_id=intake.message_id,
        origin=intake.origin,
        api_client=intake.api_client,
        recorded_by_id=recorded_by.id if recorded_by else None,
        status=VoiceStatus.RECEIVED,
        due_at=due_at(now, intake.channel),
        created_at=now,
    )
    db.session.add(item)
    db.session.flush()
    record_transition(item, recorded_by, VoiceAction.RECEIVED, None)
    if commit:
        db.session.commit()
    return item
