"""The demo's returned mail: every kind, through the one ingest path, once."""

from pcrm.bounces.models import InboundMail, InboundState
from pcrm.demo import load_demo
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.service import is_suppressed


def test_the_demo_shows_bounces_a_complaint_and_replies_once(app):
    load_demo(subscribers=400, seed=7)
    load_demo(subscribers=400, seed=7)
    rows = db.session.scalars(db.select(InboundMail).order_by(InboundMail.id)).all()
    assert [row.kind.value for row in rows] == [
        "hard", "hard", "soft", "soft", "complaint", "none", "none",
    ]  # fmt: skip
    assert [row.state for row in rows].count(InboundState.APPLIED) == 5
    hard = [row.message for row in rows[:2]]
    assert all(m.status is MessageStatus.BOUNCED_HARD for m in hard)
    assert all(is_suppressed("email", m.address) for m in hard)
    assert rows[2].message.status is MessageStatus.BOUNCED_SOFT
    assert not is_suppressed("email", rows[2].message.address)
    untouched = db.session.scalars(
        db.select(Message).where(Message.id.in_([r.message_id for r in rows if r.message_id]))
    )
    assert all(m.responded_at is None and m.opened_at is None for m in untouched)
