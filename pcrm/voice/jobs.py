"""Residents' voice jobs: the answer sent once."""

from rq import get_current_job

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.voice import answering, privacy, reminders
from pcrm.voice.models import VoiceItem, VoiceStatus


def send_answer(item_id: int) -> None:
    """Send a closed item's answer once; the last failed try records why instead of raising."""
    item = db.session.get(VoiceItem, item_id)
    if item is None or item.status is not VoiceStatus.DONE or item.answer_sent_at is not None:
        return
    if not (item.contact_email or item.contact_phone) or item.answer_error:
        return
    try:
        answering.deliver(item)
    except answering.AnswerUndeliverable as error:
        return _failed(item, str(error))
    except answering.ChannelUnavailable as error:
        job = get_current_job()
        if job and job.retries_left:
            raise
        return _failed(item, str(error))
    item.answer_sent_at = utcnow()
    db.session.commit()


def _failed(item: VoiceItem, reason: str) -> None:
    item.answer_error = reason[:300]
    db.session.commit()


def remind_and_escalate() -> None:
    """Hourly: officers' daily reminder (once a Seoul day, from 9:00) and late items escalated."""
    now = utcnow()
    reminders.escalate_late(now)
    reminders.remind_officers(now)


def erase_old_contacts() -> None:
    """Daily: residents' contact details past their retention period after closing."""
    privacy.erase_old_contacts(utcnow())
