"""The words of the reports: steps, rates with what they divide by, groups, delays, links."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pcrm.extensions import db
from pcrm.i18n import localized
from pcrm.subscribers.choices import AGE_BANDS, GENDERS, KINDS
from pcrm.subscribers.models import InterestField
from pcrm.tracking.service import SURVEY_LINK, UNSUBSCRIBE_LINK

STEPS = {
    "targeted": _l("대상"),
    "sent": _l("발송"),
    "delivered": _l("전달"),
    "opened": _l("열람 (사람)"),
    "clicked": _l("링크 클릭"),
    "started": _l("설문 시작"),
    "responded": _l("응답"),
}
STEP_MEANINGS = {
    "targeted": _l("메시지가 만들어진 사람 (발송 제외·취소 포함)"),
    "sent": _l("메시지가 한 통이라도 나간 사람"),
    "delivered": _l("한 통이라도 반송·실패 없이 전달된 사람 (발송에서 모두 반송된 사람을 뺀 수)"),
    "opened": _l("전달된 메일을 사람이 연 사람 (보안 검사·프록시의 열람 제외, 링크 클릭 포함)"),
    "clicked": _l("전달된 메시지의 링크를 사람이 누른 사람"),
    "started": _l("설문 링크를 사람이 열었거나 응답한 사람"),
    "responded": _l("설문에 응답한 사람"),
}
RATES = {
    "delivery": (_l("전달률"), _l("전달 ÷ 발송")),
    "open": (_l("열람률"), _l("열람 ÷ 메일이 전달된 사람")),
    "click": (_l("클릭률"), _l("링크 클릭 ÷ 전달")),
    "response": (_l("응답률"), _l("응답 ÷ 전달")),
    "response_targeted": (_l("대상 대비 응답률"), _l("응답 ÷ 대상")),
    "uplift": (_l("알림 뒤 응답률"), _l("이 차수 뒤 응답 ÷ 이 차수 전달")),
}
DIMENSIONS = {
    "age_band": _l("연령대"),
    "gender": _l("성별"),
    "dong": _l("동"),
    "kind": _l("구분"),
    "field": _l("관심 분야"),
}
DELAYS = {
    "1h": _l("1시간 안"),
    "6h": _l("1~6시간"),
    "1d": _l("6~24시간"),
    "3d": _l("1~3일"),
    "7d": _l("3~7일"),
    "more": _l("7일 넘게"),
}
CHANNELS = {"email": _l("이메일"), "sms": _l("문자"), "mixed": _l("이메일·문자")}


def group_names() -> dict[str, dict[str | None, str]]:
    """Each dimension's codes in words (dongs are stored by name)."""
    fields = db.session.scalars(select(InterestField)).all()
    return {
        "age_band": {code: str(word) for code, word in AGE_BANDS},
        "gender": {code: str(word) for code, word in GENDERS},
        "kind": {code: str(word) for code, word in KINDS},
        "field": {field.code: localized(field) for field in fields},
        "dong": {},
    }


def group_name(names: dict, dimension: str, key: str | None) -> str:
    if key is None:
        return _("모름·입력 안 함")
    return names[dimension].get(key, key)


def link_name(link_id: int, target: str) -> str:
    if link_id == SURVEY_LINK:
        return _("설문 링크")
    if link_id == UNSUBSCRIBE_LINK:
        return _("수신 거부 링크 (문자)")
    return target or _("링크 %(n)d", n=link_id)


def wave_name(number: int) -> str:
    return _("첫 발송") if number == 0 else _("%(n)d차 알림", n=number)


def duration(seconds: float | None) -> str:
    """A delay in the largest units that keep it readable."""
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(n)d분", n=minutes)
    if minutes < 48 * 60:
        return _("%(h)d시간 %(m)d분", h=minutes // 60, m=minutes % 60)
    return _("%(d)d일 %(h)d시간", d=minutes // 1440, h=minutes % 1440 // 60)
