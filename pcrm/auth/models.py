"""Staff: departments and the people who sign in."""

import enum
import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from pcrm.db import TimestampMixin, str_enum, utcnow
from pcrm.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"  # manages staff, departments and projects; sees everything
    PR = "pr"  # the PR office: registry, approvals, launches, every report
    DEPARTMENT = "department"  # one department's projects, surveys and reports

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {Role.ADMIN: _l("관리자"), Role.PR: _l("공보 담당"), Role.DEPARTMENT: _l("부서 담당")}
PR_OFFICE = (Role.ADMIN, Role.PR)  # who run the registry, approvals and sending


class Department(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(100), default="")

    users: Mapped[list["User"]] = relationship(back_populates="department")

    def __str__(self) -> str:
        return self.name_ko


class User(UserMixin, TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret once confirmed, and the last time
    # step a code was accepted for, so a code seen over a shoulder cannot be used again.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # The language the staff member last chose: e-mails to them (notices, invitations) use it.
    locale: Mapped[str] = mapped_column(String(10), default="ko", server_default="ko")

    department: Mapped[Department | None] = relationship(back_populates="users")
    sessions: Mapped[list["StaffSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # The token of the sign-in this request came with (set by the user loader, not stored):
    # Flask-Login keeps get_id() in the session and the remember cookie, so both die with it.
    session_token = None

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("a staff member signs in through auth.service.authenticate")
        return self.session_token

    # UserMixin compares get_id(), which is now a sign-in, not the person; the session's
    # identity map holds one object per row, so identity is the person.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        # An invited account has no password until its owner sets one: nothing matches "".
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def sees_all_departments(self) -> bool:
        return self.role in PR_OFFICE

    def __str__(self) -> str:
        return self.name


def token_digest(token: str) -> str:
    """What is stored of a session token: a copy of the database alone cannot sign anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffSession(db.Model):
    """One sign-in of a staff member; deleting the row ends it, wherever its cookies went."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="sessions")


class StaffNotice(db.Model):
    """An e-mail owed to a staff member (a campaign request arrived, a decision on theirs),
    written in their language when it became owed; the job sends it once (sent_at)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # A notice that can never go (an address refused for good) ends here, with a reason; a
    # relay that is down leaves it owed, and the sweep tries again (nothing is lost).
    failed_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()


class StaffInvitation(db.Model):
    """A link that lets a new staff member set their own password: unguessable (only a digest
    of it is kept), expiring, used once; revoked by an admin or by a newer one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Set when the e-mail is written: the token exists only in the e-mail, never in a table.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
