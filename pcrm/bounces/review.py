"""Staff acting on the clean-up worklist: restore (undo the policy), suppress, mark checked.

Each action is a use case over a set of worklist rows; it commits once. A row already in the
state an action leads to is left alone, so a form submitted twice changes nothing the second
time. Every suppression and restore is written to the consent ledger with the staff member and
their reason.

Undo and consent: restoring an address takes it off the suppression list and makes it valid
again, but consent is given back only when the policy itself took it (a complaint) and nobody
has changed that consent since; a person's own unsubscribe is never undone by staff.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.auth.models import User
from pcrm.bounces.models import AddressReview, ReviewReason
from pcrm.bounces.models import ReviewState as State
from pcrm.bounces.policy import current_address, set_address_status, suppress
from pcrm.db import utcnow
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.messaging.service import unsuppress_address
from pcrm.subscribers.consent import change_consent, note_in_ledger
from pcrm.subscribers.models import AddressStatus, Channel, ConsentEvent, ConsentSource

RESTORABLE = (State.SUPPRESSED, State.BOUNCING)


def _rows(ids: list[int]) -> list[AddressReview]:
    if not ids:
        raise Invalid(_("처리할 주소를 하나 이상 고르세요."))
    query = select(AddressReview).where(AddressReview.id.in_(ids)).order_by(AddressReview.id)
    return list(db.session.scalars(query))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("사유를 적어 주세요. 사유는 수신 동의 기록에 남습니다."))
    return reason[:300]


def restore(*, ids: list[int], reason: str, user: User, now: datetime | None = None) -> int:
    """Undo the policy for these rows; commits. Returns how many rows changed."""
    reason, now = _reason(reason), now or utcnow()
    changed = [row for row in _rows(ids) if row.state in RESTORABLE]
    for row in changed:
        _restore(row, reason, user, now)
    db.session.commit()
    return len(changed)


def _restore(row: AddressReview, reason: str, user: User, now: datetime) -> None:
    unsuppress_address(address=row.address, channel=row.channel)
    subscriber = row.subscriber
    status = subscriber.email_status if row.channel is Channel.EMAIL else subscriber.phone_status
    # Valid again only where the policy marked it bounced: an unconfirmed address stays pending.
    if current_address(subscriber, row.channel) == row.address and status is AddressStatus.BOUNCED:
        set_address_status(subscriber, row.channel, AddressStatus.VALID)
    evidence = _("발송 제외 해제(직원): %(reason)s", reason=reason)
    if _consent_still_revoked_by_policy(row):
        change_consent(
            row.subscriber,
            granted=True,
            channel=row.channel,
            source=ConsentSource.BOUNCE_POLICY,
            evidence=evidence,
            actor=user,
        )
        _keep_consent_date(row)
    else:
        note_in_ledger(
            row.subscriber,
            channel=row.channel,
            source=ConsentSource.BOUNCE_POLICY,
            evidence=evidence,
            actor=user,
        )
    row.state, row.reason, row.revoked_consent_id = State.RESTORED, None, None
    row.revoked_consent_given_at = None
    row.counted_since = now  # earlier soft bounces no longer count towards a suppression


def _consent_still_revoked_by_policy(row: AddressReview) -> bool:
    if row.revoked_consent_id is None:
        return False
    last = db.session.scalar(
        select(ConsentEvent.id)
        .where(ConsentEvent.subscriber_id == row.subscriber_id, ConsentEvent.channel == row.channel)
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    )
    return last == row.revoked_consent_id


def _keep_consent_date(row: AddressReview) -> None:
    """Consent given back is the consent given before, with its date (the two-year rule of
    promotional messages counts from when the person gave it, not from the undo)."""
    given_at = row.revoked_consent_given_at
    if given_at is None:
        return
    if row.channel is Channel.EMAIL:
        row.subscriber.email_consented_at = given_at
    else:
        row.subscriber.sms_consented_at = given_at


def suppress_by_staff(*, ids: list[int], reason: str, user: User) -> int:
    """Put these rows' addresses on the suppression list; commits. How many changed."""
    reason = _reason(reason)
    changed = [row for row in _rows(ids) if row.state is not State.SUPPRESSED]
    for row in changed:
        evidence = _("직원: %(reason)s", reason=reason)
        suppress(row, ReviewReason.MANUAL, evidence=evidence, source="staff", actor=user)
    db.session.commit()
    return len(changed)


def mark_checked(*, ids: list[int], user: User, now: datetime | None = None) -> int:
    """Note that these rows were checked against the paper forms; commits. How many changed."""
    now = now or utcnow()
    changed = [row for row in _rows(ids) if row.checked_at is None]
    for row in changed:
        row.checked_at, row.checked_by_id = now, user.id
    db.session.commit()
    return len(changed)
