"""One row of an import, checked: normalised values, or reasons a person can read.

Nothing here touches the database beyond the reference lookups loaded once per import.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.extensions import db
from pcrm.subscribers.addresses import normalise_email, normalise_phone
from pcrm.subscribers.age import may_be_under_14
from pcrm.subscribers.imports.columns import IGNORE, TARGETS
from pcrm.subscribers.imports.reader import Row
from pcrm.subscribers.models import BusinessType, Channel, Dong, Gender, InterestField, Kind

GENDERS = {
    Gender.FEMALE: ("여", "여자", "여성", "f", "female", "woman", "2", "4"),
    Gender.MALE: ("남", "남자", "남성", "m", "male", "man", "1", "3"),
}
KINDS = {
    Kind.INDIVIDUAL: ("개인", "주민", "individual", "person", "resident"),
    Kind.BUSINESS: (
        "사업자", "업체", "기업", "사업체", "개인사업자", "법인", "법인사업자", "상점", "소상공인",
        "business", "company", "corporate", "shop", "store",
    ),
}  # fmt: skip
CHANNELS = {
    Channel.EMAIL: ("이메일", "메일", "전자우편", "e메일", "email", "e-mail", "mail"),
    Channel.SMS: ("문자", "문자메시지", "sms", "mms", "lms", "휴대폰", "핸드폰", "휴대전화"),
}
YES = ("y", "yes", "예", "네", "동의", "수신", "수신동의", "o", "1", "true", "v")
NO = ("n", "no", "아니오", "아니요", "미동의", "거부", "수신거부", "x", "0", "false", "")
# Lazy labels: translated only when a problem is reported, not once per cell.
LABELS = {target: label for target, (label, _spellings) in TARGETS.items()}
SEPARATORS = re.compile(r"[,;/|\n]+")
# "이메일,문자", "이메일 / 문자", "이메일·문자", "이메일 및 문자", "email and SMS"
CHANNEL_SEPARATORS = re.compile(r"[,;/|·+&\s]+|및|와|과|\band\b", re.IGNORECASE)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@dataclass
class Lookups:
    """Reference names -> codes, in every spelling a file is likely to use."""

    dongs: dict[str, int]
    business_types: dict[str, str]
    fields: dict[str, str]

    @classmethod
    def load(cls) -> "Lookups":
        dongs = {}
        for dong in db.session.scalars(select(Dong)):
            dongs[_key(dong.name_ko)] = dong.id
            dongs.setdefault(_key(dong.name_ko).removesuffix("동"), dong.id)
        return cls(
            dongs=dongs,
            business_types=_named(BusinessType),
            fields=_named(InterestField),
        )


def _named(model) -> dict[str, str]:
    names = {}
    for row in db.session.scalars(select(model)):
        for spelling in (row.code, row.name_ko, row.name_en):
            names[_key(spelling)] = row.code
    return names


@dataclass
class Checked:
    """A row made ready to import, or the reasons it cannot be."""

    number: int
    values: dict = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    email_opt_in: bool | None = None  # None: the file does not say
    sms_opt_in: bool | None = None
    guardian_consent: bool = False  # a legal guardian's consent is recorded on the row
    problems: list[str] = field(default_factory=list)  # the row is skipped
    warnings: list[str] = field(default_factory=list)  # imported, but a person should know


def _unknown(label: str, text: str, checked: Checked) -> None:
    """A profile value we cannot read (a dong of another district, a typo) is left blank with a
    warning: the row's contact and consent still count. Only what decides whether and how we
    may write to someone (address, consent, channels) skips a row."""
    checked.warnings.append(
        _("%(label)s 값을 알 수 없어 비워 두었습니다: '%(v)s'", label=label, v=text)
    )


def _choice(text: str, options: dict, label: str, checked: Checked, *, strict: bool = False):
    for value, spellings in options.items():
        if _key(text) in spellings:
            return value
    if strict:
        checked.problems.append(_("%(label)s 값을 알 수 없습니다: '%(v)s'", label=label, v=text))
    else:
        _unknown(label, text, checked)
    return None


def _birth_year(text: str, checked: Checked) -> int | None:
    digits = re.sub(r"\D", "", text)
    year = int(digits[:4]) if len(digits) in (4, 6, 8) and digits[:2] in ("19", "20") else None
    if year is None or not 1900 <= year <= date.today().year:
        checked.problems.append(_("출생연도를 알 수 없습니다: '%(v)s'", v=text))
        return None
    return year


def _lookup(text: str, names: dict, label: str, checked: Checked):
    found = names.get(_key(text))
    if found is None:
        _unknown(label, text, checked)
    return found


def _fields(text: str, lookups: Lookups, checked: Checked) -> None:
    for part in filter(None, (p.strip() for p in SEPARATORS.split(text))):
        checked.fields.add(_lookup(part, lookups.fields, LABELS["fields"], checked))
    checked.fields.discard(None)


def _address(kind: str, text: str, checked: Checked) -> None:
    result = normalise_email(text) if kind == "email" else normalise_phone(text)
    if result.ok:
        checked.values[kind] = result.value
        return
    # Kept as an invalid address so nothing is lost; staff can correct it later.
    limit = 254 if kind == "email" else 20
    checked.values[f"invalid_{kind}"] = text.lower()[:limit] if kind == "email" else text[:limit]
    checked.warnings.append(_("%(problem)s: 잘못된 주소로 저장함", problem=result.problem))


def _flag(text: str, label: str, checked: Checked) -> bool | None:
    key = _key(text)
    if key in YES:
        return True
    if key in NO:
        return False
    checked.problems.append(_("%(label)s 값을 알 수 없습니다: '%(v)s'", label=label, v=text))
    return None


def _channels(text: str, checked: Checked) -> None:
    """Grant the channels the cell names; the ones it does not name are not granted."""
    named = set()
    for part in filter(None, CHANNEL_SEPARATORS.split(text)):
        channel = next((c for c, spellings in CHANNELS.items() if _key(part) in spellings), None)
        if channel is None:
            message = _("%(label)s 값을 알 수 없습니다: '%(v)s'")
            checked.problems.append(message % {"label": LABELS["channels"], "v": text})
            return
        named.add(channel)
    checked.email_opt_in = checked.email_opt_in or Channel.EMAIL in named
    checked.sms_opt_in = checked.sms_opt_in or Channel.SMS in named


def _apply(target: str, text: str, lookups: Lookups, checked: Checked) -> None:
    if target == "name":
        # Kept as typed, "=" and all: exports write it back as text (pcrm.spreadsheets).
        checked.values["name"] = text[:100]
    elif target in ("email", "phone"):
        _address(target, text, checked)
    elif target == "birth_year":
        checked.values["birth_year"] = _birth_year(text, checked)
    elif target == "gender":
        checked.values["gender"] = _choice(text, GENDERS, LABELS["gender"], checked)
    elif target == "kind":
        # Individual or business decides which rules the row's consent follows: never guessed.
        checked.values["kind"] = _choice(text, KINDS, LABELS["kind"], checked, strict=True)
    elif target == "dong":
        checked.values["dong_id"] = _lookup(text, lookups.dongs, LABELS["dong"], checked)
    elif target == "business_type":
        code = _lookup(text, lookups.business_types, LABELS["business_type"], checked)
        checked.values["business_type_code"] = code
    elif target == "fields":
        _fields(text, lookups, checked)
    elif target == "email_opt_in":
        checked.email_opt_in = _flag(text, LABELS["email_opt_in"], checked)
    elif target == "sms_opt_in":
        checked.sms_opt_in = _flag(text, LABELS["sms_opt_in"], checked)
    elif target == "channels":
        _channels(text, checked)
    elif target == "guardian_consent":
        checked.guardian_consent = bool(_flag(text, LABELS["guardian_consent"], checked))


def guardian_missing(birth_year: int | None) -> str:
    """The refusal of an under-14 without a guardian's consent (개인정보보호법 §22-2)."""
    return _(
        "만 14세 미만일 수 있어(%(year)s년생) 법정대리인 동의가 기록되어야 가져올 수 있습니다 "
        "('법정대리인 동의' 열에 예/Y/동의)",
        year=birth_year,
    )


def _consent_rules(mapping: dict[str, str], checked: Checked) -> None:
    if "channels" in mapping.values():
        # The file says which channels each person chose: an empty cell chose none.
        checked.email_opt_in = bool(checked.email_opt_in)
        checked.sms_opt_in = bool(checked.sms_opt_in)
    birth_year = checked.values.get("birth_year")
    if may_be_under_14(birth_year) and not checked.guardian_consent:
        checked.problems.append(guardian_missing(birth_year))


def check_row(row: Row, mapping: dict[str, str], lookups: Lookups) -> Checked:
    """Normalise one row; problems mean it is skipped, warnings travel with it."""
    checked = Checked(row.number)
    if row.extra:
        checked.problems.append(
            _("머리글보다 칸이 많습니다 (쉼표가 든 값을 따옴표로 묶지 않았을 수 있습니다)")
        )
        return checked
    if not any(row.cells):
        checked.problems.append(_("빈 행"))
        return checked
    for position, text in enumerate(row.cells):
        target = mapping.get(str(position), IGNORE)
        if text and target != IGNORE:
            _apply(target, text, lookups, checked)
    values = checked.values
    if not any(k in values for k in ("email", "phone", "invalid_email", "invalid_phone")):
        checked.problems.append(_("연락처(이메일 또는 휴대전화)가 없습니다"))
    if values.get("business_type_code") and "kind" not in values:
        values["kind"] = Kind.BUSINESS
    _consent_rules(mapping, checked)
    return checked
