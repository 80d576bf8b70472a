"""Staff sign-in and sign-out."""

from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from pcrm.auth import invitations, service, two_factor
from pcrm.auth.access import public
from pcrm.auth.forms import CodeForm, LoginForm, SetPasswordForm
from pcrm.db import utcnow
from pcrm.errors import DomainError
from pcrm.extensions import limiter
from pcrm.forms import submit
from pcrm.i18n import local_datetime
from pcrm.urls import safe_next

bp = Blueprint("auth", __name__)
PENDING = "pending_sign_in"  # the session key of a sign-in waiting for its code
SETUP = "two_factor_setup"  # ... and of a secret being enrolled, until a code confirms it
CODE_WAIT = timedelta(minutes=5)


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
        user = service.check_credentials(form.email.data, form.password.data)
        if user is not None and user.totp_secret:
            # The password was right; the sign-in waits for the code (a few minutes at most).
            session[PENDING] = {
                "user": user.id,
                "until": (utcnow() + CODE_WAIT).timestamp(),
                "remember": form.remember.data,
                "next": safe_next(request.args.get("next")),
            }
            return redirect(url_for("auth.login_code"))
        if user is not None:
            return _signed_in(service.sign_in(user), form.remember.data, request.args.get("next"))
        # One message whether or not the account exists, so it cannot be probed.
        flash(_("이메일 또는 비밀번호가 올바르지 않습니다."), "error")
    return render_template("auth/login.html", form=form)


def _signed_in(user, remember: bool, next_url: str | None):
    login_user(user, remember=remember)
    if two_factor.required_for(user):
        flash(_("이 계정은 2단계 인증을 켜야 쓸 수 있습니다. 인증 앱을 등록하세요."), "info")
        return redirect(url_for("auth.two_factor_settings"))
    return redirect(safe_next(next_url) or url_for("main.dashboard"))


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def login_code():
    """The second step of signing in: the code from the authenticator app."""
    pending = session.get(PENDING)
    if not pending or pending.get("until", 0) < utcnow().timestamp():
        session.pop(PENDING, None)
        flash(_("로그인을 처음부터 다시 해 주세요."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        user = service.sign_in_with_code(pending["user"], form.code.data)
        if user is not None:
            session.pop(PENDING, None)
            return _signed_in(user, pending["remember"], pending["next"])
        flash(
            _("코드가 맞지 않거나 이미 쓴 코드입니다. 앱에 보이는 새 코드를 입력하세요."), "error"
        )
    return render_template("auth/login_code.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor_settings():
    """Turn two-factor sign-in on (scan, then confirm a code) or off (with a code)."""
    form = CodeForm()
    action = request.form.get("action")
    if request.method == "POST" and action == "start" and form.csrf_token.validate(form):
        session[SETUP] = two_factor.new_secret()
        form = CodeForm(formdata=None)
    elif action in ("confirm", "disable") and form.validate_on_submit():
        try:
            if action == "confirm":
                service.enable_two_factor(
                    current_user, secret=session.get(SETUP, ""), code=form.code.data
                )
                session.pop(SETUP, None)
                flash(
                    _("2단계 인증을 켰습니다. 다음 로그인부터 앱의 코드를 물어봅니다."), "success"
                )
            else:
                service.disable_two_factor(current_user, code=form.code.data)
                flash(_("2단계 인증을 껐습니다."), "success")
        except DomainError as error:
            form.code.errors.append(error.message)
        else:
            return redirect(url_for("auth.two_factor_settings"))
    secret = None if current_user.totp_secret else session.get(SETUP)
    return render_template(
        "auth/two_factor.html",
        form=form,
        secret=two_factor.grouped(secret) if secret else None,
        qr_code=two_factor.qr_code(current_user, secret) if secret else None,
        required=two_factor.required_role(current_user),
    )


# Where someone who must enrol first may still go.
BEFORE_ENROLMENT = {"auth.two_factor_settings", "auth.logout", "main.set_language", "static"}


@bp.before_app_request
def enrol_first():
    """A role that requires a second factor does nothing else until it is set up."""
    if (
        current_user.is_authenticated
        and request.endpoint not in BEFORE_ENROLMENT
        and two_factor.required_for(current_user)
    ):
        return redirect(url_for("auth.two_factor_settings"))
    return None


@bp.post("/logout")
def logout():
    """Sign out: this sign-in's cookies stop working, also any copy of them."""
    service.end_session(current_user)
    logout_user()
    flash(_("로그아웃했습니다."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def accept_invitation(token: str):
    """A new staff member sets their own password from the invitation's link (once)."""
    invitation = invitations.for_token(token)
    state = invitations.state(invitation)
    if state is invitations.LinkState.UNKNOWN:
        abort(404)  # a tampered or made-up link: a plain 404, as for every token
    if state is not invitations.LinkState.VALID:
        return render_template("auth/invitation.html", state=state, form=None), 410
    form = SetPasswordForm()
    user = submit(form, lambda: invitations.accept(invitation, password=form.password.data))
    if user is not None:
        flash(_("비밀번호를 정했습니다. 이메일과 새 비밀번호로 로그인하세요."), "success")
        return redirect(url_for("auth.login"))
    page = render_template("auth/invitation.html", state=state, form=form, user=invitation.user)
    return page, 422 if form.errors else 200


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
