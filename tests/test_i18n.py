"""Korean first, English available: the catalog covers every message, the switch works, and
times are shown in Asia/Seoul whatever the language."""

from datetime import UTC, datetime

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string

from pcrm import ROOT
from pcrm.auth.models import Role

CATALOG = ROOT / "pcrm" / "translations" / "en" / "LC_MESSAGES"
# The Makefile's `translations` target extracts with the same keywords.
KEYWORDS = DEFAULT_KEYWORDS | {"_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}


def _messages_in_the_code() -> set[tuple[str, str | None]]:
    """(message, context) pairs: a context (pgettext) tells apart one Korean word's meanings."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for folder in ("pcrm", "templates"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=KEYWORDS
        ):
            found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


def _read(path, reader):
    with path.open("rb") as file:
        return reader(file)


def test_every_message_in_the_code_has_an_english_translation():
    catalog = _read(CATALOG / "messages.po", read_po)
    untranslated = sorted(
        message
        for message, context in _messages_in_the_code()
        if not (entry := catalog.get(message, context=context)) or not entry.string or entry.fuzzy
    )
    assert not untranslated, (
        "Run `make translations`, translate these in messages.po, and run it again: "
        + "; ".join(untranslated)
    )


def test_the_english_translations_keep_their_placeholders():
    catalog = _read(CATALOG / "messages.po", read_po)
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert problems == []


def _key(message) -> tuple[str, str | None]:
    # Babel's read_mo leaves a message context as bytes.
    context = message.context
    return message.id, context.decode() if isinstance(context, bytes) else context


def test_the_compiled_catalog_is_up_to_date():
    po = _read(CATALOG / "messages.po", read_po)
    mo = _read(CATALOG / "messages.mo", read_mo)
    wanted = {_key(m): m.string for m in po if m.id and m.string and not m.fuzzy}
    compiled = {_key(m): m.string for m in mo if m.id}
    assert compiled == wanted, "messages.mo is stale: run `make translations`"


def _switch(client, token: str, lang: str, next_path: str = "/login"):
    return client.post("/language", data={"lang": lang, "next": next_path, "csrf_token": token})


def test_the_language_switch_changes_the_pages_to_english_and_back(client, csrf_token):
    page = client.get("/login").text
    assert '<html lang="ko">' in page and "직원 로그인" in page
    response = _switch(client, csrf_token(), "en")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").text
    assert '<html lang="en">' in page
    assert "Staff sign-in" in page and ">E-mail</label>" in page and "한국어" in page

    _switch(client, csrf_token(), "ko")
    assert "직원 로그인" in client.get("/login").text


def test_the_language_switch_needs_its_csrf_token_and_stays_on_site(client, csrf_token):
    assert client.post("/language", data={"lang": "en"}).status_code == 400
    assert '<html lang="ko">' in client.get("/login").text
    response = _switch(client, csrf_token(), "en", next_path="//evil.example/")
    assert response.headers["Location"] == "/"
    _switch(client, csrf_token(), "fr")
    assert '<html lang="en">' in client.get("/login").text  # an unknown language changes nothing


def test_flash_messages_follow_the_language(client, sign_in, csrf_token, auth):
    sign_in(Role.PR)
    _switch(client, csrf_token("/"), "en", next_path="/")
    assert "Dashboard" in client.get("/").text
    auth.logout()
    assert "You have signed out." in client.get("/login").text


def test_times_are_shown_in_seoul_time_in_either_language(app):
    evening_utc = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 00:30 on 1 April in Seoul
    for lang in ("ko", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            shown = render_template_string("{{ when | local }}", when=evening_utc)
            assert shown == "2026-04-01 00:30"
        with app.test_request_context("/"):
            assert render_template_string("{{ none | local }}", none=None) == ""
