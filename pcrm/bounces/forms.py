"""The worklist's forms: its filters (GET), the bulk actions and the correction of an e-mail."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pcrm.bounces.models import ReviewReason
from pcrm.bounces.worklist import Filters
from pcrm.forms import drop_invalid
from pcrm.labels import label
from pcrm.subscribers import choices

SINCE = [("", _l("전체 기간")), ("7", _l("최근 7일")), ("30", _l("최근 30일")),
         ("90", _l("최근 90일")), ("365", _l("최근 1년"))]  # fmt: skip
ACTIONS = [("check", _l("확인 완료로 표시")), ("suppress", _l("발송 제외")),
           ("restore", _l("발송 제외 해제(복원)"))]  # fmt: skip


class FilterForm(FlaskForm):
    """The worklist's filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    channel = SelectField(_l("수단"), default="")
    reason = SelectField(_l("사유"), default="")
    dong_id = SelectField(_l("동"), default="")
    since = SelectField(_l("기간"), choices=choices.options(SINCE), default="")
    unchecked = BooleanField(_l("아직 확인하지 않은 것만"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = choices.options([("", _l("전체")), *choices.CHANNELS])
        reasons = [(r.value, label(r)) for r in ReviewReason]
        self.reason.choices = choices.options(
            [("", _l("전체")), ("bouncing", _l("일시 반송 중(아직 제외 전)")), *reasons]
        )
        dongs = [(str(i), name) for i, name in choices.dong_choices()]
        self.dong_id.choices = choices.options([("", _l("전체")), *dongs])

    def filters(self) -> Filters:
        drop_invalid(self)
        return Filters(
            channel=self.channel.data or "",
            reason=self.reason.data or "",
            dong_id=int(self.dong_id.data) if self.dong_id.data else None,
            since_days=int(self.since.data) if self.since.data else None,
            unchecked=bool(self.unchecked.data),
        )


class BulkForm(FlaskForm):
    """One action on the rows ticked in the list, with the reason the ledger keeps."""

    ids = SelectMultipleField(_l("선택한 주소"), coerce=int, validate_choice=False)
    action = SelectField(_l("선택한 주소에"), choices=choices.options(ACTIONS))
    reason = StringField(
        _l("사유 (발송 제외·복원 때 필수, 수신 동의 기록에 남음)"),
        validators=[Optional(), Length(max=300)],
        id="bulk-reason",  # the filter above has a "reason" too
    )


class CorrectionForm(FlaskForm):
    email = EmailField(_l("고친 이메일 주소"), validators=[DataRequired(), Length(max=254)])
