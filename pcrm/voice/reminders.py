"""Deadlines acted on: a daily e-mail to each officer with items due soon or late, and late items
escalated once to the department's head officers and the PR office. `now` is passed in (the
jobs pass utcnow()), so tests move the clock; days are Seoul days."""

import logging
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import or_, update

from pcrm.auth.models import PR_OFFICE, User
from pcrm.extensions import db
from pcrm.messaging.channels import ChannelDown, Content, Refusal, Unsendable
from pcrm.messaging.mail import EmailChannel
from pcrm.urls import public_url
from pcrm.voice.audit import record_transition
from pcrm.voice.deadlines import SEOUL
from pcrm.voice.models import VoiceAction, VoiceItem, VoiceOfficer, VoiceStatus

log = logging.getLogger(__name__)
REMIND_FROM_HOUR = 9  # Seoul: the reminder waits for the working day


def _open_items():
    return db.select(VoiceItem).where(VoiceItem.status != VoiceStatus.DONE)


def items_due(officer: VoiceOfficer, now: datetime) -> list[VoiceItem]:
    """The officer's open items (theirs, or their department's with no officer or with one
    whose account was closed) due soon or late, oldest due first."""
    soon = now + timedelta(days=current_app.config["VOICE_DUE_SOON_DAYS"])
    closed = db.select(User.id).where(User.active.is_(False))
    mine = or_(
        VoiceItem.officer_id == officer.user_id,
        VoiceItem.officer_id.is_(None),
        VoiceItem.officer_id.in_(closed),
    )
    query = _open_items().where(
        VoiceItem.department_id == officer.department_id, mine, VoiceItem.due_at <= soon
    )
    return list(db.session.scalars(query.order_by(VoiceItem.due_at, VoiceItem.id)))


def _claim_day(officer: VoiceOfficer, today) -> bool:
    """Mark today's reminder as this run's; False when another run has it (safe run twice)."""
    claimed = db.session.execute(
        update(VoiceOfficer)
        .where(VoiceOfficer.id == officer.id)
        .where(or_(VoiceOfficer.reminded_on.is_(None), VoiceOfficer.reminded_on < today))
        .values(reminded_on=today)
    ).rowcount
    db.session.commit()
    return claimed == 1


def remind_officers(now: datetime) -> int:
    """Send each officer with items due soon or late one e-mail a Seoul day; how many went."""
    local = now.astimezone(SEOUL)
    if local.hour < REMIND_FROM_HOUR:
        return 0
    sent = 0
    for officer in db.session.scalars(_active_officers().order_by(VoiceOfficer.id)).all():
        items = items_due(officer, now)
        if items and _claim_day(officer, local.date()):
            sent += _mail(officer.user, "reminder", items=items, now=now)
    return sent


def _active_officers():
    """Officers whose account is open: a closed one gets no reminder or escalation."""
    return db.select(VoiceOfficer).join(User, User.id == VoiceOfficer.user_id).where(User.active)


def _late_unescalated(now: datetime) -> list[VoiceItem]:
    query = _open_items().where(VoiceItem.due_at < now, VoiceItem.escalated_at.is_(None))
    return list(db.session.scalars(query.order_by(VoiceItem.id)))


def escalate_late(now: datetime) -> int:
    """Escalate each late item once: a line in its trail, an e-mail to the department's head
    officers and to the PR office; how many items."""
    count = 0
    for item in _late_unescalated(now):
        claimed = db.session.execute(
            update(VoiceItem)
            .where(VoiceItem.id == item.id, VoiceItem.escalated_at.is_(None))
            .values(escalated_at=now)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        record_transition(item, None, VoiceAction.ESCALATED, item.status, _("처리 기한 초과"))
        db.session.commit()
        for person in _escalation_people(item):
            _mail(person, "escalation", items=[item], now=now)
        count += 1
    return count


def _escalation_people(item: VoiceItem) -> list[User]:
    heads = []
    if item.department_id is not None:
        query = _active_officers().where(
            VoiceOfficer.department_id == item.department_id, VoiceOfficer.head.is_(True)
        )
        heads = [officer.user for officer in db.session.scalars(query)]
    pr = db.session.scalars(db.select(User).where(User.role.in_(PR_OFFICE), User.active))
    return list(dict.fromkeys([*heads, *pr]))


def _mail(person: User, kind: str, *, items: list[VoiceItem], now: datetime) -> int:
    """One staff e-mail; a relay that is down is logged, not retried (tomorrow's run sends)."""
    subjects = {
        "reminder": _("[주민 의견] 기한이 다가오거나 지난 의견 %(n)d건", n=len(items)),
        "escalation": _("[주민 의견] 처리 기한을 넘긴 의견 %(n)s", n=items[0].number),
    }
    links = {item.id: public_url("voice.show", item_id=item.id) for item in items}
    text = render_template(f"email/voice/{kind}.txt", person=person, items=items, links=links)
    channel = EmailChannel(list_id="voice")
    try:
        envelope = channel.build(
            message_id=f"voice-{kind}-{person.id}-{now:%Y%m%d%H%M}", token="", to=person.email,
            name=person.name, content=Content(subject=subjects[kind], text=text),
            unsubscribe_url="",
        )  # fmt: skip
        with channel.session() as session:
            outcome = session.send(envelope)
    except (ChannelDown, Unsendable, UnicodeError) as error:
        log.warning("voice %s e-mail not sent: %s", kind, type(error).__name__)
        return 0
    return 0 if isinstance(outcome, Refusal) else 1
