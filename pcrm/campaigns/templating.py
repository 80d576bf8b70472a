"""Staff-written subject and body, rendered per recipient in a Jinja sandbox.

Staff write plain text with placeholders ({{ name }}, {{ survey_link }}, ...). The text part is
rendered as written; the HTML part escapes the staff's text as well as the values, and turns
line breaks into <br>. Every literal URL in the body becomes a tracked link whose id is its
position in `body_links(body)`: the click handler redirects only to those (no open redirect).
The templates are compiled once per campaign, then rendered per message (the hot path).
What staff may write is an allow-list (`template_rules`), checked before anything is compiled.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from pcrm.campaigns.template_rules import TemplateProblem, check_source
from pcrm.campaigns.template_words import syntax_words
from pcrm.messaging.channels import Content
from pcrm.urls import public_url

URL = re.compile(r"https?://[^\s<>\"'{}]*[^\s<>\"'{}.,;:!?)\]]")
PLACEHOLDERS = (
    "name",
    "survey_link",
    "unsubscribe_link",
    "preferences_link",
    "project",
    "department",
    "sender",
    "field",
)
SUBJECT_PLACEHOLDERS = ("name", "project", "department", "sender", "field")
SURVEY_LINK = 0  # link id of the survey link; body URLs are 1, 2, ...
# One message's subject, text or HTML part; far above any real one (the body is 20,000 characters
# at most), so reaching it means a value blew the template up.
MAX_OUTPUT = 1_000_000

_options = {"undefined": StrictUndefined, "keep_trailing_newline": True}
TEXT = SandboxedEnvironment(autoescape=False, **_options)
HTML = SandboxedEnvironment(autoescape=True, **_options)
for _env in (TEXT, HTML):
    del _env.filters["safe"]  # no way to mark staff text as HTML, even past the allow-list


def check_template(*, subject: str, body: str) -> None:
    """Refuse a subject or body with more than placeholders, link(n), if and text; the
    TemplateProblem's `field` names which."""
    for field, source, placeholders, links in (
        ("subject", subject, SUBJECT_PLACEHOLDERS, 0),
        ("body", body, PLACEHOLDERS, len(body_links(body))),
    ):
        try:
            check_source(TEXT, source, placeholders=placeholders, links=links)
        except TemplateProblem as problem:
            problem.field = field
            raise


def _tokens(source: str):
    try:
        return list(TEXT.lex(source))
    except TemplateError as error:
        raise TemplateProblem(syntax_words(getattr(error, "message", ""))) from None


def body_links(body: str) -> list[str]:
    """The distinct literal URLs of a body, in order of appearance (link ids 1, 2, ...)."""
    links: list[str] = []
    for _line, kind, value in _tokens(body):
        if kind == "data":
            links += [url for url in URL.findall(value) if url not in links]
    return links


def _literal(text: str, links: list[str], html: bool) -> str:
    """Literal staff text as template source: URLs become tracked links, HTML is escaped."""
    out, last = [], 0
    for match in URL.finditer(text):
        out.append(_plain(text[last : match.start()], html))
        out.append(f"{{{{ link({links.index(match.group()) + 1}) }}}}")
        last = match.end()
    out.append(_plain(text[last:], html))
    return "".join(out)


def _plain(text: str, html: bool) -> str:
    # Literal text must not open a Jinja tag once rewritten; it never does (it was data).
    return str(escape(text)).replace("\n", "<br>\n") if html else text


def _source(body: str, links: list[str], html: bool) -> str:
    return "".join(
        _literal(value, links, html) if kind == "data" else value
        for _line, kind, value in _tokens(body)
    )


@dataclass(frozen=True)
class LinkPatterns:
    """Public URL patterns with a {token} slot, built once with url_for (routes stay the truth)."""

    click: str
    unsubscribe: str
    one_click: str
    preferences: str
    pixel: str

    @classmethod
    def build(cls) -> "LinkPatterns":
        marker = "TOKENMARKER"

        def pattern(endpoint: str, **values) -> str:
            return public_url(endpoint, token=marker, **values).replace(marker, "{token}")

        click = pattern("tracking.click", link_id=7).removesuffix("/7") + "/{link}"
        return cls(
            click=click,
            unsubscribe=pattern("tracking.unsubscribe"),
            one_click=pattern("tracking.one_click"),
            preferences=pattern("subscribers.preferences"),
            pixel=pattern("tracking.open_pixel"),
        )


class CompiledCampaign:
    """A campaign's subject, text and HTML templates, compiled once, rendered per recipient."""

    def __init__(self, *, subject: str, body: str, footer: str, context: dict, has_survey: bool):
        check_template(subject=subject, body=body)
        self.links = body_links(body)
        self.subject = _compile(TEXT, subject)
        text = body.rstrip() + "\n\n" + footer
        self.text = _compile(TEXT, _source(text, self.links, html=False))
        # The HTML part has its own footer (ours, not staff text): links in words, small print.
        layout = raw_template("email/layout.html")
        html = layout.replace("<!--BODY-->", _source(body.rstrip(), self.links, html=True))
        self.html = _compile(HTML, html.replace("<!--FOOTER-->", raw_template("email/footer.html")))
        self.context = context
        self.has_survey = has_survey
        self.patterns = LinkPatterns.build()

    def render(self, *, token: str, name: str | None) -> Content:
        """The message for one recipient; TemplateProblem, with a reason, if it cannot be made."""
        try:
            rendered = self._render(token, name)
        except Exception as error:  # one recipient's failure must not stop a batch
            raise TemplateProblem(_render_words(error)) from None
        if max(len(rendered.subject), len(rendered.text), len(rendered.html)) > MAX_OUTPUT:
            raise TemplateProblem(_("만든 메일이 너무 큽니다 (%(n)d자 초과).", n=MAX_OUTPUT))
        return rendered

    def _render(self, token: str, name: str | None) -> Content:
        p = self.patterns
        urls = {
            "survey_link": p.click.format(token=token, link=SURVEY_LINK) if self.has_survey else "",
            "unsubscribe_link": p.unsubscribe.format(token=token),
            "preferences_link": p.preferences.format(token=token),
        }
        body_urls = [p.click.format(token=token, link=n) for n in range(1, len(self.links) + 1)]
        values = self.context | {"name": name or "구독자"}
        subject = " ".join(self.subject.render(values).split())
        text = self.text.render(values | urls | {"link": lambda n: body_urls[n - 1]})
        # The HTML part shows words, never a bare tracking URL: the survey link is a button,
        # the footer's links say what they do. (The text part needs the URLs themselves.)
        anchors = {
            "survey_link": _button(urls["survey_link"], "설문 참여하기"),
            "unsubscribe_link": _anchor(urls["unsubscribe_link"], "수신거부"),
            "preferences_link": _anchor(urls["preferences_link"], "수신 설정 바꾸기"),
        }
        html = self.html.render(
            values
            | anchors
            | {
                "link": lambda n: _anchor(body_urls[n - 1], self.links[n - 1]),
                "subject": subject,
                "pixel": p.pixel.format(token=token),
            }
        )
        return Content(subject=subject, text=text, html=html)


def raw_template(name: str) -> str:
    """A file under templates/ as Jinja source, to compile in the sandbox (not render here)."""
    env = current_app.jinja_env
    return env.loader.get_source(env, name)[0]


def _anchor(href: str, label: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label) if href else Markup("")


# Inline styles: mail programs drop <style>. A table cell keeps the button's colour in Outlook.
BUTTON = (
    '<table role="presentation" cellspacing="0" cellpadding="0" style="margin:16px 0">'
    '<tr><td style="border-radius:6px;background:#0b4f8a">'
    '<a href="{}" style="display:inline-block;padding:12px 24px;color:#ffffff;'
    'font-weight:bold;text-decoration:none;font-size:17px">{}</a></td></tr></table>'
)


def _button(href: str, label: str) -> Markup:
    return Markup(BUTTON).format(href, label) if href else Markup("")  # noqa: S704 (ours)


class Substitution:
    """Plain text whose only tags are placeholders ({{ name }}, {{ link(2) }}), rendered by
    joining its parts: what Jinja's render makes of it, for a fraction of its cost (a wave
    renders tens of thousands of texts; most are this simple). Anything more stays Jinja's."""

    def __init__(self, parts: list[str | tuple[str, int | None]]):
        self.parts = parts  # literal text, or (placeholder, link number or None)

    @classmethod
    def of(cls, source: str) -> "Substitution | None":
        parts: list[str | tuple[str, int | None]] = []
        for node in TEXT.parse(source).body:
            if not isinstance(node, nodes.Output):
                return None
            for part in node.nodes:
                if isinstance(part, nodes.TemplateData):
                    parts.append(part.data)
                elif isinstance(part, nodes.Name) and part.name in PLACEHOLDERS:
                    parts.append((part.name, None))
                elif _is_link_call(part):
                    parts.append(("link", part.args[0].value))
                else:
                    return None
        return cls(parts)

    def render(self, values: dict) -> str:
        return "".join(
            part if isinstance(part, str)
            else str(values[part[0]] if part[1] is None else values["link"](part[1]))
            for part in self.parts
        )  # fmt: skip


def _is_link_call(node: nodes.Node) -> bool:
    return (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "link"
        and len(node.args) == 1
        and isinstance(node.args[0], nodes.Const)
        and type(node.args[0].value) is int
        and not (node.kwargs or node.dyn_args or node.dyn_kwargs)
    )


@lru_cache(maxsize=64)
def _compile_cached(env_name: str, source: str) -> Template | Substitution:
    env = TEXT if env_name == "text" else HTML
    template = env.from_string(source)  # compiled first: it refuses what Jinja refuses
    return (Substitution.of(source) if env is TEXT else None) or template


def _compile(env: SandboxedEnvironment, source: str) -> Template | Substitution:
    try:
        return _compile_cached("text" if env is TEXT else "html", source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(syntax_words(error.message)) from None
    except (TemplateError, ValueError, ArithmeticError, MemoryError) as error:
        raise TemplateProblem(_render_words(error)) from None


def _render_words(error: Exception) -> str:
    """Why a message could not be made, in words (Jinja's and Python's are English); the
    kind of error goes in the log for whoever looks deeper."""
    current_app.logger.warning("template failed: %s", type(error).__name__)
    if isinstance(error, UndefinedError):
        return _(
            "메일 내용을 만들 수 없습니다: 이 받는 분에게는 값이 없거나 짧아서 채울 수 없는 "
            "자리표시자가 있습니다 (이름 글자 뽑기 등). 자리표시자를 확인하세요."
        )
    return _(
        "메일 내용을 만들 수 없습니다: 받는 분의 값으로 제목이나 본문을 채우지 못했습니다. "
        "자리표시자를 확인하세요."
    )


def compile_text(source: str) -> Template | Substitution:
    """Staff text compiled for plain text (an SMS); TemplateProblem if it does not compile."""
    return _compile(TEXT, source)
