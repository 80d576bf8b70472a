"""Staff e-mail jobs: a notice owed to a staff member, an invitation; each sent once.

A relay that is down is retried by RQ; when the retries are spent the e-mail stays owed and the
sweep queues it again (resend_owed_staff_mail): a dead relay loses nothing. An address refused
for good ends the e-mail failed, with the reason."""

from flask_babel import gettext as _
from rq import get_current_job

from pcrm.auth import invitations, staff_mail
from pcrm.auth.models import StaffInvitation, StaffNotice
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.single import RelayUnavailable, Undeliverable


def _retries_left() -> bool:
    job = get_current_job()
    return bool(job and job.retries_left)


def _attempt(deliver, row) -> str | None:
    """Send; the reason it can never go, or None once sent. A relay that is down raises while
    RQ has retries left, and then leaves the row owed for the sweep."""
    try:
        deliver(row)
    except Undeliverable as error:
        return str(error)[:2000]
    except RelayUnavailable:
        db.session.rollback()
        if _retries_left():
            raise
        return None
    row.sent_at = utcnow()
    return None


def send_staff_notice(notice_id: int) -> None:
    """Send one notice once; a settled notice or an account that is gone is left alone."""
    notice = db.session.get(StaffNotice, notice_id)
    if notice is None or notice.sent_at is not None or notice.failed_at is not None:
        return
    if not notice.user.active:
        notice.failed_at, notice.failure = utcnow(), _("사용 중지된 계정입니다.")
        db.session.commit()
        return
    failure = _attempt(staff_mail.deliver, notice)
    if failure:
        notice.failed_at, notice.failure = utcnow(), failure
    db.session.commit()


def send_invitation(invitation_id: int) -> None:
    """Write and send an invitation's e-mail once, while its link is still open."""
    invitation = db.session.get(StaffInvitation, invitation_id)
    if invitation is None or not invitations.open_ready(invitation):
        return
    failure = _attempt(invitations.deliver, invitation)
    if failure:
        invitation.failure = failure
        invitation.revoked_at = utcnow()  # it cannot arrive: the admin sees why, and resends
    db.session.commit()


def resend_owed_staff_mail() -> None:
    """Periodic: queue again the notices and invitations a dead relay left owed."""
    staff_mail.resend_owed()
    invitations.resend_owed()
