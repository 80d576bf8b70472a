"""Jinja's syntax errors in the words of the person who wrote the template: Jinja says them in
English ("unexpected '}'"), and staff read Korean (or English) pages. Each known message gets a
sentence that names the fix; anything else a general one, never Jinja's text."""

import re

from flask_babel import gettext as _

_PATTERNS = (
    (re.compile(r"unexpected '([}\])])', expected '([\])])'"), "bracket"),
    (re.compile(r"unexpected '([}%])'"), "unopened"),
    (re.compile(r"unexpected end of template, expected 'end of print statement'"), "unclosed"),
    (re.compile(r"Jinja was looking for the following tags: '(elif|else|endif)'"), "endif"),
    (re.compile(r"Encountered unknown tag '(\w+)'"), "tag"),
    (re.compile(r"expected token 'end of print statement', got '(.+)'"), "two"),
    (re.compile(r"unexpected char (['\"])(.)\1"), "char"),
    (re.compile(r"Expected an expression"), "empty"),
    (re.compile(r"tag name expected"), "empty_tag"),
    (re.compile(r"expected token 'name'"), "filter"),
    (re.compile(r"Missing end of comment tag"), "comment"),
)


IF, ENDIF = "{% if %}", "{% endif %}"


def _sentence(kind: str, found: tuple[str, ...]) -> str:
    # Jinja's own syntax goes in as a value, so no "%" of it is read as a format.
    words = {
        "bracket": lambda: _("「%(b)s」를 닫지 않았습니다.", b={"]": "[", ")": "("}[found[1]]),
        "unopened": lambda: _(
            "「%(c)s」가 짝이 맞지 않습니다. 자리표시자는 %(example)s처럼 중괄호 두 개로 "
            "열고 닫습니다.",
            c=found[0],
            example="{{ name }}",
        ),
        "unclosed": lambda: _("「%(open)s」를 열고 「%(close)s」로 닫지 않았습니다.", **BRACES),
        "endif": lambda: _("%(open)s로 연 조건을 %(close)s로 닫아 주세요.", open=IF, close=ENDIF),
        "tag": lambda: _(
            "「%(tag)s」는 쓸 수 없습니다. 조건은 %(open)s … %(close)s로 씁니다.",
            tag=found[0],
            open=IF,
            close=ENDIF,
        ),
        "two": lambda: _(
            "%(braces)s 안에는 자리표시자 하나만 씁니다 (「%(got)s」 앞에서 멈췄습니다).",
            braces="{{ }}",
            got=found[0],
        ),
        "char": lambda: _(
            "%(braces)s 안에 쓸 수 없는 글자 「%(c)s」가 있습니다.", braces="{{ }}", c=found[1]
        ),
        "empty": lambda: _("%(braces)s나 %(open)s 안이 비어 있습니다.", braces="{{ }}", open=IF),
        "empty_tag": lambda: _("%(tag)s 안에 태그 이름이 없습니다.", tag="{% %}"),
        "filter": lambda: _("「%(bar)s」 다음에 필터 이름이 없습니다.", bar="|"),
        "comment": lambda: _(
            "「%(open)s」로 연 주석을 「%(close)s」로 닫아 주세요.", open="{#", close="#}"
        ),
    }
    return words[kind]()


BRACES = {"open": "{{", "close": "}}"}


def syntax_words(message: str) -> str:
    """A Jinja syntax error message as a sentence in the page's language."""
    for pattern, kind in _PATTERNS:
        match = pattern.search(message or "")
        if match:
            return _sentence(kind, match.groups())
    return _(
        "자리표시자 %(braces)s나 조건 %(open)s의 모양이 맞지 않습니다.", braces="{{ }}", open=IF
    )
