"""SMS text measured as Korean providers count it: CP949 bytes, SMS / LMS / refused."""

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.sandbox import SandboxedEnvironment

from pcrm.messaging.sms_text import (
    REPLACEMENTS,
    Prices,
    SmsType,
    measure,
    measure_audience,
    replacement_for,
    sendable,
)

CP949_CHARACTERS = [
    c for c in map(chr, range(0x10000)) if not 0xD800 <= ord(c) < 0xE000 and sendable(c)
]
REPLACEABLE = [
    *("\u2013", "\u2014", "\u00a0", "\u2764", "\u00e9", "\u20a9", "\u200b", "\u2022"),
    *("\U0001f600", "\U0001f44d", "\U0001f1f0"),  # emoji and a flag's half: removed
]
NO_STAND_IN = ["\u4dc0", "\u0e01", "\u05d0"]  # a hexagram, Thai ko kai, Hebrew alef
# The same examples on every run, none kept between runs, no deadline on a busy machine.
property_test = settings(derandomize=True, database=None, deadline=None)
sendable_text = st.text(alphabet=st.sampled_from(CP949_CHARACTERS), max_size=1200)


@pytest.mark.parametrize(
    ("text", "size", "kind"),
    [
        ("성동구청 설문에 참여해 주세요", 29, SmsType.SMS),
        ("Survey 2026: 3분이면 끝납니다!", 30, SmsType.SMS),
        ("똠햏뷁", 6, SmsType.SMS),  # rare syllables: 2 bytes each, as providers count
        ("쀍 뙇 햏 ABC 123", 16, SmsType.SMS),
        ("“설문” ‘안내’ … · ★ → ①", 32, SmsType.SMS),  # these are in CP949
        ("a" * 90, 90, SmsType.SMS),
        ("a" * 91, 91, SmsType.LMS),
        ("가" * 45, 90, SmsType.SMS),
        ("가" * 45 + "a", 91, SmsType.LMS),
        ("가" * 1000, 2000, SmsType.LMS),
        ("가" * 1000 + "a", 2001, SmsType.REFUSED),
        ("줄\r\n바꿈\n", 9, SmsType.SMS),
    ],
)
def test_bytes_and_type_are_counted_as_providers_count(text, size, kind):
    result = measure(text)
    assert (result.bytes, result.type, result.unsendable) == (size, kind, ())


def test_rare_syllables_count_two_bytes_where_euc_kr_would_count_eight():
    assert len("똠".encode("euc_kr")) == 8
    assert measure("똠" * 45).type is SmsType.SMS


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("", SmsType.SMS),
        ("안내", SmsType.LMS),  # a subject makes it an LMS even when the text is short
        ("가" * 20, SmsType.LMS),
        ("가" * 20 + "a", SmsType.REFUSED),
        ("a" * 41, SmsType.REFUSED),
        ("설문 – 안내", SmsType.REFUSED),
    ],
)
def test_the_lms_subject_is_up_to_forty_bytes_measured_the_same_way(subject, kind):
    result = measure("짧은 안내입니다", subject=subject)
    assert result.type is kind
    assert result.subject_bytes == (None if "–" in subject else len(subject.encode("cp949")))


def test_characters_outside_cp949_are_named_with_position_and_a_replacement():
    result = measure("설문 – 참여 부탁드립니다\u00a0😀 café ₩1,000")
    assert result.type is SmsType.REFUSED and result.bytes is None
    found = [(u.position, u.char, u.name, u.replacement) for u in result.unsendable]
    assert found == [
        (4, "–", "EN DASH", "-"),
        (15, "\u00a0", "NO-BREAK SPACE", " "),
        (16, "😀", "GRINNING FACE", ""),
        (21, "é", "LATIN SMALL LETTER E WITH ACUTE", "e"),
        (23, "₩", "WON SIGN", "￦"),
    ]
    assert result.replaced() == "설문 - 참여 부탁드립니다  cafe ￦1,000"  # the emoji removed


def test_a_character_without_a_stand_in_leaves_the_text_for_the_writer():
    result = measure("설문 ䷀ 안내")
    assert [u.replacement for u in result.unsendable] == [None]
    assert result.replaced() is None


def test_the_replacement_is_offered_never_applied():
    result = measure("설문 – 안내")
    assert result.text == "설문 – 안내" and result.type is SmsType.REFUSED
    assert result.replaced() == "설문 - 안내"
    assert measure(result.replaced()).type is SmsType.SMS


def test_invisible_characters_are_offered_for_removal():
    result = measure("설문\u200b안내❤️")
    assert [(u.name, u.replacement) for u in result.unsendable] == [
        ("ZERO WIDTH SPACE", ""),
        ("HEAVY BLACK HEART", "♥"),
        ("VARIATION SELECTOR-16", ""),
    ]
    assert result.replaced() == "설문안내♥"


def test_an_empty_text_is_refused():
    assert measure("").type is SmsType.REFUSED


def test_every_replacement_in_the_table_is_itself_sendable():
    for char, stand_in in REPLACEMENTS.items():
        assert measure(char + "x").refused, f"{char!r} needs no replacement"
        assert all(c in CP949_CHARACTERS or c in "\n" for c in stand_in)


@property_test
@given(sendable_text)
def test_any_cp949_text_measures_as_its_cp949_length(text):
    result = measure(text)
    assert result.bytes == len(text.encode("cp949"))
    assert result.unsendable == ()
    if not text or result.bytes > 2000:
        assert result.type is SmsType.REFUSED
    else:
        assert result.type is (SmsType.SMS if result.bytes <= 90 else SmsType.LMS)


@property_test
@given(sendable_text, st.lists(st.sampled_from(REPLACEABLE + NO_STAND_IN), min_size=1), st.data())
def test_a_refused_text_always_names_each_character_it_cannot_send(text, bad, data):
    mixed = list(text)
    for char in bad:
        mixed.insert(data.draw(st.integers(0, len(mixed))), char)
    result = measure("".join(mixed))
    assert result.type is SmsType.REFUSED and result.bytes is None
    assert len(result.unsendable) == len(bad)
    assert all(mixed[u.position - 1] == u.char for u in result.unsendable)
    assert result.as_json()["refused"]


@property_test
@given(sendable_text, st.lists(st.sampled_from(REPLACEABLE + list(REPLACEMENTS)), min_size=1))
def test_the_replacement_of_a_refused_text_measures_clean(text, bad):
    result = measure(text + "".join(bad))
    assert result.refused
    replaced = result.replaced()
    assert replaced is not None
    assert measure(replaced).unsendable == ()
    assert measure(replaced).bytes == len(replaced.encode("cp949"))


@pytest.mark.parametrize("char", NO_STAND_IN)
def test_characters_without_an_obvious_stand_in_get_none(char):
    assert replacement_for(char) is None


def test_personalised_fields_count_at_each_recipients_real_length():
    template = (
        "{{ name }}님, 성동구청 정책 설문에 참여해 주세요. 3분이면 됩니다."  # 55 bytes + name
    )
    names = ["김철수"] * 3 + ["남궁민수"] + ["김" + "가" * 18] + ["Zoë"] + ["이영희"] * 2
    result = measure_audience(
        template=template, values=[{"name": n} for n in names], prices=Prices(sms=9, lms=30)
    )
    # 김철수: 55 + 6 = 61 bytes, 남궁민수 63: SMS; a 19-syllable name (38 bytes) makes 93: LMS
    assert (result.sms, result.lms, result.refused) == (6, 1, 1)
    assert result.cost == 6 * 9 + 1 * 30
    assert result.first_refusal.unsendable[0].char == "ë"
    assert result.recipients == len(names)


def test_a_personalised_subject_is_measured_per_recipient_too():
    result = measure_audience(
        template="{{ name }}님께 안내드립니다.",
        subject="{{ name }}님 설문 안내",
        values=[{"name": "김철수"}, {"name": "가" * 15}],
        prices=Prices(sms=9, lms=30),
    )
    assert (result.sms, result.lms, result.refused, result.cost) == (0, 1, 1, 30)


def test_prices_come_from_the_configuration(app):
    assert Prices.from_config(app.config) == Prices(sms=9, lms=30)


def test_the_refusal_says_why_in_korean_and_in_english(app):
    too_long = measure("가" * 1001)
    with app.test_request_context():
        assert "2,000바이트" in too_long.problem() and "2,002" in too_long.problem()
        dash = measure("설문 – 안내").problem()
        assert "4번째 글자 '–'(EN DASH)" in dash and "'-'" in dash
        assert measure("가" * 21, subject="가" * 21).problem().startswith("LMS 제목은 40바이트")
        assert "제목의 2번째 글자 '—'" in measure("안내", subject="설—문").problem()
        assert measure("안내").problem() is None
        assert measure("안내").describe() == "SMS, 4/90바이트"
        with force_locale("en"):
            assert "2,000 bytes" in too_long.problem()
            assert "EN DASH" in dash and measure("설문 – 안내").problem().isascii() is False


def test_the_audience_is_measured_with_the_environment_messages_are_rendered_with():
    environment = SandboxedEnvironment()
    environment.globals["link"] = lambda n: "https://pcrm.test/r/" + "x" * n * 40
    result = measure_audience(
        template="{{ name }}님 설문: {{ link(n) }}",
        values=[{"name": "김철수", "n": 1}, {"name": "김철수", "n": 2}],
        prices=Prices(sms=9, lms=30),
        environment=environment,
    )
    assert (result.sms, result.lms, result.cost) == (1, 1, 39)  # 75 bytes, then 115
