import pytest
from playwright.sync_api import expect

from pcrm.extensions import db
from pcrm.subscribers.models import Subscriber
from tests.subscribers.factories import create_subscriber
from tests.surveys.factories import create_invitation

pytestmark = pytest.mark.browser


def test_stopping_everything_asks_first(phone_page, app):
    with app.app_context():
        subscriber = create_subscriber(fields={"survey"})
        token, subscriber_id = create_invitation(None, subscriber).token, subscriber.id
    page = phone_page
    page.goto(f"/p/{token}")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="모두 수신 거부").click()
    expect(page.get_by_role("button", name="모두 수신 거부")).to_be_visible()
    assert questions and "더 이상 받지 않습니다" in questions[0]
    with app.app_context():
        assert db.session.get(Subscriber, subscriber_id).email_opt_in  # dismissed: nothing changed

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="모두 수신 거부").click()
    expect(page.get_by_text("모든 소식 받기를 중단했습니다")).to_be_visible()
