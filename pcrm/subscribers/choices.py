"""Labels and choices for the registry's dimensions, shared by forms, pages and exports."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from pcrm.extensions import db
from pcrm.i18n import localized
from pcrm.subscribers.models import BusinessType, Dong, InterestField

KINDS = [("individual", _l("개인")), ("business", _l("사업자"))]
GENDERS = [("female", _l("여성")), ("male", _l("남성"))]
CHANNELS = [("email", _l("이메일")), ("sms", _l("문자(SMS)"))]
AGE_BANDS = [
    ("u20", _l("20대 미만")), ("20s", _l("20대")), ("30s", _l("30대")), ("40s", _l("40대")),
    ("50s", _l("50대")), ("60s", _l("60대")), ("70p", _l("70대 이상")),
]  # fmt: skip
STATUSES = [
    ("email_valid", _l("이메일 정상")),
    ("email_pending", _l("이메일 확인 대기")),
    ("email_bounced", _l("이메일 반송")),
    ("email_invalid", _l("이메일 형식 오류")),
    ("phone_valid", _l("휴대전화 정상")),
    ("phone_invalid", _l("휴대전화 오류·반송")),
    ("unsubscribed", _l("모든 수신 거부")),
    ("no_consent", _l("수신 동의 없음")),
]
SORTS = [("newest", _l("최근 등록순")), ("oldest", _l("오래된 순")), ("name", _l("이름순"))]
ADDRESS_STATUS = {
    "pending": _l("확인 대기"),
    "valid": _l("정상"),
    "bounced": _l("반송"),
    "invalid": _l("형식 오류"),
}
SOURCES = {
    "web_form": _l("웹 가입"),
    "paper_form": _l("서면 신청서"),
    "import": _l("파일 가져오기"),
    "staff": _l("담당자 입력"),
    "preferences_link": _l("수신 설정 링크"),
    "unsubscribe_link": _l("수신 거부 링크"),
    "one_click": _l("원클릭 수신 거부"),
    "sms_reply": _l("문자 회신"),
    "bounce_policy": _l("반송 정책"),
    "erasure": _l("삭제(파기)"),
}


def field_choices() -> list[tuple[str, str]]:
    query = select(InterestField).order_by(InterestField.position)
    return [(f.code, localized(f)) for f in db.session.scalars(query)]


def dong_choices() -> list[tuple[int, str]]:
    return [(d.id, localized(d)) for d in db.session.scalars(select(Dong).order_by(Dong.position))]


def business_type_choices() -> list[tuple[str, str]]:
    query = select(BusinessType).order_by(BusinessType.position)
    return [(b.code, localized(b)) for b in db.session.scalars(query)]


def label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def fill_profile_choices(form) -> None:
    """Set the database-backed choices of a form with fields, dong_id and business_type_code
    (staff's subscriber form and residents' sign-up): read per request, they change."""
    form.fields.choices = options(field_choices())
    form.dong_id.choices = options([("", _l("선택 안 함")), *dong_choices()])
    form.business_type_code.choices = options([("", _l("해당 없음")), *business_type_choices()])
