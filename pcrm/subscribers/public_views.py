"""Residents' pages: sign up, confirm an e-mail, manage preferences. Public, Korean, usable on a
phone without JavaScript; tampered or unknown links are a plain 404."""

from types import SimpleNamespace

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pcrm.auth.access import public
from pcrm.errors import DomainError, Invalid
from pcrm.extensions import limiter
from pcrm.subscribers import narrowing, phones, residents
from pcrm.subscribers.addresses import national_phone
from pcrm.subscribers.blueprint import bp
from pcrm.subscribers.masking import mask_email, mask_name, mask_phone
from pcrm.subscribers.models import Channel, ConsentSource, Gender, Kind
from pcrm.subscribers.public_forms import (
    ActionForm,
    LinkRequestForm,
    PhoneCodeForm,
    PreferencesForm,
    SignUpForm,
)


def _form_limit() -> str:
    return current_app.config.get("PUBLIC_FORM_RATE_LIMIT", "20 per hour")


def _link_limit() -> str:
    return current_app.config.get("PREFERENCES_LINK_RATE_LIMIT", "5 per hour")


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()


def _sign_up_data(form: SignUpForm) -> residents.SignUp:
    return residents.SignUp(
        kind=Kind(form.kind.data or "individual"),
        name=form.name.data,
        email=form.email.data or None,
        phone=form.phone.data or None,
        birth_year=form.birth_year.data,
        gender=Gender(form.gender.data) if form.gender.data else None,
        dong_id=form.dong_id.data,
        business_type_code=form.business_type_code.data or None,
        fields=frozenset(form.fields.data),
        channels=frozenset(Channel(c) for c in form.channels.data),
        night_sms=form.night_sms.data,
        guardian_name=form.guardian_name.data or "",
        guardian_contact=form.guardian_contact.data or "",
        guardian_agreed=form.guardian_agreed.data,
    )


@bp.route("/join", methods=["GET", "POST"])
@public
@limiter.limit(_form_limit, methods=["POST"])
def signup():
    """Sign up to receive the district's news and surveys."""
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            page = residents.sign_up(form=_sign_up_data(form))
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            if page is not None:
                return redirect(url_for("subscribers.confirm_phone", token=page))
            return redirect(url_for("subscribers.signup_done"))
    return render_template(
        "subscribers/signup.html", form=form, notice_version=residents.NOTICE_VERSION
    )


@bp.get("/privacy")
@public
def privacy():
    """The registry's privacy notice on its own page, linked from every public page."""
    return render_template("subscribers/privacy.html", notice_version=residents.NOTICE_VERSION)


@bp.get("/join/done")
@public
def signup_done():
    """What happens next: the confirmation e-mail."""
    return render_template("subscribers/signup_done.html")


@bp.route("/join/phone/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_form_limit, methods=["POST"])
def confirm_phone(token: str):
    """Type the code texted to the phone: SMS consent counts from then on."""
    confirmation = phones.confirmation_for_page(token)
    form = PhoneCodeForm()
    if form.validate_on_submit():
        try:
            phones.confirm_phone(token, form.code.data)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            return render_template("subscribers/phone_confirmed.html")
    return render_template(
        "subscribers/confirm_phone.html", form=form, resend=ActionForm(), confirmation=confirmation,
        minutes=phones.CODE_LIFETIME.seconds // 60,
    )  # fmt: skip


@bp.post("/join/phone/<token>/resend")
@public
@limiter.limit(_form_limit)
def resend_phone_code(token: str):
    """Send a new code (the previous one stops working)."""
    if ActionForm().validate_on_submit():
        try:
            phones.resend_code(token)
        except Invalid as error:
            flash(error.message, "error")
        else:
            flash(_("새 인증번호를 보냈습니다."), "success")
    return redirect(url_for("subscribers.confirm_phone", token=token))


@bp.route("/join/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """The double opt-in link: a button confirms (mail scanners only follow GET)."""
    form = ActionForm()
    if form.validate_on_submit():
        residents.confirm_email(token)
        return render_template("subscribers/confirmed.html")
    residents.subscriber_for_confirmation(token)
    return render_template("subscribers/confirm.html", form=form)


def _save_preferences(subscriber, form: PreferencesForm, evidence: str, narrow_only: bool):
    fields, channels = set(form.fields.data), {Channel(c) for c in form.channels.data}
    saved = _("수신 설정을 저장했습니다.")
    if not narrow_only:
        residents.update_preferences(
            subscriber, fields=fields, channels=channels,
            source=ConsentSource.PREFERENCES_LINK, evidence=evidence,
        )  # fmt: skip
        flash(saved, "success")
        return
    added, confirming = narrowing.narrow_preferences(
        subscriber, fields=fields, channels=channels, evidence=evidence
    )
    if not added:
        flash(saved, "success")
    elif confirming:
        flash(_("뺀 항목은 바로 반영했습니다. 새로 고른 항목은 가입한 이메일로 보낸 확인 링크에서 "
                "저장해야 적용됩니다."), "success")  # fmt: skip
    else:
        refused = _("뺀 항목은 바로 반영했습니다. 새로 고른 항목은 이 링크로 추가할 수 없습니다.")
        flash(refused, "error")


def _preferences(subscriber, source_evidence: str, narrow_only: bool = False):
    form = PreferencesForm()
    if form.validate_on_submit():
        if request.form.get("action") == "unsubscribe_all":
            residents.unsubscribe_all(
                subscriber, source=ConsentSource.PREFERENCES_LINK, evidence=source_evidence
            )
            flash(_("모든 소식 받기를 중단했습니다. 더 이상 보내지 않습니다."), "success")
        else:
            _save_preferences(subscriber, form, source_evidence, narrow_only)
        return redirect(request.path)
    form.fields.data = [f.code for f in subscriber.interests]
    form.channels.data = [c for c, on in (("email", subscriber.email_opt_in),
                                          ("sms", subscriber.sms_opt_in)) if on]  # fmt: skip
    return render_template(
        "subscribers/preferences.html",
        form=form, subscriber=subscriber, narrow_only=narrow_only, owner=_masked_owner(subscriber),
    )  # fmt: skip


def _masked_owner(subscriber) -> SimpleNamespace:
    """Whose settings these are, in part: enough to recognise oneself, not to learn who else."""
    contacts = [mask_email(subscriber.email), mask_phone(national_phone(subscriber.phone))]
    return SimpleNamespace(name=mask_name(subscriber.name), contacts=[c for c in contacts if c])


@bp.route("/p/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_form_limit, methods=["POST"])
def preferences(token: str):
    """Change fields and channels from the link in any message: only narrowing takes effect
    here; adding goes through a confirmation e-mail."""
    subscriber, message_id = residents.subscriber_for_message(token)
    evidence = _("메시지 #%(id)s의 수신 설정 링크", id=message_id)
    return _preferences(subscriber, evidence, narrow_only=True)


@bp.route("/preferences/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_form_limit, methods=["POST"])
def preferences_signed(token: str):
    """Change fields and channels from a link sent on request."""
    subscriber = residents.subscriber_for_link(token)
    return _preferences(subscriber, _("이메일로 받은 수신 설정 링크"))


@bp.route("/preferences", methods=["GET", "POST"])
@public
@limiter.limit(_link_limit, methods=["POST"])
@limiter.limit(_link_limit, methods=["POST"], key_func=_submitted_email)
def preferences_request():
    """Ask for a preferences link by e-mail; the answer is the same for any address."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        residents.request_preferences_link(email=form.email.data)
        return render_template("subscribers/preferences_requested.html")
    return render_template("subscribers/preferences_request.html", form=form)
