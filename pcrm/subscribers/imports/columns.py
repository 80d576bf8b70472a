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
    "kind": (
        _l("구분(개인/사업자)"),
        ("구분", "유형", "개인사업자", "구분개인사업자", "회원구분", "kind", "type", "category"),
    ),
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
    # One column naming the channels a person chose ("이메일,문자"): only those are granted.
    "channels": (
        _l("수신채널(이메일/문자)"),
        ("수신채널", "수신방법", "수신매체", "채널", "channel", "channels", "contactchannels"),
    ),
    "guardian_consent": (
        _l("법정대리인 동의"),
        (
            "법정대리인동의",
            "법정대리인",
            "보호자동의",
            "부모동의",
            "guardianconsent",
            "parentalconsent",
            "guardian",
        ),
    ),
}
IGNORE_LABEL = _l("가져오지 않음")
ADDRESS_TARGETS = ("email", "phone")


def _squash(header: str) -> str:
    return re.sub(r"[\s._\-·()/]+", "", header).lower()


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


def command_line_targets() -> str:
    """The values the command line's --mapping takes, as its help and refusals list them."""
    return ", ".join((*TARGETS, IGNORE))


def _undecided(columns: list[str], command_line: bool) -> Invalid:
    if command_line:
        message = _(
            "이 열을 어떻게 할지 --mapping '머리글=대상'으로 정하세요 "
            "(가져오지 않으려면 '머리글=ignore', 대상: %(targets)s): %(cols)s"
        )
        return Invalid(message % {"targets": command_line_targets(), "cols": ", ".join(columns)})
    message = _("이 열을 어떻게 할지 고르세요 (가져오지 않으려면 '가져오지 않음'): %(cols)s")
    return Invalid(message % {"cols": ", ".join(columns)})


def check_mapping(
    headers: list[str], mapping: dict[str, str], *, command_line: bool = False
) -> dict[str, str]:
    """A complete mapping, or Invalid naming the columns left undecided or chosen twice, in
    the words of the web page or (command_line) of the --mapping option."""
    clean = {str(i): mapping.get(str(i), "") for i in range(len(headers))}
    undecided = [headers[int(i)] for i, target in clean.items() if not target]
    if undecided:
        raise _undecided(undecided, command_line)
    unknown = {t for t in clean.values() if t != IGNORE and t not in TARGETS}
    if unknown:
        message = _("알 수 없는 대상입니다: %(t)s", t=", ".join(sorted(unknown)))
        if command_line:
            message += " " + _("(쓸 수 있는 값: %(v)s)", v=command_line_targets())
        raise Invalid(message)
    chosen = [t for t in clean.values() if t != IGNORE]
    twice = sorted({t for t in chosen if chosen.count(t) > 1})
    if twice:
        named = twice if command_line else [str(TARGETS[t][0]) for t in twice]
        raise Invalid(_("한 항목에 두 열을 고를 수 없습니다: %(t)s", t=", ".join(named)))
    if not set(ADDRESS_TARGETS) & set(chosen):
        if command_line:
            raise Invalid(_("email이나 phone으로 지정한 열이 하나는 있어야 합니다."))
        raise Invalid(_("이메일이나 휴대전화 열 중 하나는 있어야 합니다."))
    return clean


def parse_mapping_option(pairs: list[str], headers: list[str]) -> dict[str, str]:
    """The command line's `HEADER=target` pairs over the guessed mapping."""
    mapping = guess_mapping(headers)
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep or header.strip() not in headers:
            message = _(
                "--mapping 값은 '머리글=대상' 꼴이고 머리글은 파일 첫 행의 것이어야 합니다: "
                "%(p)s (머리글: %(h)s)"
            )
            raise Invalid(message % {"p": pair, "h": ", ".join(headers)})
        mapping[str(headers.index(header.strip()))] = target.strip()
    return mapping
