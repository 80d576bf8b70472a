import pytest
from playwright.sync_api import expect

from pcrm.extensions import db
from pcrm.subscribers.models import AddressStatus, Subscriber

pytestmark = pytest.mark.browser


def test_a_resident_signs_up_on_a_phone(phone_page):
    page = phone_page
    page.goto("/join")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="신청하기").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("입력 내용을 확인해 주세요")

    page.get_by_label("이름 (사업자는 상호)").fill("김민서")
    page.get_by_role("textbox", name="이메일", exact=True).fill("minseo@example.com")
    page.get_by_label("휴대전화", exact=True).fill("010-1234-5678")
    page.get_by_label("출생연도 (4자리)").fill("1985")
    page.get_by_label("사는 동").select_option(label="마장동")
    page.get_by_role("group", name="받고 싶은 소식 (관심분야)").get_by_label("여론조사").check()
    page.get_by_role("group", name="받는 방법").get_by_role("checkbox", name="이메일").check()
    page.get_by_role("group", name="받는 방법").get_by_role("checkbox", name="문자(SMS)").check()
    page.get_by_label("위 개인정보 수집·이용 안내를 읽었으며 동의합니다 (필수)").check()
    page.get_by_role("button", name="신청하기").click()

    expect(page.get_by_role("heading", name="휴대전화 번호 확인")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert subscriber.phone == "+821012345678" and subscriber.phone_status is AddressStatus.PENDING
    assert subscriber.email_status is AddressStatus.PENDING and not subscriber.sms_opt_in
