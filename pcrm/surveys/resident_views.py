"""Residents answer: from an invitation's token link, or from the survey's public link.

Staff preview goes through the same pages, so what they see is what residents will see.
"""

from collections.abc import Callable

from flask import abort, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from pcrm.auth.access import public
from pcrm.errors import Conflict
from pcrm.extensions import db, limiter
from pcrm.surveys import flow, responding, results, service
from pcrm.surveys.blueprint import bp, staff_survey
from pcrm.surveys.models import Survey
from pcrm.surveys.responding import AlreadyAnswered, Unavailable

ANSWERED_COOKIE = "pcrm_answered_{id}"
COOKIE_MAX_AGE = 365 * 24 * 3600


# Rate limits on answering, so that one address cannot stuff a survey through its public link.
# A household shares one address: it gets a few answers an hour; every page of a survey is a
# POST, so the limit on pages is generous. An invitation's token answers once anyway, and many
# residents may share a mobile carrier's address: its link is limited per token, not address.
def _answers_per_address() -> str:
    return current_app.config.get("PUBLIC_SURVEY_ANSWER_LIMIT", "10 per hour;30 per day")


def _pages_per_address() -> str:
    return current_app.config.get("PUBLIC_SURVEY_PAGE_LIMIT", "300 per hour")


def _pages_per_token() -> str:
    return current_app.config.get("SURVEY_TOKEN_PAGE_LIMIT", "60 per hour")


def _address_and_survey() -> str:
    return f"{get_remote_address()}|{request.view_args['slug']}"


def _token() -> str:
    return request.view_args["token"]


def _answer_recorded(_response) -> bool:
    return g.get("survey_answer_recorded", False)


def _pages(survey: Survey, done: Callable[[flow.Step, str], object], preview: bool = False):
    """Show the current page, or hand the finished answers and the form's key to `done`."""
    if request.method == "GET":
        form, step = MultiDict(), flow.start(survey)
    else:
        form = request.form
        step = flow.advance(survey, form)
    key = form.get("submission") or flow.new_submission_key()
    if step.done:
        return done(step, key)
    return render_template(
        "surveys/respond.html",
        survey=survey,
        step=step,
        form=form,
        submission=key,
        carried=flow.carried_fields(step, form),
        preview=preview,
    )


def _notice(reason: Unavailable, survey: Survey, status: int = 200):
    return render_template("surveys/notice.html", survey=survey, reason=reason.value), status


def _thanks(survey: Survey, preview: bool = False):
    return render_template("surveys/notice.html", survey=survey, reason="thanks", preview=preview)


def _record(survey: Survey, step: flow.Step, key: str, **who):
    try:
        responding.submit_response(survey=survey, values=step.answers(), submission_key=key, **who)
    except AlreadyAnswered:
        return _notice(Unavailable.ANSWERED, survey)
    except Conflict:
        return _notice(responding.unavailable(survey, answered=False) or Unavailable.CLOSED, survey)
    g.survey_answer_recorded = True
    return _thanks(survey)


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_pages_per_token, methods=["POST"], key_func=_token)
def respond(token: str):
    """Answer a survey from the link in an invitation (the message's token)."""
    invitation = responding.invitation(token)
    survey, message = invitation.survey, invitation.message
    reason = responding.unavailable(survey, answered=message.responded_at is not None)
    if reason is not None:
        return _notice(reason, survey)
    return _pages(survey, lambda step, key: _record(survey, step, key, message=message))


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="pcrm.surveys.public-link")


def _answered_here(survey: Survey) -> bool:
    """Has this browser answered the survey already (its signed cookie says so)?"""
    cookie = request.cookies.get(ANSWERED_COOKIE.format(id=survey.id))
    try:
        return cookie is not None and _signer().loads(cookie) == survey.id
    except BadSignature:
        return False


def _record_public(survey: Survey, step: flow.Step, key: str):
    page = _record(survey, step, key)
    response = current_app.make_response(page)
    response.set_cookie(
        ANSWERED_COOKIE.format(id=survey.id),
        _signer().dumps(survey.id),
        max_age=COOKIE_MAX_AGE,
        path=request.path,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.route("/survey/<slug>", methods=["GET", "POST"])
@public
@limiter.limit(_pages_per_address, methods=["POST"], key_func=get_remote_address)
@limiter.limit(
    _answers_per_address,
    methods=["POST"],
    key_func=_address_and_survey,
    deduct_when=_answer_recorded,
)
def public_respond(slug: str):
    """Answer from the public link (social media): one response per browser."""
    survey = service.survey_for_slug(slug)
    if survey is None or survey.published_at is None:
        abort(404)
    reason = responding.unavailable(survey, answered=_answered_here(survey))
    if reason is not None:
        return _notice(reason, survey)
    return _pages(survey, lambda step, key: _record_public(survey, step, key))


@bp.route("/surveys/<int:survey_id>/preview", methods=["GET", "POST"])
def preview(survey_id: int):
    """Preview exactly what residents will see; nothing is recorded."""
    survey = staff_survey(survey_id)
    return _pages(survey, lambda step, key: _thanks(survey, preview=True), preview=True)


@bp.get("/results/<int:survey_id>")
@public
def public_results(survey_id: int):
    """Results published for residents, small counts hidden."""
    survey = db.get_or_404(Survey, survey_id)
    if not survey.results_public or survey.published_at is None:
        abort(404)
    return render_template(
        "surveys/public_results.html",
        survey=survey,
        results=results.public_results(survey),
        title=_("설문 결과"),
    )
