"""What staff may write in a campaign's subject and body: an allow-list over the parsed template.

Staff write text with placeholders. Anything more that Jinja can do (loops, includes, calls,
arithmetic, attributes, raw HTML) is refused by name before the template is compiled, when the
campaign is saved and again when it is compiled for sending. What passes renders in time and
size proportional to its source: no loops, no arithmetic, small constants, linear filters.
"""

from flask_babel import gettext as _
from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from pcrm.campaigns.template_words import syntax_words

MAX_SOURCE = 20_000  # characters of subject or body a person writes
MAX_CONSTANT = 200  # characters of a constant string, or size of a constant number
FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate"})
CONDITIONS = frozenset({"eq", "ne"})
TAGS = {
    nodes.For: "{% for %}",
    nodes.Include: "{% include %}",
    nodes.Extends: "{% extends %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Block: "{% block %}",
    nodes.Scope: "{% autoescape %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
    nodes.ExprStmt: "{% do %}",
}


class TemplateProblem(ValueError):
    """The staff's template is refused, or does not compile or render; the message says why."""

    field: str | None = None  # "subject" or "body", when the check knows which


def _refuse(what: str):
    message = _("%(what)s은(는) 메일에 쓸 수 없습니다. 자리표시자와 조건(if)만 쓸 수 있습니다.")
    raise TemplateProblem(message % {"what": what})


def check_source(
    env: SandboxedEnvironment, source: str, *, placeholders: tuple[str, ...], links: int
) -> None:
    """Refuse, by name, whatever in `source` is more than placeholders, link(n), if and text."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(_("%(n)d자를 넘을 수 없습니다.", n=MAX_SOURCE))
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(
            _(
                "%(line)d번째 줄을 이해할 수 없습니다: %(e)s",
                line=error.lineno,
                e=syntax_words(error.message),
            )
        ) from None
    _Rules(set(placeholders), links).statements(tree.body)


class _Rules:
    """A walk over the parsed template that lets through only what is listed here."""

    def __init__(self, placeholders: set[str], links: int):
        self.placeholders = placeholders
        self.links = links

    def statements(self, body: list[nodes.Node]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for part in node.nodes:
                    if not isinstance(part, nodes.TemplateData):
                        self.value(part)
            elif isinstance(node, nodes.If):
                self.condition(node.test)
                self.statements(node.body)
                self.statements(node.elif_)
                self.statements(node.else_)
            else:
                _refuse(TAGS.get(type(node), f"{{% {type(node).__name__.lower()} %}}"))

    def condition(self, node: nodes.Expr) -> None:
        if isinstance(node, nodes.Not):
            self.condition(node.node)
        elif isinstance(node, nodes.And | nodes.Or):
            self.condition(node.left)
            self.condition(node.right)
        elif isinstance(node, nodes.Compare):
            self.value(node.expr)
            for operand in node.ops:
                if operand.op not in CONDITIONS:
                    _refuse(_("비교 「%(op)s」", op=operand.op))
                self.value(operand.expr)
        else:
            self.value(node)

    def value(self, node: nodes.Expr) -> None:
        if isinstance(node, nodes.Const):
            self.constant(node)
        elif isinstance(node, nodes.Name):
            self.placeholder(node)
        elif isinstance(node, nodes.Call):
            self.link(node)
        elif isinstance(node, nodes.Filter):
            self.filter(node)
        elif isinstance(node, nodes.Getitem):
            self.letters(node)
        elif isinstance(node, nodes.CondExpr):
            self.condition(node.test)
            self.value(node.expr1)
            if node.expr2 is not None:
                self.value(node.expr2)
        elif isinstance(node, nodes.Neg | nodes.Pos) and isinstance(node.node, nodes.Const):
            self.constant(node.node)
        elif isinstance(node, nodes.BinExpr | nodes.Concat | nodes.UnaryExpr):
            _refuse(_("계산식 (+, -, *, / 등)"))
        elif isinstance(node, nodes.Getattr):
            _refuse(_("속성 「.%(name)s」", name=node.attr))
        else:
            _refuse(_("이 표현 (%(kind)s)", kind=type(node).__name__))

    def constant(self, node: nodes.Const) -> None:
        value = node.value
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int) and abs(value) <= MAX_CONSTANT:
            return
        if isinstance(value, str) and len(value) <= MAX_CONSTANT:
            return
        _refuse(_("%(n)d자(또는 %(n)d)를 넘는 상수", n=MAX_CONSTANT))

    def placeholder(self, node: nodes.Name) -> None:
        if node.name not in self.placeholders:
            raise TemplateProblem(
                _(
                    "%(name)s은(는) 없는 자리표시자입니다. 쓸 수 있는 것: %(known)s",
                    name="{{ " + node.name + " }}",
                    known=", ".join(sorted(self.placeholders)),
                )
            )

    def link(self, node: nodes.Call) -> None:
        if not (isinstance(node.node, nodes.Name) and node.node.name == "link" and self.links):
            name = node.node.name if isinstance(node.node, nodes.Name) else ""
            _refuse(_("함수 호출 「%(name)s(...)」", name=name))
        args = node.args
        if node.kwargs or node.dyn_args or node.dyn_kwargs or len(args) != 1:
            _refuse("link(...)")
        number = args[0].value if isinstance(args[0], nodes.Const) else None
        if type(number) is not int or not 1 <= number <= self.links:
            raise TemplateProblem(
                _("link(n)의 n은 1부터 본문의 링크 수(%(count)d)까지입니다.", count=self.links)
            )

    def filter(self, node: nodes.Filter) -> None:
        if node.name not in FILTERS or node.dyn_args or node.dyn_kwargs:
            _refuse(_("「|%(name)s」 필터", name=node.name))
        if node.node is not None:
            self.value(node.node)
        for argument in [*node.args, *(keyword.value for keyword in node.kwargs)]:
            if not isinstance(argument, nodes.Const):
                _refuse(_("「|%(name)s」 필터의 이 인자", name=node.name))
            self.constant(argument)

    def letters(self, node: nodes.Getitem) -> None:
        """Some letters of a placeholder (name[0], name[1:]): the index must be a constant."""
        self.value(node.node)
        arg = node.arg
        parts = [arg.start, arg.stop, arg.step] if isinstance(arg, nodes.Slice) else [arg]
        for part in filter(None, parts):
            if isinstance(part, nodes.Neg | nodes.Pos):
                part = part.node
            if not (isinstance(part, nodes.Const) and type(part.value) is int):
                _refuse(_("글자 뽑기의 이 위치"))
            self.constant(part)
