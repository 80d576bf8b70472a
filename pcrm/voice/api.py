"""The Open311 GeoReport v2 routes under /api/open311/v2 (JSON)."""

from flask import current_app, jsonify, make_response, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from pcrm.auth.access import public
from pcrm.errors import DomainError
from pcrm.extensions import csrf, limiter
from pcrm.voice import open311
from pcrm.voice.blueprint import bp

PREFIX = "/api/open311/v2"


def _error(error: DomainError):
    # GeoReport v2 errors: a list of {code, description}.
    return jsonify([{"code": error.status_code, "description": error.message}]), error.status_code


def _api_limit() -> str:
    return current_app.config["VOICE_API_RATE_LIMIT"]


def _api_caller() -> str:
    """Whom the limit counts: the client whose key came with the request (all its bots and
    addresses together); a request without a known key, by its address."""
    key = request.form.get("api_key") or request.args.get("api_key")
    name = open311.client_for(key)
    return f"open311-key:{name}" if name is not None else f"open311-addr:{get_remote_address()}"


def _too_many(_limit):
    # In the API's own error shape, not the staff pages' HTML.
    text = _("요청이 너무 많습니다. 잠시 후 다시 시도하세요")
    return make_response(jsonify([{"code": 429, "description": text}]), 429)


# One budget per key over the API's keyed routes (submitting and reading requests).
api_limit = limiter.shared_limit(
    _api_limit, scope="open311", key_func=_api_caller, on_breach=_too_many
)


@bp.get(f"{PREFIX}/services.json")
@public
def open311_services():
    """The service list: the district's interest fields."""
    return jsonify(open311.services())


@bp.post(f"{PREFIX}/requests.json")
@public
@csrf.exempt
@api_limit
def open311_submit():
    """Submit a service request with an API key; answers its id."""
    try:
        client = open311.check_key(request.form.get("api_key"))
        item = open311.submit(request.form, client=client)
    except DomainError as error:
        return _error(error)
    return jsonify([{"service_request_id": str(item.id), "service_notice": ""}]), 201


@bp.get(f"{PREFIX}/requests/<request_id>.json")
@public
@api_limit
def open311_request(request_id: str):
    """One request's status, with its API key."""
    try:
        open311.check_key(request.args.get("api_key"))
        item = open311.request_for(request_id)
    except DomainError as error:
        return _error(error)
    return jsonify([open311.as_request(item)])
