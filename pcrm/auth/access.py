"""Who may see what: staff sign-in on every route unless a view is marked public, roles,
and department isolation."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pcrm.auth.models import Role, User
from pcrm.auth.service import user_for_session
from pcrm.errors import NotFound
from pcrm.extensions import login
from pcrm.schema import ensure_migrated


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (residents' pages, health, sign-in)."""
    view.is_public = True
    return view


def roles_required(*roles: Role) -> Callable:
    """Allow the view only to staff with one of `roles` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ensure_department(department_id: int, user: User | None = None) -> None:
    """Department staff reach only their own department's things; others are a plain 404."""
    user = user or current_user
    if not user.sees_all_departments and user.department_id != department_id:
        raise NotFound(_("찾을 수 없습니다."))


def _guard():
    if request.endpoint in (None, "static", "health.healthz"):
        return None
    ensure_migrated()
    view = current_app.view_functions[request.endpoint]
    if not getattr(view, "is_public", False) and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message = _l("로그인이 필요합니다.")
    login.login_message_category = "info"
    login.session_protection = "strong"
    app.before_request(_guard)

    @login.user_loader
    def load_user(session_token: str) -> User | None:
        return user_for_session(session_token)
