"""`pcrm sms measure [--json] TEXT...`."""

import json

import pytest


def test_measure_prints_one_line_in_words_per_text(runner):
    result = runner.invoke(args=["sms", "measure", "성동구청 설문 안내", "가" * 46, "줄\n바꿈"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        '"성동구청 설문 안내": SMS, 18/90바이트',
        f'"{"가" * 46}": LMS, 92/2,000바이트',
        '"줄\\n바꿈": SMS, 7/90바이트',
    ]


def test_measure_names_what_cannot_be_sent_and_fails(runner):
    result = runner.invoke(args=["sms", "measure", "설문 – 참여😀", "a" * 2001])
    assert result.exit_code == 1
    dash, too_long = result.output.splitlines()
    assert "4번째 글자 '–'(EN DASH): '-'(으)로 바꾸세요" in dash
    assert "8번째 글자 '😀'(GRINNING FACE)" in dash
    assert "2,000바이트(LMS)까지" in too_long and "2,001바이트" in too_long


def test_measure_json_gives_one_object_per_text(runner):
    texts = ["똠햏뷁 ABC 123", "설문\u00a0안내 ❤❤", "a" * 91, "가" * 1001]
    result = runner.invoke(args=["sms", "measure", "--json", *texts])
    assert result.exit_code == 1
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert objects == [
        {"text": "똠햏뷁 ABC 123", "bytes": 14, "type": "sms", "refused": []},
        {"text": "설문\u00a0안내 ❤❤", "bytes": None, "type": "refused", "refused": ["\u00a0", "❤"]},
        {"text": "a" * 91, "bytes": 91, "type": "lms", "refused": []},
        {"text": "가" * 1001, "bytes": None, "type": "refused", "refused": []},
    ]


# The issue's list: mixed Hangul, Latin and digits; rare syllables CP949 has and EUC-KR does
# not (2 bytes each as providers count, never 8); emoji, en dash, no-break space.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("성동구 Survey 2026 설문", (23, "sms", [])),
        ("똠햏갂", (6, "sms", [])),
        ("갂" * 45, (90, "sms", [])),
        ("갂" * 45 + "1", (91, "lms", [])),
        ("설문 참여 감사합니다😀", (None, "refused", ["😀"])),
        ("9–10월 설문", (None, "refused", ["–"])),
        ("성동구\u00a0설문", (None, "refused", ["\u00a0"])),
        ("😀 – \u00a0 똠", (None, "refused", ["😀", "–", "\u00a0"])),
        ("가" * 1000, (2000, "lms", [])),
        ("가" * 1000 + "a", (None, "refused", [])),
    ],
)
def test_measure_json_follows_the_contract_on_the_issue_s_cases(runner, text, expected):
    result = runner.invoke(args=["sms", "measure", "--json", text])
    (line,) = result.output.splitlines()
    measured = json.loads(line)
    assert list(measured) == ["text", "bytes", "type", "refused"]
    assert measured["text"] == text
    assert (measured["bytes"], measured["type"], measured["refused"]) == expected
    assert result.exit_code == (1 if expected[1] == "refused" else 0)


def test_measure_lines_name_each_refused_character_and_its_stand_in(runner):
    result = runner.invoke(args=["sms", "measure", "9–10월\u00a0설문😀", "똠햏갂 ABC 123"])
    refused, fine = result.output.splitlines()
    assert "2번째 글자 '–'(EN DASH): '-'(으)로 바꾸세요" in refused
    assert "6번째 글자 '\\xa0'(NO-BREAK SPACE): ' '(으)로 바꾸세요" in refused
    assert "9번째 글자 '😀'(GRINNING FACE)" in refused
    assert fine == '"똠햏갂 ABC 123": SMS, 14/90바이트'


def test_measure_needs_a_text(runner):
    result = runner.invoke(args=["sms", "measure", "--json"])
    assert result.exit_code == 2 and "TEXT" in result.output
