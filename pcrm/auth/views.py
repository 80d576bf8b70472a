"""Staff sign-in and sign-out."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from pcrm.auth import service
from pcrm.auth.access import public
from pcrm.auth.forms import LoginForm
from pcrm.db import utcnow
from pcrm.extensions import limiter
from pcrm.i18n import local_datetime
from pcrm.urls import safe_next

bp = Blueprint("auth", __name__)


def _account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _account_from_address() -> str:
    """Failures count per account *and* address: a stranger cannot lock a colleague out."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"{get_remote_address()} {email}"


def _failed(response) -> bool:
    """Only failed attempts count; a successful sign-in redirects."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(
    _account_limit, methods=["POST"], key_func=_account_from_address, deduct_when=_failed
)
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
        # One message whether or not the account exists, so it cannot be probed.
        flash(_("이메일 또는 비밀번호가 올바르지 않습니다."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out: this sign-in's cookies stop working, also any copy of them."""
    service.end_session(current_user)
    logout_user()
    flash(_("로그아웃했습니다."), "info")
    return redirect(url_for("auth.login"))


@bp.errorhandler(429)
def too_many_attempts(error):
    """The form again, saying when this address may try again."""
    limit = limiter.current_limit
    free_at = datetime.fromtimestamp(limit.reset_at, UTC) if limit else utcnow()
    # Up to the next whole minute: the page shows hours and minutes, never a time too early.
    retry_at = (free_at + timedelta(seconds=59)).replace(second=0, microsecond=0)
    when = local_datetime(retry_at, "HH:mm")
    flash(_("로그인 시도가 너무 많습니다. %(time)s 이후에 다시 시도하세요.", time=when), "error")
    response = current_app.make_response(
        (render_template("auth/login.html", form=LoginForm()), 429)
    )
    response.headers["Retry-After"] = str(max(1, int((retry_at - utcnow()).total_seconds())))
    return response
