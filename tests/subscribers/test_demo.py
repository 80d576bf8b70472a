import pytest

from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.subscribers.models import Segment

pytestmark = pytest.mark.usefixtures("app")


def test_demo_adds_the_saved_segments_once():
    load_demo(subscribers=50)
    load_demo(subscribers=50)
    names = set(db.session.scalars(db.select(Segment.name)))
    # the demo campaigns reach the first and the last (pcrm/demo/campaigns.py)
    assert {"정책고객 전체", "30-40대 여론조사 동의자", "전체 구독자"} <= names and len(names) == 4
