"""Residents' personal data in voice items: contact details kept only to answer (erased after
VOICE_CONTACT_RETENTION_DAYS once closed), and an item the resident withdraws."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, update

from pcrm.db import utcnow
from pcrm.errors import Conflict
from pcrm.extensions import db
from pcrm.voice.audit import record_transition
from pcrm.voice.models import Outcome, VoiceAction, VoiceItem, VoiceStatus


def withdraw(item: VoiceItem) -> None:
    """The resident takes the item back: it is closed and their contact details erased at once;
    commits. What they wrote stays for the record of what was received."""
    if item.status is VoiceStatus.DONE:
        raise Conflict(_("이미 처리를 마친 의견은 철회할 수 없습니다."))
    before = item.status
    item.status, item.outcome, item.answered_at = VoiceStatus.DONE, Outcome.WITHDRAWN, utcnow()
    item.contact_email = item.contact_phone = None
    item.published_at = None
    record_transition(item, None, VoiceAction.WITHDRAWN, before)
    db.session.commit()


def erase_old_contacts(now: datetime) -> int:
    """Erase the contact details of items closed longer ago than the retention period; returns
    how many items. Safe to run twice."""
    cutoff = now - timedelta(days=current_app.config["VOICE_CONTACT_RETENTION_DAYS"])
    has_contact = or_(VoiceItem.contact_email.is_not(None), VoiceItem.contact_phone.is_not(None))
    erased = db.session.execute(
        update(VoiceItem)
        .where(VoiceItem.status == VoiceStatus.DONE, VoiceItem.answered_at < cutoff, has_contact)
        .values(contact_email=None, contact_phone=None)
    ).rowcount
    db.session.commit()
    return erased
