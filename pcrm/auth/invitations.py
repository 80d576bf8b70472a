"""Staff invitations: an admin creates an account without a password, its owner gets an
e-mail with a link to set one. The link is unguessable (256 random bits; only its digest is
kept), expires, and works once; the admin can send a new one (the old stops working) or
revoke it."""

import secrets
from datetime import timedelta
from enum import StrEnum

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from pcrm.auth import service
from pcrm.auth.models import StaffInvitation, User, token_digest
from pcrm.auth.staff_mail import RETRY, SWEEP_AFTER
from pcrm.db import utcnow
from pcrm.errors import Conflict
from pcrm.extensions import db, queues
from pcrm.messaging.channels import Content
from pcrm.messaging.single import send_one
from pcrm.queue import URGENT
from pcrm.urls import public_url

VALID_FOR = timedelta(days=3)
SUBJECT = _l("[성동구 정책고객관리] 계정이 만들어졌습니다: 비밀번호를 정해 주세요")


class LinkState(StrEnum):
    """What a followed link finds; every state but VALID has its own page text."""

    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def invite(user: User, *, actor: User | None) -> StaffInvitation:
    """A new link for `user` (any earlier one stops working); commits, then queues the e-mail."""
    if user.has_password and user.last_login_at is not None:
        raise Conflict(_("이미 로그인한 적이 있는 계정입니다. 비밀번호는 계정 화면에서 바꿉니다."))
    _revoke_open(user)
    invitation = StaffInvitation(
        user=user,
        invited_by_id=actor.id if actor else None,
        expires_at=utcnow() + VALID_FOR,
    )
    db.session.add(invitation)
    db.session.commit()
    enqueue(invitation.id)
    return invitation


def enqueue(invitation_id: int) -> None:
    # By its path: auth.jobs imports this module to send the invitation.
    queues.enqueue("pcrm.auth.jobs.send_invitation", invitation_id, queue=URGENT, retry=RETRY)


def _revoke_open(user: User) -> None:
    db.session.execute(
        update(StaffInvitation)
        .where(StaffInvitation.user_id == user.id, StaffInvitation.used_at.is_(None))
        .where(StaffInvitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke(user: User) -> None:
    """The admin takes the open link back; commits."""
    _revoke_open(user)
    db.session.commit()


def latest(user: User) -> StaffInvitation | None:
    query = select(StaffInvitation).where(StaffInvitation.user_id == user.id)
    return db.session.scalar(query.order_by(StaffInvitation.id.desc()).limit(1))


def state(invitation: StaffInvitation | None) -> LinkState:
    if invitation is None:
        return LinkState.UNKNOWN
    if invitation.used_at is not None:
        return LinkState.USED
    if invitation.revoked_at is not None:
        return LinkState.REVOKED
    if invitation.expires_at <= utcnow():
        return LinkState.EXPIRED
    return LinkState.VALID


def for_token(token: str) -> StaffInvitation | None:
    """The invitation whose e-mail carried this token (in any state), else None."""
    if not token or len(token) > 100:
        return None
    query = select(StaffInvitation).where(StaffInvitation.token_digest == token_digest(token))
    return db.session.scalar(query)


def open_ready(invitation: StaffInvitation) -> bool:
    """Still worth writing its e-mail: not used, revoked or expired, not yet sent."""
    return state(invitation) is LinkState.VALID and invitation.sent_at is None


def deliver(invitation: StaffInvitation) -> None:
    """Write a fresh token into the e-mail (its digest committed first) and send it."""
    token = secrets.token_urlsafe(32)
    invitation.token_digest = token_digest(token)
    db.session.commit()
    user = invitation.user
    send_one(
        list_id="staff",
        message_id=f"invitation-{invitation.id}",
        to=user.email,
        content=lambda: _content(invitation, token),
    )


def _content(invitation: StaffInvitation, token: str) -> Content:
    user = invitation.user
    context = {
        "user": user,
        "link": public_url("auth.accept_invitation", token=token),
        "expires_at": invitation.expires_at,
        "role": user.role.label,
    }
    with force_locale(user.locale or "ko"):
        return Content(
            subject=str(SUBJECT),
            text=render_template("email/staff/invitation.txt", **context),
            html=render_template("email/staff/invitation.html", **context),
        )


def resend_owed() -> None:
    """Queue again the open invitations a dead relay left unsent (their retries spent)."""
    query = select(StaffInvitation.id).where(
        StaffInvitation.sent_at.is_(None),
        StaffInvitation.used_at.is_(None),
        StaffInvitation.revoked_at.is_(None),
        StaffInvitation.expires_at > utcnow(),
        StaffInvitation.created_at < utcnow() - SWEEP_AFTER,
    )
    for invitation_id in db.session.scalars(query):
        enqueue(invitation_id)


def create_invited_user(*, actor: User, **account) -> User:
    """A new staff account with no password, and its invitation on the way; commits."""
    user = service.create_user(password=None, **account)
    invite(user, actor=actor)
    return user


def accept(invitation: StaffInvitation, *, password: str) -> User:
    """Set the password the owner chose; the link is used up; commits."""
    if state(invitation) is not LinkState.VALID:
        raise Conflict(_("이 링크는 더 쓸 수 없습니다."))
    service.check_password(password)
    user = invitation.user
    user.set_password(password)
    invitation.used_at = utcnow()
    db.session.commit()
    return user
