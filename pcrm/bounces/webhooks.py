"""Provider webhooks: Amazon SES notifications through SNS, and the signed JSON webhook.

Public and CSRF-exempt (the providers have no session); each request proves itself instead,
by the SNS signature or by the HMAC. A refusal is JSON with the reason, and changes nothing.
"""

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from pcrm.auth.access import public
from pcrm.bounces import provider_events
from pcrm.bounces.signed import SIGNATURE_HEADER, TIMESTAMP_HEADER
from pcrm.errors import DomainError
from pcrm.extensions import csrf

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


class TooLarge(DomainError):
    status_code = 413


@bp.errorhandler(DomainError)
def refused(error: DomainError):
    # Forged or broken requests are worth an operator's look; the reason names no person.
    current_app.logger.warning("%s refused (%s): %s", request.path, error.status_code, error)
    return jsonify(error=error.message), error.status_code


@bp.post("/ses")
@public
@csrf.exempt
def ses():
    """Amazon SNS delivers SES bounce and complaint notifications (and the subscription's
    confirmation) here."""
    return jsonify(result=provider_events.take_sns(_body()))


@bp.post("/bounces")
@public
@csrf.exempt
def signed_events():
    """Other relays post their bounces and complaints here, signed (docs/bounces.md)."""
    done = provider_events.take_signed(
        _body(),
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        given=request.headers.get(SIGNATURE_HEADER, ""),
    )
    return jsonify(results=done)


def _body() -> bytes:
    """The request body, refused beyond BOUNCE_WEBHOOK_MAX_BYTES before it is read whole."""
    limit = current_app.config["BOUNCE_WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        raise TooLarge(_("요청 본문이 %(n)s바이트를 넘습니다.", n=limit))
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(_("요청 본문이 %(n)s바이트를 넘습니다.", n=limit))
    return body
