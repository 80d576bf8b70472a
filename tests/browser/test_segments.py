import pytest
from playwright.sync_api import expect

from tests.subscribers.factories import create_subscriber

pytestmark = pytest.mark.browser


def test_the_segment_count_follows_the_choices_as_they_change(staff_page, app):
    with app.app_context():
        create_subscriber("설문참여자", email="a@example.com", phone=None, fields={"survey"})
        create_subscriber("문화애호가", email="b@example.com", phone=None, fields={"culture"})
    page = staff_page
    page.goto("/segments/new")
    count = page.locator(".live-count")
    expect(count).to_have_text("지금 2명 (이메일 2명 · 문자 0명 · 연락 불가 0명)")
    page.get_by_role("group", name="관심분야", exact=True).get_by_label("여론조사").check()
    expect(count).to_have_text("지금 1명 (이메일 1명 · 문자 0명 · 연락 불가 0명)")
