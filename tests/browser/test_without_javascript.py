"""Every residents' page can be completed on a phone with JavaScript turned off."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from pcrm.extensions import db
from pcrm.outbox.service import latest_sms, sms_dir
from pcrm.subscribers.models import AddressStatus, NoticeKind, Subscriber
from pcrm.subscribers.notices import owe_notice, token_for
from pcrm.subscribers.residents import NOTICE_VERSION
from pcrm.surveys.models import Answer, Choice, Response
from tests.subscribers.factories import create_subscriber
from tests.surveys.factories import create_bus_survey, create_invitation, publish

pytestmark = pytest.mark.browser


def test_sign_up_without_javascript(no_script_phone_page):
    page = no_script_phone_page
    page.goto("/join")
    page.get_by_role("button", name="신청하기").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()  # read first, by a screen reader too
    summary.get_by_role("link", name="이름 (사업자는 상호)").click()
    expect(page.get_by_label("이름 (사업자는 상호)")).to_be_focused()

    page.get_by_label("이름 (사업자는 상호)").fill("김민서")
    page.get_by_role("textbox", name="이메일", exact=True).fill("minseo@example.com")
    page.get_by_label("출생연도 (4자리)").fill("1985")
    page.get_by_label("사는 동").select_option(label="마장동")
    page.get_by_role("group", name="받고 싶은 소식 (관심분야)").get_by_label("여론조사").check()
    page.get_by_role("group", name="받는 방법").get_by_role("checkbox", name="이메일").check()
    page.get_by_label("위 개인정보 수집·이용 안내를 읽었으며 동의합니다 (필수)").check()
    page.get_by_role("button", name="신청하기").click()

    expect(page.get_by_role("heading", name="신청을 받았습니다")).to_be_visible()
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert subscriber.email == "minseo@example.com"
    assert subscriber.email_status is AddressStatus.PENDING


def test_sign_up_for_text_messages_and_confirm_the_code_without_javascript(no_script_phone_page):
    shutil.rmtree(sms_dir(), ignore_errors=True)
    page = no_script_phone_page
    page.goto("/join")
    page.get_by_label("이름 (사업자는 상호)").fill("김민서")
    page.get_by_label("휴대전화", exact=True).fill("010-1234-5678")
    page.get_by_label("사는 동").select_option(label="마장동")
    page.get_by_role("group", name="받고 싶은 소식 (관심분야)").get_by_label("여론조사").check()
    page.get_by_role("group", name="받는 방법").get_by_role("checkbox", name="문자").check()
    page.get_by_label("위 개인정보 수집·이용 안내를 읽었으며 동의합니다 (필수)").check()
    page.get_by_role("button", name="신청하기").click()

    expect(page.get_by_role("heading", name="휴대전화 번호 확인")).to_be_visible()
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert not subscriber.sms_opt_in
    (texted,), _count = latest_sms()
    page.get_by_label("인증번호 6자리").fill(re.search(r"\d{6}", texted["text"]).group())
    page.get_by_role("button", name="확인", exact=True).click()
    expect(page.get_by_role("heading", name="휴대전화 번호를 확인했습니다")).to_be_visible()
    db.session.expire_all()
    assert subscriber.sms_opt_in and subscriber.phone_status is AddressStatus.VALID


def test_confirm_email_without_javascript(no_script_phone_page):
    subscriber = create_subscriber(email_status=AddressStatus.PENDING)
    notice = owe_notice(subscriber, NoticeKind.CONFIRM_EMAIL, NOTICE_VERSION)
    db.session.commit()
    page = no_script_phone_page
    page.goto(f"/join/confirm/{token_for(notice)}")
    page.get_by_role("button", name="이메일 수신에 동의합니다").click()
    expect(page.get_by_role("heading", name="확인되었습니다")).to_be_visible()
    db.session.expire_all()
    assert subscriber.email_status is AddressStatus.VALID


def test_survey_answered_without_javascript(no_script_phone_page):
    survey = publish(create_bus_survey())
    token = create_invitation(survey).token
    page = no_script_phone_page
    page.goto(f"/s/{token}")
    routes = page.get_by_role("group", name="주로 이용하는 노선을 고르세요.")
    expect(routes).to_be_visible()  # without script the follow-up stays on the page, with a note
    expect(routes.get_by_text("'예'라고 답한 경우에만")).to_be_visible()
    page.get_by_role("button", name="다음").click()
    expect(page.get_by_role("alert").get_by_text("이 질문에 답해 주세요")).to_be_visible()

    page.get_by_label("예", exact=True).check()
    routes.get_by_label("성동02").check()
    page.get_by_role("button", name="다음").click()
    expect(page.get_by_text("2 / 2 쪽")).to_be_visible()
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="제출").click()

    expect(page.get_by_text("응답해 주셔서 감사합니다")).to_be_visible()
    response = db.session.scalars(db.select(Response)).one()
    chosen = db.select(Choice.label).join(Answer, Answer.choice_id == Choice.id)
    assert sorted(db.session.scalars(chosen)) == ["성동02", "예"]
    assert [a.number for a in response.answers if a.number is not None] == [4]


def test_preferences_without_javascript(no_script_phone_page):
    subscriber = create_subscriber(fields={"survey", "culture"})
    message = create_invitation(None, subscriber)
    page = no_script_phone_page
    page.goto(f"/p/{message.token}")
    page.get_by_role("group", name="받고 싶은 소식").get_by_label("문화공연").uncheck()
    page.get_by_role("button", name="저장").click()
    assert page.get_by_role("status").inner_text() == "수신 설정을 저장했습니다."
    db.session.expire_all()
    assert {f.code for f in subscriber.interests} == {"survey"}

    page.goto("/preferences")
    page.get_by_label("이메일").fill("minseo@example.com")
    page.get_by_role("button", name="링크 보내기").click()
    expect(page.get_by_role("heading", name="메일을 확인해 주세요")).to_be_visible()


def test_unsubscribe_without_javascript(no_script_phone_page):
    subscriber = create_subscriber()
    message = create_invitation(None, subscriber)
    page = no_script_phone_page
    page.goto(f"/u/{message.token}")
    page.get_by_label("성동구청의 모든 메일과 문자").check()
    page.get_by_role("button", name="수신거부").click()
    expect(page.get_by_role("status")).to_be_visible()
    db.session.expire_all()
    assert not subscriber.email_opt_in and not subscriber.sms_opt_in
