from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message
from pcrm.messaging.service import record_response
from pcrm.subscribers.models import ConsentEvent, ConsentSource
from tests.campaigns.factories import due_campaign

BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)


@pytest.fixture
def message(app):
    """A message sent a minute ago to a subscriber of the opinion-survey field."""
    due_campaign(1)
    launch_due_campaigns()
    db.session.execute(
        update(Message).values(status="sent", sent_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    return db.session.scalar(select(Message))


def _events(kind):
    return db.session.scalars(select(Event).where(Event.kind == kind)).all()


def test_an_open_by_a_person_is_a_human_open(client, message):
    response = client.get(f"/o/{message.token}.gif", headers={"User-Agent": BROWSER})
    assert response.status_code == 200 and response.mimetype == "image/gif"
    assert "no-store" in response.headers["Cache-Control"]
    db.session.refresh(message)
    assert message.opened_at is not None
    assert [e.machine for e in _events(EventKind.OPEN)] == [False]


@pytest.mark.parametrize(
    ("agent", "headers"),
    [
        ("Mozilla/5.0", {}),  # Apple Mail Privacy Protection
        (
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
            "(via ggpht.com GoogleImageProxy)",
            {},
        ),
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", {}),
        (BROWSER, {"Sec-Purpose": "prefetch"}),
        ("", {}),
    ],
)
def test_proxies_scanners_and_prefetches_are_machine_opens(client, message, agent, headers):
    client.get(f"/o/{message.token}.gif", headers={"User-Agent": agent, **headers})
    db.session.refresh(message)
    assert message.opened_at is None
    assert [e.machine for e in _events(EventKind.OPEN)] == [True]


def test_an_open_seconds_after_sending_is_a_machine_open(client, message):
    message.sent_at = utcnow() - timedelta(seconds=2)
    db.session.commit()
    client.get(f"/o/{message.token}.gif", headers={"User-Agent": BROWSER})
    assert [e.machine for e in _events(EventKind.OPEN)] == [True]


def test_the_survey_link_records_the_click_and_opens_the_survey(client, message):
    response = client.get(f"/c/{message.token}/0", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://pcrm.test/s/{message.token}"
    db.session.refresh(message)
    assert message.clicked_at is not None and message.opened_at is not None
    assert [(e.link_id, e.machine) for e in _events(EventKind.CLICK)] == [(0, False)]


def test_a_link_of_the_body_redirects_to_its_own_target_only(client, message):
    response = client.get(f"/c/{message.token}/1", headers={"User-Agent": BROWSER})
    assert response.headers["Location"] == "https://www.sd.go.kr/bus"
    assert client.get(f"/c/{message.token}/2").status_code == 404
    assert client.get(f"/c/{message.token}/1?url=https://evil.example").headers["Location"] == (
        "https://www.sd.go.kr/bus"
    )
    assert client.get("/c/not-a-real-token-at-all/1").status_code == 404
    assert client.get("/o/not-a-real-token.gif").status_code == 404
    assert len(_events(EventKind.CLICK)) == 2


def test_answering_is_a_response_event(message):
    record_response(message)
    record_response(message)
    db.session.commit()
    assert message.responded_at is not None and len(_events(EventKind.RESPONSE)) == 1


def test_get_on_the_unsubscribe_links_shows_choices_and_changes_nothing(client, message):
    for path in (f"/u/{message.token}", f"/u/{message.token}/one-click"):
        page = client.get(path)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "「여론조사」 분야의 안내 (메일과 문자 모두)" in html
        assert "메일을 받으셨습니다" in html and f"http://pcrm.test/p/{message.token}" in html
    db.session.refresh(message.subscriber)
    assert {i.code for i in message.subscriber.interests} == {"survey"}
    assert db.session.scalars(select(ConsentEvent)).all() == []


def test_head_on_the_one_click_link_changes_nothing(client, message):
    response = client.head(f"/u/{message.token}/one-click")
    assert response.status_code == 200
    db.session.refresh(message.subscriber)
    assert {i.code for i in message.subscriber.interests} == {"survey"}
    assert db.session.scalars(select(ConsentEvent)).all() == []


def test_the_unsubscribe_page_applies_the_choice(client, message, csrf_token):
    token = csrf_token(f"/u/{message.token}")
    page = client.post(f"/u/{message.token}", data={"scope": "all", "csrf_token": token})
    assert page.status_code == 200 and "처리했습니다" in page.get_data(as_text=True)
    subscriber = message.subscriber
    db.session.refresh(subscriber)
    assert subscriber.email_opt_in is False
    assert subscriber.interests == []  # "all" is the subscribers' unsubscribe_all: every field too
    entries = db.session.scalars(select(ConsentEvent)).all()
    assert {(e.channel, e.field_code) for e in entries} == {("email", None), (None, "survey")}
    assert {(e.source, e.granted) for e in entries} == {(ConsentSource.UNSUBSCRIBE_LINK, False)}


def test_the_unsubscribe_page_needs_its_csrf_token(client, message):
    client.post(f"/u/{message.token}", data={"scope": "all"})
    assert db.session.scalars(select(ConsentEvent)).all() == []


def test_one_click_post_unsubscribes_without_cookies_or_token(app, message):
    client = app.test_client(use_cookies=False)
    response = client.post(
        f"/u/{message.token}/one-click",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    subscriber = message.subscriber
    db.session.refresh(subscriber)
    assert "survey" not in {i.code for i in subscriber.interests}
    entry = db.session.scalar(select(ConsentEvent))
    assert entry.source is ConsentSource.ONE_CLICK and entry.field_code == "survey"
    db.session.refresh(message)
    assert message.unsubscribed_at is not None and len(_events(EventKind.UNSUBSCRIBE)) == 1
    client.post(f"/u/{message.token}/one-click", data={"List-Unsubscribe": "One-Click"})
    assert len(db.session.scalars(select(ConsentEvent)).all()) == 1  # a retry records nothing new


def test_one_click_needs_its_body(app, message):
    client = app.test_client(use_cookies=False)
    assert client.post(f"/u/{message.token}/one-click").status_code == 400
    assert db.session.scalars(select(ConsentEvent)).all() == []
