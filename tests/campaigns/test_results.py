import pytest

from pcrm.campaigns.results import readable_reason
from pcrm.messaging.models import Message, MessageStatus

SOFT, HARD = MessageStatus.BOUNCED_SOFT, MessageStatus.BOUNCED_HARD


@pytest.mark.parametrize(
    ("status", "code", "error", "said"),
    [
        (SOFT, 452, "4.2.2 Mailbox full, try again later", "가득 찼습니다 (일시적)"),
        (HARD, 550, "5.1.10 Recipient address rejected", "도메인이 메일을 받지 않음"),
        (HARD, 550, "5.1.1 User unknown", "신청서와 대조해"),
        (HARD, 554, "rejected", "영구적으로 거부했습니다: rejected"),
    ],
)  # fmt: skip
def test_a_refusal_is_read_by_its_exact_status_code(app, status, code, error, said):
    message = Message(status=status, smtp_code=code, last_error=error)
    assert said in readable_reason(message)
