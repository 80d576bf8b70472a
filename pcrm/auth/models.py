"""Staff: departments and the people who sign in."""

import enum
import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
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
        return check_password_hash(self.password_hash, password)

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
