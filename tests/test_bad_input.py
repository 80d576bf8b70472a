"""Fuzz: every route of the URL map, fed the values that once gave 500s, never answers 500.

One app and one small demo office (so routes with ids find rows), the test client, and for each
visitor (anonymous, admin, PR, department staff) every route by GET, HEAD and POST (with a real
CSRF token) with odd values in its path, its query string and its form fields.
"""

from html.parser import HTMLParser

import pytest
from flask import got_request_exception
from werkzeug.routing import IntegerConverter

from pcrm.auth.models import Role, User
from pcrm.campaigns.models import Campaign
from pcrm.demo import DEMO_PASSWORD, load_demo
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.surveys.models import Survey

HUGE = str(2**64)
# Query and form values: each once gave a 500 somewhere, or could.
ODD_VALUES = (
    HUGE,
    "-1",
    "a\x00b",
    "0001-01-01",
    "%_\\",
    "x" * 5000,
    "!!not-a-cursor",
    "WzEsMiwzXQ==",  # a cursor of the wrong length: base64 of [1,2,3]
    "WyJ4Il0=",  # a cursor of the wrong type: base64 of ["x"]
)
# Raw in the URL: a NUL, bytes that are not UTF-8.
RAW_QUERY_VALUES = ("%ff%fe",)
# Query arguments some view reads (request.args), on top of the names of the page's own forms.
QUERY_KEYS = (
    "page",
    "per_page",
    "after",
    "before",
    "q",
    "status",
    "subscriber",
    "section",
    "by",
    "lang",
    "next",
    "auto",
    "sort",
    "order",
)


class FormFields(HTMLParser):
    """The fields of the forms on a page: name, input type, and the value a browser would send."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, tuple[str, str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self.fields.setdefault(name, (kind, ""))
                return
            self.fields[name] = (kind, attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ("textarea", "")
        elif tag == "select" and name:
            self._select = name
            self.fields[name] = ("select", "")
        elif tag == "option" and self._select:
            current = self.fields[self._select][1]
            if "selected" in attrs or not current:
                self.fields[self._select] = ("select", attrs.get("value") or "")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] = ("textarea", data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str) -> dict[str, tuple[str, str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


TEXT_TYPES = {"text", "textarea", "email", "tel", "search", "url", "password", None}


def form_variants(fields: dict[str, tuple[str, str]], token: str) -> list[dict[str, str]]:
    """Posts to try: the page's defaults with each kind of field given an odd value."""
    base = {name: value for name, (_kind, value) in fields.items()}
    base["csrf_token"] = token

    def changed(kinds, value):
        editable = (n for n, (k, _v) in fields.items() if k in kinds and n != "csrf_token")
        return base | dict.fromkeys(editable, value)

    variants = [base]
    for value in (HUGE, "-1", "zzz"):
        variants.append(changed({"number", "select", "radio", "checkbox", "hidden"}, value))
    for value in ("0001-01-01", "9999-12-31"):
        variants.append(changed({"date"}, value))
    for value in ("0001-01-01T00:00", "9999-12-31T23:59", "2026-13-45T25:61"):
        variants.append(changed({"datetime-local"}, value))
    for value in ("a\x00b", "%_", "x" * 5000):
        variants.append(changed(TEXT_TYPES, value))
    variants.append({name: HUGE for name in base} | {"csrf_token": token})
    unique = {tuple(sorted(variant.items())): variant for variant in variants}
    return list(unique.values())


@pytest.fixture
def office(app):
    """A small demo office: every kind of row exists, so routes with ids find one."""
    load_demo(subscribers=40, seed=3)
    message = db.session.scalar(db.select(Message).order_by(Message.id))
    slug = db.session.scalar(db.select(Survey.public_slug).where(Survey.public_slug.is_not(None)))
    assert message is not None and slug is not None
    return {"token": message.token, "slug": slug, "name": "responses.csv", "fmt": "csv"}


def _numeric(converter) -> bool:
    return isinstance(converter, IntegerConverter)


def _good_values(rule, office) -> dict:
    """Values that find a row: 1 for ids (the demo's first rows), a real token or slug."""
    values = {}
    for argument, converter in rule._converters.items():
        values[argument] = 1 if _numeric(converter) else office.get(argument, "x")
    return values


def _path_variants(rule, good: dict) -> list[str]:
    """The rule's URL with one argument at a time made odd: huge, zero, NUL, not UTF-8."""
    urls = [rule.build(good)[1]]
    for argument, converter in rule._converters.items():
        if _numeric(converter):
            odd = [str(2**64), str(2**31)]
        else:
            odd = ["a%00b", "%ff%fe", "x" * 300]
        # Built with a marker, then replaced: raw escapes go in unquoted, big ints unchecked.
        marker = 987654321987 if _numeric(converter) else "ZZMARKZZ"
        for value in odd:
            urls.append(rule.build(good | {argument: marker})[1].replace(str(marker), value))
    return urls


def _query_urls(url: str, keys) -> list[str]:
    from urllib.parse import urlencode

    urls = [f"{url}?{urlencode(dict.fromkeys(keys, value))}" for value in ODD_VALUES]
    urls += [f"{url}?" + "&".join(f"{key}={raw}" for key in keys) for raw in RAW_QUERY_VALUES]
    return urls


def _visitors(app) -> list:
    """(label, client) for an anonymous visitor and a member of staff of each role, signed in
    before any fuzzing (which trips the sign-in rate limit)."""
    return [("anonymous", app.test_client())] + [_signed_in(app, role) for role in Role]


def _signed_in(app, role: Role):
    user = db.session.scalar(db.select(User).where(User.role == role).order_by(User.id))
    client = app.test_client()
    token = form_fields(client.get("/login").text)["csrf_token"][1]
    response = client.post(
        "/login", data={"email": user.email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, role
    return str(role), client


def _rules(app, who: str):
    """The routes to try; an admin sees what PR staff see, so only the admin pages for them."""
    skip = {"static", "auth.logout"}  # signing out would end the rest of the visit
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in skip]
    if who == Role.ADMIN:
        return [rule for rule in rules if rule.endpoint.startswith("admin.")]
    return rules


@pytest.fixture
def errors(app):
    """Every unhandled exception, answered with a 500 instead of raised into the test."""
    caught = []

    def record(sender, exception, **extra):
        caught.append(f"{type(exception).__name__}: {str(exception)[:80]}")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    got_request_exception.connect(record, app)
    yield caught
    got_request_exception.disconnect(record, app)
    app.config["PROPAGATE_EXCEPTIONS"] = None


def test_no_route_answers_500_to_odd_input(app, office, errors):
    failures, requests = [], 0
    for who, client in _visitors(app):
        csrf = form_fields(client.get("/login" if who == "anonymous" else "/").text)
        token = csrf.get("csrf_token", ("", ""))[1]
        for rule in _rules(app, who):
            good = _good_values(rule, office)
            for method, url, data in _requests(client, rule, good, token):
                response = client.open(url, method=method, data=data)
                response.close()  # a streamed export holds its context until closed
                requests += 1
                if response.status_code >= 500:
                    cause = errors[-1] if errors else ""
                    failures.append(f"{who} {method} {url[:100]} {response.status_code} {cause}")
    assert requests > 2000
    assert not failures, f"{len(failures)} answers of 500:\n" + "\n".join(sorted(set(failures)))


def _requests(client, rule, good: dict, token: str):
    """(method, url, form data) to try on `rule`."""
    url = rule.build(good)[1]
    fields = {}
    if "GET" in rule.methods:
        page = client.get(url)
        html = page.status_code == 200 and page.mimetype == "text/html"
        fields = form_fields(page.get_data(as_text=True)) if html else {}
        keys = set(QUERY_KEYS) | {name for name in fields if name != "csrf_token"}
        yield "HEAD", url, None
        for path in _path_variants(rule, good):
            yield "GET", path, None
        for query_url in _query_urls(url, sorted(keys)):
            yield "GET", query_url, None
    if "POST" in rule.methods:
        for path in _path_variants(rule, good)[1:]:
            yield "POST", path, {"csrf_token": token}
        for data in form_variants(fields, token):
            yield "POST", url, data


# Templates that fail only when rendered are refused on save, and rendering is bounded.
def test_campaign_templates_that_fail_to_render_answer_no_500(app, office, errors):
    _who, client = _signed_in(app, Role.PR)
    fields = form_fields(client.get("/campaigns/new").text)
    base = {name: value for name, (_kind, value) in fields.items()}
    codes = []
    for template in ("{{ 1/0 }}", "{{ name[99] }}", "{{ (10**5000)|string }}", "{{ link(99) }}"):
        data = base | {"name": "깨진 템플릿", "subject": template, "body": template}
        codes.append(client.post("/campaigns/new", data=data).status_code)
    campaigns = db.session.scalars(db.select(Campaign.id).where(Campaign.name == "깨진 템플릿"))
    codes += [client.get(f"/campaigns/{id_}/preview").status_code for id_ in campaigns]
    assert 500 not in codes, errors
