"""Demo segments: the audiences the PR office reaches for most often (once)."""

from sqlalchemy import func, select

from pcrm.extensions import db
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.models import Dong, Segment
from pcrm.subscribers.segments import save_segment

# The demo campaigns' audiences (pcrm/demo/campaigns.py).
POLICY_CUSTOMERS = "정책고객 전체"
EVERYONE = "전체 구독자"


def load_segments() -> None:
    """Add the demo segments when there are none yet."""
    if db.session.scalar(select(func.count()).select_from(Segment)):
        return
    majang = db.session.scalar(select(Dong.id).where(Dong.name_ko == "마장동"))
    demo = [
        (POLICY_CUSTOMERS, "여론조사 분야에 동의한 모든 구독자", Criteria(fields=("survey",))),
        # Information campaigns (the newsletter) narrow it by their field's consent.
        (EVERYONE, "모든 구독자: 캠페인의 분야에 동의한 사람만 받습니다", Criteria()),
        (
            "30-40대 여론조사 동의자",
            "30대와 40대 정책고객: 생활 밀착 정책 설문의 주 대상",
            Criteria(fields=("survey",), age_bands=("30s", "40s")),
        ),
        (
            "마장동 주민 (문자 연락 가능)",
            "마장동 개인 구독자 중 문자로 연락할 수 있는 사람",
            Criteria(kinds=("individual",), dong_ids=(majang,), channels=("sms",)),
        ),
    ]
    for name, description, criteria in demo:
        save_segment(None, name=name, description=description, criteria=criteria, user=None)
