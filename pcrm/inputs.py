"""What comes in through URLs and forms, bounded once for every route.

PostgreSQL's INTEGER holds 32 bits, refuses NUL characters in text and treats `%` and `_` in a
LIKE pattern as wildcards; Python dates stop at year 1 and 9999. Each of those gave a 500 from
some route, so each is handled here, for all of them: a path id too large is a 404, a query
number out of bounds is a 404, a NUL anywhere in the query or a form is a 422 in words.
"""

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from pcrm.errors import Invalid

# Every id and number column is an INTEGER: 32 bits in PostgreSQL (SQLite's hold 64).
LARGEST_INT = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that only matches ids the database can hold: a larger one is a plain 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_INT)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<token>`, `<slug>`: a NUL never matches (PostgreSQL refuses it), so it is a plain 404."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


class NoNulPathConverter(PathConverter):
    """`<path:...>` (static files) without a NUL anywhere in it."""

    regex = "[^/\\x00][^\\x00]*?"


def query_int(name: str, default: int | None = None, *, low: int = 1) -> int | None:
    """A whole number from the query string, `default` when absent; else a 404 unless it is one
    in [low, LARGEST_INT]."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(404)
    if not low <= value <= LARGEST_INT:
        abort(404)
    return value


def page_number() -> int:
    """`?page=`, bounded so that page × page size stays a number the database can hold."""
    page = query_int("page", 1)
    if page > 1_000_000:
        abort(404)
    return page


def like_pattern(text: str) -> str:
    """`%text%` for LIKE/ILIKE with `escape="\\"`: `%`, `_` and `\\` stand for themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def refuse_nul() -> None:
    """A NUL character in a query argument or form field is refused before any view runs."""
    fields = [*request.args.values(), *request.args.keys()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        fields += [*request.form.values(), *request.form.keys()]
    if any("\x00" in value for value in fields):
        raise Invalid(_("입력에 쓸 수 없는 문자(NUL)가 들어 있습니다. 지우고 다시 보내 주세요."))


def init_app(app: Flask) -> None:
    """Register the converters before any route is added, and the NUL check for every request."""
    app.url_map.converters |= {
        "int": BoundedIntegerConverter,
        "default": TextConverter,
        "string": TextConverter,
        "path": NoNulPathConverter,
    }
    app.before_request(refuse_nul)
