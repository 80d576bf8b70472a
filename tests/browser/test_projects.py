import pytest
from playwright.sync_api import expect

from pcrm.auth.models import Role
from tests.factories import PASSWORD, create_department, create_user

pytestmark = pytest.mark.browser


def test_department_staff_create_a_project_on_a_phone(phone_page):
    transport = create_department("교통행정과")
    create_user("bus@example.kr", Role.DEPARTMENT, transport)
    phone_page.goto("/projects/new")
    phone_page.get_by_label("이메일").fill("bus@example.kr")
    phone_page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    phone_page.get_by_role("button", name="로그인").click()

    phone_page.get_by_role("button", name="저장").click()  # nothing filled in
    summary = phone_page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="입력 내용을 확인해 주세요")).to_be_visible()
    name = phone_page.get_by_label("사업 이름(한국어)")
    assert name.get_attribute("aria-invalid") == "true"

    name.fill("심야 마을버스")
    phone_page.get_by_label("설명").fill("막차 시간 연장")
    phone_page.get_by_role("button", name="저장").click()
    expect(phone_page.get_by_role("heading", name="심야 마을버스")).to_be_visible()
    created = "사업 “심야 마을버스”을(를) 만들었습니다."
    assert phone_page.get_by_role("status").inner_text() == created
