"""Staff accounts: sign-in and management."""

import secrets
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func
from werkzeug.security import check_password_hash, generate_password_hash

from pcrm.auth import two_factor
from pcrm.auth.models import Department, Role, StaffSession, User, token_digest
from pcrm.db import utcnow
from pcrm.errors import Conflict, Invalid
from pcrm.extensions import db
from pcrm.subscribers.access_log import record_access
from pcrm.subscribers.addresses import normalise_email
from pcrm.subscribers.models import AccessAction

MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash(method: str) -> str:
    """Checked when no account matches, so a wrong e-mail costs as much as a wrong password."""
    return generate_password_hash("not a real password", method=method)


def find_user(email: str) -> User | None:
    # Accounts are stored in the ASCII form (xn-- domains): typed in Unicode, they still match.
    email = normalise_email(email).value or email.strip()
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.lower()))


def check_credentials(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (not signed in yet: a second
    factor may follow)."""
    user = find_user(email.strip())
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.has_password:  # invited, no password yet: as slow as a wrong one
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def sign_in(user: User) -> User:
    """Start a new session for a user whose credentials (and code) were checked; commits."""
    user.last_login_at = utcnow()
    _start_session(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, signed in with a new session, or None.
    For accounts without a second factor (and commands and tests)."""
    user = check_credentials(email, password)
    return sign_in(user) if user is not None else None


def sign_in_with_code(user_id: int, code: str) -> User | None:
    """The second step: the code from the user's authenticator app; signed in, or None."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not two_factor.accept(user, code):
        db.session.rollback()
        return None
    return sign_in(user)


def enable_two_factor(user: User, *, secret: str, code: str) -> None:
    """Turn on two-factor sign-in once a code from the newly enrolled app matches; commits."""
    step = two_factor.matching_step(secret, code)
    if step is None:
        raise Invalid(_("코드가 맞지 않습니다. 앱에 보이는 6자리 숫자를 다시 입력하세요."))
    user.totp_secret, user.totp_last_step = secret, step
    db.session.commit()


def disable_two_factor(user: User, *, code: str) -> None:
    """Turn it off with a current code (not where it is required); commits."""
    if two_factor.required_role(user):
        raise Conflict(_("이 역할은 2단계 인증을 꺼 둘 수 없습니다."))
    if not two_factor.accept(user, code):
        raise Invalid(_("코드가 맞지 않습니다. 앱에 보이는 6자리 숫자를 다시 입력하세요."))
    user.totp_secret = user.totp_last_step = None
    db.session.commit()


def reset_two_factor(user: User, *, actor: User) -> None:
    """An admin clears a lost phone's enrolment: the next sign-in enrols again; commits."""
    user.totp_secret = user.totp_last_step = None
    what = _("직원 계정 %(email)s의 2단계 인증 초기화", email=user.email)
    record_access(user=actor, action=AccessAction.EDIT, what=what, record_count=1)
    db.session.commit()


def remember_language(user: User, locale: str) -> None:
    """The language a staff member chose: their e-mails are written in it; commits."""
    if user.locale != locale:
        user.locale = locale
        db.session.commit()


def _session_cutoff():
    return utcnow() - current_app.config["REMEMBER_COOKIE_DURATION"]


def _start_session(user: User) -> None:
    """A new random token for this sign-in: every sign-in gets cookies of its own."""
    db.session.execute(delete(StaffSession).where(StaffSession.created_at < _session_cutoff()))
    user.session_token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(user=user, token_digest=token_digest(user.session_token)))


def user_for_session(token: str) -> User | None:
    """The active staff member signed in with this token, unless the session has ended."""
    query = (
        db.select(User)
        .join(StaffSession)
        .where(StaffSession.token_digest == token_digest(token), User.active.is_(True))
        .where(StaffSession.created_at >= _session_cutoff())
    )
    user = db.session.scalar(query)
    if user is not None:
        user.session_token = token
    return user


def end_session(user: User) -> None:
    """Sign out: the token of this sign-in stops working, in every copy of its cookies."""
    if user.session_token:
        digest = token_digest(user.session_token)
        db.session.execute(delete(StaffSession).where(StaffSession.token_digest == digest))
        db.session.commit()


def _end_sessions(user: User, *, keep: str | None = None) -> int:
    query = delete(StaffSession).where(StaffSession.user_id == user.id)
    if keep:
        query = query.where(StaffSession.token_digest != token_digest(keep))
    return db.session.execute(query).rowcount


def end_all_sessions(user: User, *, actor: User) -> int:
    """An admin signs a staff member out everywhere; recorded in the access log."""
    ended = _end_sessions(user)
    what = _("직원 계정 %(email)s의 로그인 세션 종료", email=user.email)
    record_access(user=actor, action=AccessAction.END_SESSIONS, what=what, record_count=ended)
    db.session.commit()
    return ended


def open_sessions(user: User) -> int:
    """How many sign-ins of this staff member are still open."""
    query = db.select(func.count()).select_from(StaffSession)
    query = query.where(
        StaffSession.user_id == user.id, StaffSession.created_at >= _session_cutoff()
    )
    return db.session.scalar(query)


def _check_role(role: Role, department: Department | None) -> None:
    if role is Role.DEPARTMENT and department is None:
        raise Invalid(_("부서 담당자는 소속 부서가 있어야 합니다."))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_("비밀번호는 %(n)d자 이상이어야 합니다.", n=MIN_PASSWORD_LENGTH))


def _checked_email(email: str) -> str:
    """Staff addresses follow the registry's one rule (ASCII for SMTP, Korean reasons)."""
    checked = normalise_email(email)
    if not checked.ok:
        raise Invalid(checked.problem or _("이메일 주소를 입력하세요."))
    return checked.value


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role,
    department: Department | None = None,
) -> User:
    """Create a staff account; department staff must belong to a department. Without a
    password nobody can sign in to it until its owner sets one (auth.invitations)."""
    email = _checked_email(email)
    if find_user(email) is not None:
        raise Conflict(_("이미 등록된 이메일입니다: %(email)s", email=email))
    _check_role(role, department)
    user = User(email=email, name=name.strip(), role=role, department=department)
    user.password_hash = ""
    if password is not None:
        check_password(password)
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def _check_self_lockout(user: User, actor: User | None, role: Role, active: bool) -> None:
    """An admin cannot take away their own access: someone must be left to manage accounts."""
    if actor is not None and actor.id == user.id and (role is not Role.ADMIN or not active):
        raise Invalid(_("자신의 관리자 권한을 없애거나 자신의 계정을 중지할 수 없습니다."))


def update_user(
    user: User,
    *,
    name: str,
    role: Role,
    department: Department | None,
    active: bool,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Change a staff account; a new password only when one is given."""
    _check_role(role, department)
    _check_self_lockout(user, actor, role, active)
    if password:
        check_password(password)
        user.set_password(password)
        # Whoever knew the old password is signed out; an admin changing their own keeps this one.
        _end_sessions(user, keep=actor.session_token if actor and actor.id == user.id else None)
    user.name, user.role, user.active = name.strip(), role, active
    user.department = department
    db.session.commit()
    return user


def _check_department_name(name_ko: str, department: Department | None = None) -> None:
    same = db.session.scalar(db.select(Department).where(Department.name_ko == name_ko))
    if same is not None and same is not department:
        raise Conflict(_("이미 있는 부서입니다: %(name)s", name=name_ko))


def create_department(*, name_ko: str, name_en: str = "") -> Department:
    """Add a department; Korean names are unique."""
    _check_department_name(name_ko.strip())
    department = Department(name_ko=name_ko.strip(), name_en=name_en.strip())
    db.session.add(department)
    db.session.commit()
    return department


def update_department(department: Department, *, name_ko: str, name_en: str) -> Department:
    """Rename a department; Korean names stay unique."""
    _check_department_name(name_ko.strip(), department)
    department.name_ko, department.name_en = name_ko.strip(), name_en.strip()
    db.session.commit()
    return department


def get_department(department_id: int | None) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def departments() -> list[Department]:
    return list(db.session.scalars(db.select(Department).order_by(Department.name_ko)))


def staff() -> list[User]:
    """Every staff account, active ones first, then by name."""
    order = (User.active.desc(), User.name, User.id)
    return list(db.session.scalars(db.select(User).order_by(*order)))


def staff_counts() -> dict[int, int]:
    """Department id -> number of its staff accounts."""
    rows = db.session.execute(
        db.select(User.department_id, func.count()).group_by(User.department_id)
    )
    return {department_id: n for department_id, n in rows if department_id is not None}
