import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, create_user

pytestmark = pytest.mark.browser


def test_staff_sign_in_and_out_on_a_phone(phone_page):
    create_user("pr@example.kr")
    phone_page.goto("/")
    phone_page.get_by_label("이메일").fill("pr@example.kr")
    phone_page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    phone_page.get_by_role("button", name="로그인").click()
    expect(phone_page.get_by_role("heading", name="대시보드")).to_be_visible()
    phone_page.get_by_role("button", name="로그아웃").click()
    expect(phone_page.get_by_role("heading", name="직원 로그인")).to_be_visible()
