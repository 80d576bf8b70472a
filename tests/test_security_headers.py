"""Every response carries the security headers, and nothing but static files is cached."""

from pathlib import Path

import pytest

from pcrm.auth.models import Role
from pcrm.config import from_environment
from tests.factories import PRODUCTION_ENVIRON
from tests.surveys.factories import create_bus_survey, create_invitation, publish


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def assert_secure_headers(response, what: str) -> None:
    headers = response.headers
    policy = _directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("script-src") == ["'self'"], f"{what}: script-src {policy}"
    assert policy.get("default-src") == ["'self'"], what
    assert policy.get("frame-ancestors") == ["'self'"], what
    assert policy.get("object-src") == ["'none'"], what
    assert headers.get("X-Frame-Options") == "SAMEORIGIN", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what


@pytest.fixture
def sample_values(app):
    """Values for every converter of the URL map, naming rows that exist."""
    survey = create_bus_survey()
    publish(survey)
    message = create_invitation(survey)
    return {
        "token": message.token,
        "slug": survey.public_slug or "no-such-slug",
        "fmt": "csv",
        "name": "responses.csv",
        "filename": "pcrm.css",
        "key": "no-such-mail",
    }


def _get_routes(app, sample_values):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            values = {name: sample_values.get(name, 1) for name in rule.arguments}
            yield rule.endpoint, rule.build(values)[1]


def _walk(app, client, sample_values) -> dict[int, int]:
    """GET every route; assert the headers on each answer; count the answers by status."""
    statuses: dict[int, int] = {}
    for endpoint, url in _get_routes(app, sample_values):
        response = client.get(url)
        what = f"{endpoint} {url} ({response.status_code})"
        assert response.status_code < 500, what
        assert_secure_headers(response, what)
        if endpoint != "static":
            assert response.headers.get("Cache-Control") == "no-store", what
        assert "Strict-Transport-Security" not in response.headers, what  # not locally
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def test_every_get_route_sends_the_headers_to_an_admin(app, client, sign_in, sample_values):
    sign_in(Role.ADMIN, email="admin@example.kr")
    statuses = _walk(app, client, sample_values)
    assert statuses.get(200, 0) >= 30, statuses  # real pages, not only error pages


def test_every_get_route_sends_the_headers_to_a_visitor(app, client, sample_values):
    statuses = _walk(app, client, sample_values)
    assert statuses.get(200, 0) >= 8 and statuses.get(302, 0) >= 30, statuses


def test_downloads_of_personal_data_are_not_stored(app, client, sign_in, sample_values):
    sign_in(Role.ADMIN, email="admin@example.kr")
    response = client.get("/subscribers/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_open_pixel_still_loads_in_mail_clients(app, client, sample_values):
    response = client.get(f"/o/{sample_values['token']}.gif")
    assert response.status_code == 200 and response.mimetype == "image/gif"
    # A mail client shows our image inside its own page: nothing may forbid that.
    assert "Cross-Origin-Resource-Policy" not in response.headers
    click = client.get(f"/c/{sample_values['token']}/1")
    assert click.status_code in (302, 404)


def test_static_files_may_be_cached_but_are_not_sniffed(client):
    response = client.get("/static/pcrm.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_sends_hsts(make_app, app):
    production = from_environment(Path("/nonexistent"), PRODUCTION_ENVIRON)
    assert production["HSTS_MAX_AGE"] >= 180 * 24 * 3600
    response = make_app(HSTS_MAX_AGE=production["HSTS_MAX_AGE"]).test_client().get("/login")
    hsts = response.headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=") and "includeSubDomains" in hsts
