"""The Open311 GeoReport v2 routes under /api/open311/v2 (JSON)."""

from flask import jsonify, request

from pcrm.auth.access import public
from pcrm.errors import DomainError
from pcrm.extensions import csrf
from pcrm.voice import open311
from pcrm.voice.blueprint import bp

PREFIX = "/api/open311/v2"


def _error(error: DomainError):
    # GeoReport v2 errors: a list of {code, description}.
    return jsonify([{"code": error.status_code, "description": error.message}]), error.status_code


@bp.get(f"{PREFIX}/services.json")
@public
def open311_services():
    """The service list: the district's interest fields."""
    return jsonify(open311.services())


@bp.post(f"{PREFIX}/requests.json")
@public
@csrf.exempt
def open311_submit():
    """Submit a service request with an API key; answers its id."""
    try:
        open311.check_key(request.form.get("api_key"))
        item = open311.submit(request.form)
    except DomainError as error:
        return _error(error)
    return jsonify([{"service_request_id": str(item.id), "service_notice": ""}]), 201


@bp.get(f"{PREFIX}/requests/<request_id>.json")
@public
def open311_request(request_id: str):
    """One request's status, with its API key."""
    try:
        open311.check_key(request.args.get("api_key"))
        item = open311.request_for(request_id)
    except DomainError as error:
        return _error(error)
    return jsonify([open311.as_request(item)])
