"""SMS short links /r/<code>: created with an SMS campaign's messages, resolved to the message's
survey or opt-out page with the click recorded, unknown codes refused and rate-limited."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import CampaignKind
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging import shortlinks
from pcrm.messaging.models import Event, EventKind, Message, ShortLink, ShortTarget
from pcrm.messaging.shortlinks import create_short_links, short_url
from pcrm.subscribers.models import AddressStatus, Channel, ConsentEvent
from tests.campaigns.factories import due_campaign

BROWSER = "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 Chrome/131 Mobile"
CODE = re.compile(r"[2-9A-HJ-NP-Za-km-z]{11}")  # no 0/O, 1/l/I


def _sms_campaign(recipients: int = 3, **kwargs):
    """A due SMS campaign to `recipients` subscribers with a valid phone and SMS consent."""
    campaign, people = due_campaign(recipients, channel=Channel.SMS, **kwargs)
    for n, person in enumerate(people):
        person.phone, person.phone_status = f"+8210555{n:05d}", AddressStatus.VALID
        person.sms_opt_in, person.sms_consented_at = True, utcnow() - timedelta(days=30)
    db.session.commit()
    launch_due_campaigns()
    db.session.execute(
        update(Message).values(status="sent", sent_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    return campaign


@pytest.fixture
def message(app):
    """A survey invitation sent by SMS a minute ago."""
    _sms_campaign(1)
    return db.session.scalar(select(Message))


def _code(message: Message, target: ShortTarget) -> str:
    return next(link.code for link in message.short_links if link.target is target)


def _messages_of(campaign) -> list[Message]:
    return db.session.scalars(select(Message).where(Message.campaign_id == campaign.id)).all()


def _clicks() -> list[tuple[int, bool]]:
    events = db.session.scalars(select(Event).where(Event.kind == EventKind.CLICK))
    return [(e.link_id, e.machine) for e in events]


def test_an_sms_survey_campaign_gets_a_survey_and_an_opt_out_code_per_message(app):
    campaign = _sms_campaign(4)
    links = db.session.scalars(select(ShortLink)).all()
    assert sorted((link.message_id, link.target.value) for link in links) == sorted(
        (m.id, target) for m in _messages_of(campaign) for target in ("survey", "unsubscribe")
    )
    assert len({link.code for link in links}) == 8
    assert all(CODE.fullmatch(link.code) for link in links)
    assert create_short_links(campaign_id=campaign.id, wave=0, targets=tuple(ShortTarget)) == 0


def test_an_information_sms_links_only_to_its_opt_out(app):
    _sms_campaign(2, kind=CampaignKind.INFORMATION, field_code="survey")
    links = db.session.scalars(select(ShortLink)).all()
    assert len(links) == 2 and {link.target for link in links} == {ShortTarget.UNSUBSCRIBE}


def test_an_e_mail_campaign_gets_no_codes(app):
    due_campaign(2)
    launch_due_campaigns()
    assert len(db.session.scalars(select(Message)).all()) == 2
    assert db.session.scalars(select(ShortLink)).all() == []


def test_codes_are_drawn_uniformly_from_the_unambiguous_alphabet():
    codes = set(shortlinks.new_codes(20_000)) | {shortlinks.new_code() for _ in range(100)}
    assert len(codes) == 20_100 and all(CODE.fullmatch(code) for code in codes)
    assert set("".join(codes)) == set(shortlinks.ALPHABET)
    # Uniform: each character's share is 1/57 (about 3,860 of 220,000), far from the edges
    # a bias toward the first characters (bytes 228..255 kept) would show.
    counts = Counter("".join(codes))
    assert max(counts.values()) - min(counts.values()) < 600
    assert len(shortlinks.ALPHABET) ** shortlinks.CODE_LENGTH >= 2**58


def test_a_code_drawn_twice_is_drawn_again(app, message, monkeypatch):
    taken = _code(message, ShortTarget.SURVEY)
    draws = iter([[taken], ["Zz23456789A"]])
    monkeypatch.setattr(shortlinks, "new_codes", lambda count: next(draws))
    db.session.execute(ShortLink.__table__.delete().where(ShortLink.target == "unsubscribe"))
    added = create_short_links(
        campaign_id=message.campaign_id, wave=0, targets=(ShortTarget.UNSUBSCRIBE,)
    )
    db.session.commit()
    assert added == 1
    db.session.refresh(message)
    assert _code(message, ShortTarget.UNSUBSCRIBE) == "Zz23456789A"
    assert _code(message, ShortTarget.SURVEY) == taken


def test_the_builder_makes_the_link_on_the_service_s_own_domain(app, message):
    url = short_url(message, ShortTarget.SURVEY)
    assert url == f"http://pcrm.test/r/{_code(message, ShortTarget.SURVEY)}"
    assert len(url.rpartition("/")[2]) == 11


def test_the_builder_refuses_a_link_the_message_does_not_have(app):
    _sms_campaign(1, kind=CampaignKind.INFORMATION, field_code="survey")
    with pytest.raises(LookupError):
        short_url(db.session.scalar(select(Message)), ShortTarget.SURVEY)


def test_the_survey_short_link_records_the_click_and_opens_the_survey(client, message):
    response = client.get(
        f"/r/{_code(message, ShortTarget.SURVEY)}", headers={"User-Agent": BROWSER}
    )
    assert response.status_code == 302 and "no-store" in response.headers["Cache-Control"]
    assert response.headers["Location"] == f"http://pcrm.test/s/{message.token}"
    assert _clicks() == [(0, False)]  # the same click as the e-mail's survey link
    db.session.refresh(message)
    assert message.clicked_at is not None and message.opened_at is not None
    survey = client.get(f"/s/{message.token}")
    assert survey.status_code == 200 and message.campaign.survey.title in survey.get_data(True)


def test_the_opt_out_short_link_leads_to_the_unsubscribe_page(client, message):
    response = client.get(
        f"/r/{_code(message, ShortTarget.UNSUBSCRIBE)}", headers={"User-Agent": BROWSER}
    )
    assert response.headers["Location"] == f"http://pcrm.test/u/{message.token}"
    assert _clicks() == [(-1, False)]
    db.session.refresh(message)
    assert message.opened_at is not None and message.clicked_at is None  # leaving, not taking part
    page = client.get(f"/u/{message.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"「{message.campaign.name}」 문자를 받으셨습니다" in html
    assert db.session.scalars(select(ConsentEvent)).all() == []  # the page alone changes nothing


def test_a_link_preview_is_a_machine_click(client, message):
    client.get(f"/r/{_code(message, ShortTarget.SURVEY)}", headers={"User-Agent": "WhatsApp/2.23"})
    assert _clicks() == [(0, True)]
    db.session.refresh(message)
    assert message.clicked_at is None


def test_head_redirects_and_records_nothing(client, message):
    response = client.head(
        f"/r/{_code(message, ShortTarget.SURVEY)}", headers={"User-Agent": BROWSER}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://pcrm.test/s/{message.token}"
    assert _clicks() == []
    db.session.refresh(message)
    assert message.opened_at is None and message.clicked_at is None


@pytest.mark.parametrize(
    "code",
    [
        "Zz23456789A",  # well formed, not issued
        "Zz23456789",  # too short
        "Zz23456789AB",  # too long
        "Zz2345678O0",  # letters outside the alphabet
        "zz23456789l",
        "홍길동홍길동홍길동홍길",
        "%27%20OR%201=1--",
    ],
)
def test_an_unknown_or_malformed_code_is_a_plain_404_and_records_nothing(client, message, code):
    response = client.get(f"/r/{code}", headers={"User-Agent": BROWSER})
    assert response.status_code == 404
    assert "찾을 수 없습니다" in response.get_data(as_text=True)
    assert _clicks() == []


def test_a_code_is_its_own_message_s_only(client, app):
    _sms_campaign(2)
    first, second = db.session.scalars(select(Message).order_by(Message.id)).all()
    response = client.get(
        f"/r/{_code(second, ShortTarget.SURVEY)}", headers={"User-Agent": BROWSER}
    )
    assert response.headers["Location"] == f"http://pcrm.test/s/{second.token}"
    db.session.refresh(first)
    assert first.clicked_at is None


def test_unknown_codes_are_limited_per_address_and_real_links_never_count(
    client, app, message, monkeypatch
):
    monkeypatch.setitem(app.config, "SHORT_LINK_RATE_LIMIT", "3 per hour")
    real = f"/r/{_code(message, ShortTarget.SURVEY)}"
    for _ in range(5):
        assert client.get(real, headers={"User-Agent": BROWSER}).status_code == 302
    for n in range(3):
        assert client.get(f"/r/Zz2345678{n}A").status_code == 404
    refused = client.get("/r/Zz23456789A")
    assert refused.status_code == 429 and "요청이 너무 많습니다" in refused.get_data(True)
    assert client.get(real).status_code == 429
    assert client.get(real, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302
