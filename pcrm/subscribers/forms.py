"""Staff forms: the registry filter, a subscriber, a segment, an import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pcrm.forms import IntegerField, drop_invalid
from pcrm.subscribers import choices
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.browse import Browse


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes in a list: a screen reader hears each with its label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CriteriaForm(FlaskForm):
    """The audience dimensions: shared by the registry filter and segments."""

    fields = MultiCheckboxField(_l("관심분야"), choices=[])
    fields_match = RadioField(
        _l("관심분야 조건"),
        choices=choices.options([("any", _l("하나라도 해당")), ("all", _l("모두 해당"))]),
        default="any",
    )
    age_bands = MultiCheckboxField(_l("연령대"), choices=choices.options(choices.AGE_BANDS))
    genders = MultiCheckboxField(_l("성별"), choices=choices.options(choices.GENDERS))
    dong_ids = MultiCheckboxField(_l("동"), choices=[], coerce=int)
    kinds = MultiCheckboxField(_l("구분"), choices=choices.options(choices.KINDS))
    business_types = MultiCheckboxField(_l("업종"), choices=[])
    channels = MultiCheckboxField(_l("연락 가능한 수단"), choices=choices.options(choices.CHANNELS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.choices = choices.options(choices.field_choices())
        self.dong_ids.choices = choices.options(choices.dong_choices())
        self.business_types.choices = choices.options(choices.business_type_choices())

    def criteria(self) -> Criteria:
        return Criteria(
            fields=tuple(self.fields.data or ()),
            fields_match=self.fields_match.data if self.fields_match.data == "all" else "any",
            age_bands=tuple(self.age_bands.data or ()),
            genders=tuple(self.genders.data or ()),
            dong_ids=tuple(self.dong_ids.data or ()),
            kinds=tuple(self.kinds.data or ()),
            business_types=tuple(self.business_types.data or ()),
            channels=tuple(self.channels.data or ()),
        )


class FilterForm(CriteriaForm):
    """The registry's search and filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("검색 (이름, 이메일, 전화번호)"), validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("주소 상태"),
        choices=choices.options([("", _l("전체")), *choices.STATUSES]),
        default="",
    )
    sort = SelectField(_l("정렬"), choices=choices.options(choices.SORTS), default="newest")

    def browse(self) -> Browse:
        drop_invalid(self)  # a value outside the choices is ignored; the rest still filters
        return Browse(
            criteria=self.criteria(),
            q=(self.q.data or "").strip()[:100],
            status=self.status.data or "",
            sort=self.sort.data or "newest",
        )


class SegmentForm(CriteriaForm):
    name = StringField(_l("이름"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("설명"), validators=[Optional(), Length(max=2000)])


class SubscriberForm(FlaskForm):
    kind = RadioField(_l("구분"), choices=choices.options(choices.KINDS), default="individual")
    name = StringField(_l("이름 또는 상호"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("이메일"), validators=[Optional(), Length(max=254)])
    phone = TelField(_l("휴대전화"), validators=[Optional(), Length(max=30)])
    birth_year = IntegerField(
        _l("출생연도"), validators=[Optional(), NumberRange(min=1900, max=2100)]
    )
    gender = SelectField(
        _l("성별"), choices=choices.options([("", _l("선택 안 함")), *choices.GENDERS])
    )
    dong_id = SelectField(_l("동"), coerce=lambda v: int(v) if v else None, choices=[])
    business_type_code = SelectField(_l("업종 (사업자)"), choices=[])
    guardian_agreed = BooleanField(
        _l("만 14세 미만: 법정대리인의 동의를 받았습니다 (동의 근거에 적으세요)")
    )
    fields = MultiCheckboxField(_l("관심분야"), choices=[])
    channels = MultiCheckboxField(_l("수신 동의"), choices=choices.options(choices.CHANNELS))
    night_sms = BooleanField(_l("야간(21시~08시) 문자 수신 동의"))
    evidence = StringField(
        _l("동의 근거"),
        validators=[InputRequired(), Length(max=300)],
        description=_l("예: 마장동 주민센터 서면 신청서 2015-03, 전화 요청"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices.fill_profile_choices(self)


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("이 구독자의 개인정보를 파기합니다 (되돌릴 수 없음)"), validators=[DataRequired()]
    )


class UploadForm(FlaskForm):
    file = FileField(_l("CSV 또는 XLSX 파일"), validators=[FileRequired()])


class StartImportForm(FlaskForm):
    """The mapping (one select per file column, added by the view) and the consent source."""

    source = StringField(
        _l("동의 출처"),
        validators=[InputRequired(), Length(max=300)],
        description=_l("예: 서면 신청서, 마장동 주민센터, 2015-03"),
    )
    grant_channels = BooleanField(
        _l("수신 동의 열이 없으면, 올바른 이메일·휴대전화에 수신 동의가 있는 것으로 기록"),
        default=True,
    )


def mapping_from(formdata, headers: list[str]) -> dict[str, str]:
    """The column mapping posted as one select per file column (col_0, col_1, ...)."""
    return {str(i): (formdata.get(f"col_{i}") or "").strip() for i in range(len(headers))}
