"""Staff forms: a survey's settings, sections, questions, publishing."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import LazyString, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pcrm.forms import DateTimeLocalField, IntegerField
from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.choices import AGE_BANDS as AGE_CHOICES
from pcrm.subscribers.choices import GENDERS as GENDER_CHOICES
from pcrm.subscribers.choices import label
from pcrm.surveys.building import QuestionSpec
from pcrm.surveys.models import PopulationFigures, Question, QuestionKind
from pcrm.surveys.weighting import GENDERS

SEOUL = ZoneInfo("Asia/Seoul")
KIND_LABELS = {
    QuestionKind.SINGLE: _l("하나 고르기"),
    QuestionKind.MULTIPLE: _l("여러 개 고르기"),
    QuestionKind.RATING: _l("평점 척도 (예: 1~5)"),
    QuestionKind.SCALE_10: _l("0~10 척도"),
    QuestionKind.SHORT_TEXT: _l("짧은 글"),
    QuestionKind.LONG_TEXT: _l("긴 글"),
    QuestionKind.NUMBER: _l("숫자"),
    QuestionKind.DATE: _l("날짜"),
}


def seoul_to_utc(value: datetime | None) -> datetime | None:
    """A time typed in the district's clock (a naive datetime-local value), as aware UTC."""
    return None if value is None else value.replace(tzinfo=SEOUL).astimezone(ZoneInfo("UTC"))


class NewSurveyForm(FlaskForm):
    project = SelectField(
        lazy_pgettext("a project", "사업"), coerce=int, validators=[InputRequired()]
    )
    title = StringField(_l("설문 제목"), validators=[DataRequired(), Length(max=200)])
    introduction = TextAreaField(_l("안내 문구"), validators=[Length(max=5000)])
    anonymous = BooleanField(_l("익명 설문 (응답과 응답자를 연결하지 않음)"))


class SettingsForm(FlaskForm):
    title = StringField(_l("설문 제목"), validators=[DataRequired(), Length(max=200)])
    introduction = TextAreaField(_l("안내 문구"), validators=[Length(max=5000)])
    anonymous = BooleanField(_l("익명 설문 (응답과 응답자를 연결하지 않음)"))
    public_link = BooleanField(_l("공개 링크로도 응답 받기 (SNS 게시용)"))
    results_public = BooleanField(_l("주민에게 결과 공개 (5명 미만 칸은 숨김)"))


class SectionForm(FlaskForm):
    title = StringField(_l("구역 제목"), validators=[Length(max=200)])
    description = TextAreaField(_l("구역 설명"), validators=[Length(max=2000)])


class PublishForm(FlaskForm):
    opens_at = DateTimeLocalField(
        _l("시작 (비우면 지금)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("마감"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )


class QuestionForm(FlaskForm):
    section = SelectField(_l("구역"), coerce=int, validators=[InputRequired()])
    kind = SelectField(
        _l("질문 유형"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    text = TextAreaField(
        lazy_pgettext("a question", "질문"), validators=[DataRequired(), Length(max=1000)]
    )
    help_text = TextAreaField(_l("도움말"), validators=[Length(max=1000)])
    required = BooleanField(_l("필수 응답"), default=True)
    choices = TextAreaField(_l("선택지 (한 줄에 하나)"), validators=[Length(max=5000)])
    other_option = BooleanField(_l("'기타 (직접 입력)' 추가 (하나 고르기)"))
    max_choices = IntegerField(
        _l("최대 선택 개수 (여러 개 고르기)"), validators=[Optional(), NumberRange(min=1)]
    )
    low = IntegerField(_l("척도 시작 / 숫자 최솟값"), validators=[Optional()])
    high = IntegerField(_l("척도 끝 / 숫자 최댓값"), validators=[Optional()])
    low_label = StringField(_l("척도 시작 설명 (예: 매우 불만족)"), validators=[Length(max=100)])
    high_label = StringField(_l("척도 끝 설명 (예: 매우 만족)"), validators=[Length(max=100)])
    condition = SelectField(_l("표시 조건"), choices=[], default="")

    def fill_from(self, question: Question) -> None:
        """Start the form from an existing question (on GET)."""
        for name in ("text", "help_text", "required", "other_option", "max_choices", "low"):
            getattr(self, name).data = getattr(question, name)
        for name in ("high", "low_label", "high_label"):
            getattr(self, name).data = getattr(question, name)
        self.section.data, self.kind.data = question.section_id, question.kind.value
        self.choices.data = "\n".join(choice.label for choice in question.choices)
        if question.condition_question_id:
            self.condition.data = f"{question.condition_question_id}:{question.condition_value}"

    def spec(self) -> QuestionSpec:
        condition_id, _sep, condition_value = (self.condition.data or "").partition(":")
        return QuestionSpec(
            kind=QuestionKind(self.kind.data),
            text=self.text.data,
            section_id=self.section.data,
            help_text=(self.help_text.data or "").strip(),
            required=self.required.data,
            choices=tuple((self.choices.data or "").splitlines()),
            other_option=self.other_option.data,
            max_choices=self.max_choices.data,
            low=self.low.data,
            high=self.high.data,
            low_label=self.low_label.data or "",
            high_label=self.high_label.data or "",
            condition_question_id=int(condition_id) if condition_id.isdigit() else None,
            condition_value=condition_value or None,
        )


class PopulationForm(FlaskForm):
    """The district's residents in each age band × gender cell, and where the figures are from.
    One number field per cell is added below, named like `40s_female`."""

    source = StringField(
        _l("출처"),
        validators=[DataRequired(message=_l("출처를 적어 주세요.")), Length(max=200)],
    )

    def cells(self):
        """(band code, gender, field) for every cell, in table order."""
        return [(b.code, g, self[_cell_name(b.code, g)]) for b in AGE_BANDS for g in GENDERS]

    def rows(self):
        """(age band label, its fields by gender) for the table of the page."""
        return [
            (label(AGE_CHOICES, b.code), [self[_cell_name(b.code, g)] for g in GENDERS])
            for b in AGE_BANDS
        ]

    def people(self) -> dict[str, dict[str, int]]:
        people: dict[str, dict[str, int]] = {}
        for band, gender, field in self.cells():
            people.setdefault(band, {})[gender] = field.data
        return people

    def fill_from(self, figures: PopulationFigures) -> None:
        for band, gender, field in self.cells():
            field.data = figures.people[band][gender]


def _cell_name(band: str, gender: str) -> str:
    return f"{band}_{gender}"  # "40s_female"


def _cell_label(band: str, gender: str) -> str:
    return f"{label(AGE_CHOICES, band)} {label(GENDER_CHOICES, gender)}"  # "40대 여성"


for _band in AGE_BANDS:
    for _gender in GENDERS:
        setattr(
            PopulationForm,
            _cell_name(_band.code, _gender),
            IntegerField(
                LazyString(_cell_label, _band.code, _gender),
                validators=[
                    InputRequired(message=_l("인원을 적어 주세요.")),
                    NumberRange(min=1, max=10_000_000, message=_l("1 이상의 인원을 적어 주세요.")),
                ],
            ),
        )
