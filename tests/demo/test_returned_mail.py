"""The demo shows the returned mail left for a person."""

from pcrm.auth.models import Role
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.demo import load_demo
from pcrm.extensions import db


def test_the_demo_leaves_an_out_of_office_a_reply_and_an_unknown_bounce(app, client, sign_in):
    load_demo(subscribers=200, seed=7)
    load_demo(subscribers=200, seed=7)  # a second run adds nothing

    mailbox = db.select(InboundMail.state).where(InboundMail.source == "imap:INBOX")
    states = db.session.scalars(mailbox.order_by(InboundMail.id)).all()
    assert states == [InboundState.NOT_BOUNCE, InboundState.NOT_BOUNCE, InboundState.UNMATCHED]
    sign_in(Role.PR, email="reviewer@example.kr")
    page = client.get("/returned-mail/").get_data(as_text=True)
    assert "부재중 자동 응답" in page and "Re: 마을버스 노선 설문 참여 안내" in page
    assert "Undelivered Mail Returned to Sender" in page
