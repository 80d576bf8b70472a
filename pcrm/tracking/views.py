"""Residents' side of a message: open pixel, tracked links, unsubscribe (RFC 8058 one-click)."""

import base64

from flask import Blueprint, current_app, redirect, render_template, request
from flask_limiter.util import get_remote_address

from pcrm.auth.access import public
from pcrm.extensions import csrf, limiter
from pcrm.i18n import localized
from pcrm.subscribers.models import ConsentSource
from pcrm.tracking import service
from pcrm.tracking.forms import UnsubscribeForm
from pcrm.urls import public_url

bp = Blueprint("tracking", __name__)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def _visit() -> service.Visit:
    return service.Visit(
        method=request.method,
        user_agent=request.headers.get("User-Agent", ""),
        remote_addr=request.remote_addr,
        headers=dict(request.headers),
    )


@bp.route("/o/<token>.gif", methods=["GET", "HEAD"])
@public
def open_pixel(token: str):
    """The open pixel of a message: records a human or machine open."""
    service.record_open(token, _visit())
    return PIXEL, 200, {"Content-Type": "image/gif", **NO_STORE}


@bp.route("/c/<token>/<int:link_id>", methods=["GET", "HEAD"])
@public
def click(token: str, link_id: int):
    """A tracked link: records the click, then goes to the message's own link (only)."""
    return redirect(service.record_click(token, link_id, _visit()), code=302), NO_STORE


def _short_link_limit() -> str:
    return current_app.config["SHORT_LINK_RATE_LIMIT"]


def _unknown(response) -> bool:
    """Only unknown codes count: people following their own links are never held up."""
    return response.status_code == 404


@bp.route("/r/<code>", methods=["GET", "HEAD"])
@public
@limiter.limit(_short_link_limit, key_func=get_remote_address, deduct_when=_unknown)
def short_link(code: str):
    """An SMS's short link: records the click, then goes to the message's survey or opt-out."""
    return redirect(service.follow_short_link(code, _visit()), code=302), NO_STORE


def _form(token: str, **kwargs) -> UnsubscribeForm:
    """The choices in the words of the channel the message came by, naming its field."""
    message = service.unsubscribe_page(token)
    field = service.field_of(message)
    return UnsubscribeForm(
        channel=message.channel, field=localized(field) if field else None, **kwargs
    )


def _page(token: str, form: UnsubscribeForm, done: bool = False):
    message = service.unsubscribe_page(token)
    preferences = public_url("subscribers.preferences", token=token)
    return render_template(
        "tracking/unsubscribe.html",
        message=message,
        form=form,
        done=done,
        preferences_url=preferences,
    ), NO_STORE


@bp.route("/u/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """The unsubscribe page: GET shows the choices and changes nothing; POST applies one."""
    form = _form(token)
    if form.validate_on_submit():
        service.unsubscribe(token, scope=form.scope.data, source=ConsentSource.UNSUBSCRIBE_LINK)
        return _page(token, form, done=True)
    return _page(token, form)


@bp.route("/u/<token>/one-click", methods=["GET", "POST"])
@public
@csrf.exempt
def one_click(token: str):
    """The List-Unsubscribe URL: RFC 8058 one-click POST unsubscribes at once (no cookie, no
    CSRF token, no redirect); a GET or HEAD, as a scanner or a browser makes it, only shows the
    page."""
    if request.method != "POST":
        return _page(token, _form(token, formdata=None))
    if request.form.get("List-Unsubscribe") != "One-Click":
        return "Expected List-Unsubscribe=One-Click\n", 400, {"Content-Type": "text/plain"}
    service.unsubscribe(token, scope="field", source=ConsentSource.ONE_CLICK)
    return "Unsubscribed\n", 200, {"Content-Type": "text/plain; charset=utf-8", **NO_STORE}
