"""The opt-out page an SMS's short link leads to speaks of texts, names the campaign's field,
and stops what the resident chose: texts only (the default), the field, or everything."""

import html
import re

import pytest
from sqlalchemy import select

from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers.models import Channel, ConsentEvent, ConsentSource
from tests.tracking.test_short_links import _sms_campaign


@pytest.fixture
def text(app) -> Message:
    """A survey invitation sent by SMS to someone who also takes e-mail."""
    _sms_campaign(1)
    message = db.session.scalar(select(Message))
    assert message.channel is Channel.SMS and message.subscriber.email_opt_in
    return message


def _choices(page) -> list[tuple[str, str, bool]]:
    """(value, label, checked) of each choice on the page."""
    found = re.findall(
        r'<input([^>]*name="scope"[^>]*)>\s*<label[^>]*>([^<]*)</label>', page.get_data(True)
    )
    return [
        (re.search(r'value="([^"]*)"', attrs).group(1), html.unescape(label), "checked" in attrs)
        for attrs, label in found
    ]


def test_the_page_speaks_of_texts_and_names_the_field(client, text):
    page = client.get(f"/u/{text.token}")
    assert page.status_code == 200
    assert f"「{text.campaign.name}」 문자를 받으셨습니다" in page.get_data(True)
    assert _choices(page) == [
        ("channel", "성동구청의 모든 문자 (메일은 계속 받습니다)", True),
        ("field", "「여론조사」 분야의 안내 (메일과 문자 모두)", False),
        ("all", "성동구청의 모든 메일과 문자", False),
    ]
    assert "이 분야의 메일만" not in page.get_data(True)


def test_stopping_texts_revokes_sms_consent_only_in_the_ledger(client, text, csrf_token):
    token = csrf_token(f"/u/{text.token}")
    page = client.post(f"/u/{text.token}", data={"scope": "channel", "csrf_token": token})
    assert page.status_code == 200 and "이제 문자를 보내지 않습니다" in page.get_data(True)
    subscriber = text.subscriber
    db.session.refresh(subscriber)
    assert (subscriber.sms_opt_in, subscriber.email_opt_in) == (False, True)
    assert {field.code for field in subscriber.interests} == {"survey"}
    (entry,) = db.session.scalars(select(ConsentEvent)).all()
    assert (entry.channel, entry.field_code, entry.granted) == (Channel.SMS, None, False)
    assert entry.source is ConsentSource.UNSUBSCRIBE_LINK
    db.session.refresh(text)
    assert text.unsubscribed_at is not None  # reminders of the campaign skip them


def test_stopping_the_field_keeps_the_channels(client, text, csrf_token):
    token = csrf_token(f"/u/{text.token}")
    client.post(f"/u/{text.token}", data={"scope": "field", "csrf_token": token})
    subscriber = text.subscriber
    db.session.refresh(subscriber)
    assert subscriber.interests == [] and subscriber.sms_opt_in and subscriber.email_opt_in


def test_a_choice_that_is_not_offered_is_refused_and_changes_nothing(client, text, csrf_token):
    token = csrf_token(f"/u/{text.token}")
    page = client.post(f"/u/{text.token}", data={"scope": "fax", "csrf_token": token})
    assert "처리했습니다" not in page.get_data(True)
    assert db.session.scalars(select(ConsentEvent)).all() == []
