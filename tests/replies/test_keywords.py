"""Which replies ask to stop texts, whatever their spacing, case or width."""

import pytest

from pcrm.replies.keywords import is_opt_out


@pytest.mark.parametrize(
    "text",
    ["수신거부", "거부", "STOP", "stop", "Stop.", "수신 거부", "수신  거부!!", "그만", "그만!",
     "080", "０８０", "ＳＴＯＰ", "  거부  ", "문자 수신거부 합니다", "수신중지 해주세요",
     "이제 보내지 마세요", "Unsubscribe"],
)  # fmt: skip
def test_an_opt_out_is_recognised(text):
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    ["설문 링크가 안 열려요", "네 참여했습니다", "거부감 없이 잘 봤어요", "STOP 버튼이 어디죠?",
     "마을버스 배차 간격이 궁금합니다", ""],
)  # fmt: skip
def test_another_reply_is_not_an_opt_out(text):
    assert not is_opt_out(text)
