"""`pcrm sms measure [--json] TEXT...`."""

import json


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
    texts = ["똠햏뷁 ABC 123", "설문\u00a0안내 ❤", "a" * 91, "가" * 1001]
    result = runner.invoke(args=["sms", "measure", "--json", *texts])
    assert result.exit_code == 1
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert objects[0] == {"text": "똠햏뷁 ABC 123", "bytes": 14, "type": "sms", "refused": []}
    assert objects[1] == {
        "text": "설문\u00a0안내 ❤",
        "bytes": None,
        "type": "refused",
        "refused": [
            {"position": 3, "char": "\u00a0", "name": "NO-BREAK SPACE", "replacement": " "},
            {"position": 7, "char": "❤", "name": "HEAVY BLACK HEART", "replacement": "♥"},
        ],
    }
    assert objects[2] == {"text": "a" * 91, "bytes": 91, "type": "lms", "refused": []}
    assert objects[3] == {"text": "가" * 1001, "bytes": 2002, "type": "refused", "refused": []}


def test_measure_needs_a_text(runner):
    result = runner.invoke(args=["sms", "measure", "--json"])
    assert result.exit_code == 2 and "TEXT" in result.output
