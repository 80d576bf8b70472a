"""E-mail addresses and Korean mobile numbers, validated and written one way.

010-1234-5678, 01012345678 and +82 10 1234 5678 are one number: +821012345678 (E.164).
An e-mail address is kept in the ASCII form plain SMTP carries: an internationalised domain
becomes its xn-- form, and a local part with Korean (or any non-ASCII) letters is refused, since
it needs SMTPUTF8, which relays and mailboxes do not reliably offer.
"""

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from wtforms import ValidationError

REGION = "KR"
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,)


@dataclass(frozen=True)
class Checked:
    """A normalised value, or the reason a person can read why it is not usable."""

    value: str | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.problem


def _local_part_is_ascii(text: str) -> bool:
    return text.rpartition("@")[0].isascii()


def normalise_email(raw: str | None) -> Checked:
    """Validate offline (no DNS) and keep the lower-cased ASCII form SMTP uses, or say why not.

    email-validator's reasons are English, so a resident or staff member is told in Korean.
    """
    text = (raw or "").strip()
    if not text:
        return Checked(None)
    if not _local_part_is_ascii(text):
        reason = _(
            "받는 사람 이름(@ 앞) 부분에 한글 등 영문 외 문자가 있는 "
            "이메일 주소는 받을 수 없습니다: %(address)s",
            address=text,
        )
        return Checked(None, reason)
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return Checked(None, _("이메일 주소 형식이 올바르지 않습니다: %(address)s", address=text))
    return Checked(result.ascii_email.lower())


class EmailAddress:
    """A WTForms validator with the registry's one rule; the field keeps the normalised form."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        if not (field.data or "").strip():
            return  # Optional() or DataRequired() decides whether an empty field is allowed
        checked = normalise_email(field.data)
        if not checked.ok:
            raise ValidationError(self.message or checked.problem)
        field.data = checked.value


def normalise_phone(raw: str | None) -> Checked:
    """A Korean mobile number in E.164, or why not (landlines and 080 numbers are refused)."""
    text = (raw or "").strip()
    if not text:
        return Checked(None)
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return Checked(None, _("전화번호 형식이 올바르지 않습니다"))
    # number_type answers UNKNOWN for a number no pattern of its country matches, so one call
    # both validates and types it (is_valid_number first would match the patterns twice).
    kind = phonenumbers.number_type(number)
    if kind is phonenumbers.PhoneNumberType.UNKNOWN:
        return Checked(None, _("전화번호 형식이 올바르지 않습니다"))
    if kind not in MOBILE_TYPES:
        return Checked(
            None, _("휴대전화 번호가 아닙니다 (유선·080 번호는 문자를 받을 수 없습니다)")
        )
    return Checked(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def national_phone(e164: str | None) -> str:
    """010-1234-5678 as residents write it; anything unparsable is returned as stored."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
