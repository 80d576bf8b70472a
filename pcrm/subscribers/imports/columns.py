"""What each column of an import can be, and the Korean and English headers that name it."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pcrm.errors import Invalid

IGNORE = "ignore"
# target -> (label, header spellings compared without spaces, dots, dashes or underscores)
TARGETS = {
    "name": (_l("이름"), ("이름", "성명", "성함", "상호", "업체명", "name", "fullname")),
    "email": (_l("이메일"), ("이메일", "전자우편", "메일", "이메일주소", "email", "emailaddress")),
    "phone": (
        _l("휴대전화"),
        (
            "휴대전화",
            "휴대폰",
            "핸드폰",
            "휴대전화번호",
            "휴대폰번호",
            "전화번호",
            "연락처",
            "mobile",
            "phone",
            "mobilephone",
            "cellphone",
            "tel",
        ),
    ),
    "birth_year": (
        _l("출생연도"),
        ("출생연도", "출생년도", "생년", "생년월일", "birthyear", "born"),
    ),
    "gender": (_l("성별"), ("성별", "gender", "sex")),
    "dong": (
        _l("동"),
        ("동", "행정동", "거주동", "주소동", "dong", "neighbourhood", "neighborhood"),
    ),
    "kind": (_l("구분(개인/사업자)"), ("구분", "유형", "개인사업자", "kind", "type")),
    "business_type": (_l("업종"), ("업종", "사업자유형", "업태", "businesstype", "industry")),
    "fields": (_l("관심분야"), ("관심분야", "관심분야들", "분야", "fields", "interests")),
    "email_opt_in": (
        _l("이메일 수신 동의"),
        ("이메일수신", "이메일수신동의", "메일수신", "emailconsent", "emailoptin"),
    ),
    "sms_opt_in": (
        _l("문자 수신 동의"),
        ("문자수신", "문자수신동의", "sms수신", "sms수신동의", "smsconsent", "smsoptin"),
    ),
}
IGNORE_LABEL = _l("가져오지 않음")
ADDRESS_TARGETS = ("email", "phone")


def _squash(header: str) -> str:
    return re.sub(r"[\s._\-·()]+", "", header).lower()


def guess_target(header: str) -> str:
    """The target a header names, or "" when it is not one we know."""
    squashed = _squash(header)
    for target, (_label, spellings) in TARGETS.items():
        if squashed in spellings:
            return target
    return ""


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Header position (as a string, JSON keys) -> guessed target; each target used once."""
    mapping, used = {}, set()
    for position, header in enumerate(headers):
        target = guess_target(header)
        mapping[str(position)] = target if target not in used else ""
        used.add(target)
    return mapping


def check_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """A complete mapping, or Invalid naming the columns left undecided or chosen twice."""
    clean = {str(i): mapping.get(str(i), "") for i in range(len(headers))}
    undecided = [headers[int(i)] for i, target in clean.items() if not target]
    if undecided:
        message = _("이 열을 어떻게 할지 고르세요 (가져오지 않으려면 '가져오지 않음'): %(cols)s")
        raise Invalid(message % {"cols": ", ".join(undecided)})
    unknown = {t for t in clean.values() if t != IGNORE and t not in TARGETS}
    if unknown:
        raise Invalid(_("알 수 없는 대상입니다: %(t)s", t=", ".join(sorted(unknown))))
    chosen = [t for t in clean.values() if t != IGNORE]
    twice = sorted({t for t in chosen if chosen.count(t) > 1})
    if twice:
        labels = ", ".join(str(TARGETS[t][0]) for t in twice)
        raise Invalid(_("한 항목에 두 열을 고를 수 없습니다: %(t)s", t=labels))
    if not set(ADDRESS_TARGETS) & set(chosen):
        raise Invalid(_("이메일이나 휴대전화 열 중 하나는 있어야 합니다."))
    return clean


def parse_mapping_option(pairs: list[str], headers: list[str]) -> dict[str, str]:
    """The command line's `HEADER=target` pairs over the guessed mapping."""
    mapping = guess_mapping(headers)
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep or header.strip() not in headers:
            raise Invalid(_("열 지정을 알 수 없습니다: %(p)s", p=pair))
        mapping[str(headers.index(header.strip()))] = target.strip()
    return mapping
