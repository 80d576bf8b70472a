"""Korean mobile numbers and e-mail addresses, written one way."""

import phonenumbers
import pytest

from pcrm.subscribers.addresses import REGION, normalise_email, normalise_phone


def _by_the_library(text: str) -> str | None:
    number = phonenumbers.parse(text, REGION)
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    "written",
    ["010-1234-5678", "01012345678", "+82 10 1234 5678", "+82-10-1234-5678", "010.1234.5678",
     " 010 1234 5678 ", "+82 (0)10 1234 5678", "011-234-5678", "+821012345678"],
)  # fmt: skip
def test_the_ways_residents_write_a_mobile_number_are_one_number(written):
    checked = normalise_phone(written)
    assert checked.ok and checked.value == _by_the_library(written)


@pytest.mark.parametrize(
    ("written", "problem"),
    [("02-2286-5114", "휴대전화 번호가 아닙니다"), ("080-123-4567", "휴대전화 번호가 아닙니다"),
     ("010-1234", "형식이 올바르지 않습니다"), ("전화 없음", "형식이 올바르지 않습니다")],
)  # fmt: skip
def test_landlines_and_broken_numbers_are_refused_with_a_reason(app, written, problem):
    with app.test_request_context():
        checked = normalise_phone(written)
    assert not checked.ok and problem in checked.problem


def test_email_is_validated_offline_and_lower_cased(app):
    assert normalise_email(" Minseo@Example.COM ").value == "minseo@example.com"
    with app.test_request_context():
        assert "형식이 올바르지 않습니다" in normalise_email("minseo@").problem
