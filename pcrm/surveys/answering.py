"""Reading a resident's answers from a submitted form: parse, validate, decide what is shown.

Pure functions over the form data; nothing here touches the database. Field names are
`q<id>` (values), `q<id>_other` (the "other, please specify" text).
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from pcrm.surveys.models import CHOICE_KINDS, SCALE_KINDS, Question, QuestionKind

OTHER = "other"
MAX_LENGTH = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 5000}
MAX_OTHER_LENGTH = 200


@dataclass
class Value:
    """One question's parsed answer; empty when not answered."""

    choice_ids: list[int] = field(default_factory=list)
    other_text: str | None = None
    number: float | None = None
    text: str | None = None
    date_value: date | None = None

    @property
    def empty(self) -> bool:
        return not (self.choice_ids or self.other_text) and all(
            v is None for v in (self.number, self.text, self.date_value)
        )


def field_name(question: Question) -> str:
    return f"q{question.id}"


def _choices(question: Question, raw: list[str]) -> tuple[Value, str | None]:
    by_id = {str(choice.id): choice.id for choice in question.choices}
    value = Value()
    for item in raw:
        if item == OTHER and question.other_option:
            value.other_text = ""
        elif item in by_id and by_id[item] not in value.choice_ids:
            value.choice_ids.append(by_id[item])
        elif item:
            return Value(), _("목록에 있는 답을 고르세요.")
    if (
        question.kind is QuestionKind.SINGLE
        and len(value.choice_ids) + (value.other_text is not None) > 1
    ):
        return Value(), _("하나만 고르세요.")
    if question.max_choices and len(value.choice_ids) > question.max_choices:
        return value, _("최대 %(n)d개까지 고를 수 있습니다.", n=question.max_choices)
    return value, None


def _other_text(question: Question, value: Value, form: MultiDict) -> str | None:
    if value.other_text is None:
        return None
    value.other_text = (form.get(f"{field_name(question)}_other") or "").strip()
    if not value.other_text:
        return _("기타를 골랐다면 내용을 적어 주세요.")
    if len(value.other_text) > MAX_OTHER_LENGTH:
        return _("%(n)d자 이내로 적어 주세요.", n=MAX_OTHER_LENGTH)
    return None


def _number(question: Question, raw: str) -> tuple[Value, str | None]:
    try:
        number = float(raw.replace(",", ""))
    except ValueError:
        return Value(), _("숫자로 적어 주세요.")
    if number != number or number in (float("inf"), float("-inf")):
        return Value(), _("숫자로 적어 주세요.")
    if question.kind in SCALE_KINDS and number not in question.scale_points:
        return Value(), _("목록에 있는 답을 고르세요.")
    if question.low is not None and number < question.low:
        return Value(), _("%(n)s 이상으로 적어 주세요.", n=question.low)
    if question.high is not None and number > question.high:
        return Value(), _("%(n)s 이하로 적어 주세요.", n=question.high)
    return Value(number=number), None


def _single(question: Question, raw: str) -> tuple[Value, str | None]:
    if question.kind in SCALE_KINDS or question.kind is QuestionKind.NUMBER:
        return _number(question, raw)
    if question.kind is QuestionKind.DATE:
        try:
            return Value(date_value=date.fromisoformat(raw)), None
        except ValueError:
            return Value(), _("날짜를 2015-06-30 형식으로 적어 주세요.")
    limit = MAX_LENGTH[question.kind]
    if len(raw) > limit:
        return Value(), _("%(n)d자 이내로 적어 주세요.", n=limit)
    return Value(text=raw), None


def parse(question: Question, form: MultiDict) -> tuple[Value, str | None]:
    """The question's answer in `form`, and an error message or None (required is checked)."""
    name = field_name(question)
    if question.kind in CHOICE_KINDS:
        value, error = _choices(question, [item.strip() for item in form.getlist(name)])
        error = error or _other_text(question, value, form)
    else:
        raw = (form.get(name) or "").strip()
        value, error = _single(question, raw) if raw else (Value(), None)
    if error is None and question.required and value.empty:
        error = _("이 질문에 답해 주세요.")
    return value, error


def satisfied(question: Question, values: dict[int, Value]) -> bool:
    """Is the question's display condition met by the earlier answers (True if it has none)?"""
    if question.condition_question_id is None:
        return True
    source = values.get(question.condition_question_id)
    if source is None:
        return False
    if source.number is not None:
        return str(int(source.number)) == question.condition_value
    labels = {c.label for c in question.condition_question.choices if c.id in source.choice_ids}
    return question.condition_value in labels
