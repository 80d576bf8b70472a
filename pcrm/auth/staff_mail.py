"""E-mails the service owes staff (a campaign request arrived, a decision on one): written in
the staff member's language when they become owed, sent as jobs through the e-mail channel.
A relay that is down loses nothing: the notice stays owed and the sweep sends it later."""

from datetime import timedelta

from flask import render_template
from flask_babel import force_locale
from rq import Retry
from sqlalchemy import select

from pcrm.auth.models import StaffNotice, User
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.channels import Content
from pcrm.messaging.single import send_one
from pcrm.queue import DEFAULT

# A few tries over about 15 minutes; after that the sweep tries again every few minutes.
RETRY = Retry(max=3, interval=[60, 180, 600])
SWEEP_AFTER = timedelta(minutes=20)  # owed this long, its retries spent: queued again
GIVE_UP_AFTER = timedelta(days=7)  # an announcement this old is no news to anyone


def owe_notice(user: User, template: str, subject, **context) -> StaffNotice | None:
    """Write templates/email/staff/<template>.txt and .html for an active `user`, in their
    language (`subject` a lazy string); the caller commits, then calls enqueue_notices."""
    if not user.active or not user.email:
        return None
    with force_locale(user.locale or "ko"):
        notice = StaffNotice(
            user=user,
            subject=str(subject),
            text=render_template(f"email/staff/{template}.txt", user=user, **context),
            html=render_template(f"email/staff/{template}.html", user=user, **context),
        )
    db.session.add(notice)
    return notice


def enqueue_notices(notices) -> None:
    for notice in notices:
        if notice is not None:
            # By its path: auth.jobs imports this module to send the notice.
            queues.enqueue("pcrm.auth.jobs.send_staff_notice", notice.id, retry=RETRY)


def deliver(notice: StaffNotice) -> None:
    """Send one notice (Undeliverable or RelayUnavailable when it did not go)."""
    send_one(
        list_id="staff",
        message_id=f"staff-{notice.id}",
        to=notice.user.email,
        content=lambda: notice_content(notice),
    )


def notice_content(notice: StaffNotice) -> Content:
    return Content(subject=notice.subject, text=notice.text, html=notice.html)


def owed_notices() -> list[int]:
    """Notices still owed whose retries are over (the relay was down): to send again."""
    now = utcnow()
    query = select(StaffNotice.id).where(
        StaffNotice.sent_at.is_(None),
        StaffNotice.failed_at.is_(None),
        StaffNotice.created_at < now - SWEEP_AFTER,
        StaffNotice.created_at > now - GIVE_UP_AFTER,
    )
    return list(db.session.scalars(query.order_by(StaffNotice.id)))


def resend_owed() -> None:
    """Periodic: queue again what a dead relay left owed (sent at most once: the job guards)."""
    for notice_id in owed_notices():
        queues.enqueue("pcrm.auth.jobs.send_staff_notice", notice_id, queue=DEFAULT)
