"""The demo shows the clean-up worklist in use."""

from sqlalchemy import select

from pcrm.bounces.models import AddressReview, ReviewReason, ReviewState
from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.messaging.service import is_suppressed
from pcrm.subscribers.models import Channel


def test_the_demo_has_hard_and_soft_bounces_a_complaint_and_a_dead_phone(app, client, sign_in):
    load_demo(subscribers=3000, seed=7)
    rows = db.session.scalars(select(AddressReview)).all()
    reasons = {(r.channel, r.state, r.reason) for r in rows}
    S = ReviewState.SUPPRESSED
    assert (Channel.EMAIL, S, ReviewReason.HARD_BOUNCE) in reasons
    assert (Channel.EMAIL, S, ReviewReason.SOFT_BOUNCES) in reasons
    assert (Channel.EMAIL, S, ReviewReason.COMPLAINT) in reasons
    assert (Channel.EMAIL, ReviewState.BOUNCING, None) in reasons
    assert (Channel.SMS, S, ReviewReason.HARD_BOUNCE) in reasons
    assert all(is_suppressed(r.channel, r.address) for r in rows if r.state is S)
    before = len(rows)
    load_demo(subscribers=3000, seed=7)
    assert len(db.session.scalars(select(AddressReview)).all()) == before

    sign_in()
    page = client.get("/bounces/").get_data(as_text=True)
    assert "원본 메일" in page and "서면 신청서" in page and "마을버스 이용 만족도 조사" in page
