"""A resident's message from the public form to its answer on their status page, with staff
triaging, answering and approving it in the browser in between."""

import re

import pytest
from playwright.sync_api import expect

from pcrm.extensions import db
from pcrm.voice.models import VoiceItem, VoiceStatus
from tests.factories import create_department

pytestmark = pytest.mark.browser


def test_a_message_goes_from_the_public_form_to_its_answer(
    no_script_phone_page, phone_page, staff_page, assert_accessible
):
    create_department("도로과", "Roads")
    resident = no_script_phone_page  # the form and the status page need no script
    resident.goto("/voice")
    resident.get_by_role("button", name="보내기").click()  # empty: errors, nothing lost
    expect(resident.get_by_role("alert")).to_contain_text("입력 내용을 확인해 주세요")
    resident.get_by_label("보내실 의견·질문·불편 사항").fill("마장동 골목 가로등이 꺼져 있어요.")
    resident.get_by_label("관련 동 (선택)").select_option(label="마장동")
    resident.get_by_role("button", name="보내기").click()
    expect(resident.get_by_role("status")).to_contain_text("접수되었습니다")
    status_url = resident.url
    assert re.search(r"/v/[\w-]{24}$", status_url)

    item = db.session.scalars(db.select(VoiceItem)).one()
    staff = staff_page
    staff.goto("/inbox")
    staff.get_by_role("link", name=item.number).click()
    staff.get_by_label("부서", exact=True).select_option(label="도로과")
    staff.get_by_role("button", name="배정").click()
    expect(staff.get_by_role("status")).to_contain_text("부서에 배정했습니다")
    staff.get_by_label("처리 결과").select_option(label="해결")
    staff.get_by_label("주민에게 보낼 답변").fill("12월 1일에 가로등을 고쳤습니다.")
    staff.get_by_role("button", name="결재 요청").click()
    expect(staff.get_by_role("status")).to_contain_text("결재를 요청했습니다")
    staff.get_by_role("button", name="승인하고 답변 보내기").click()
    expect(staff.get_by_role("status")).to_contain_text("승인했습니다")
    db.session.refresh(item)
    assert item.status is VoiceStatus.DONE

    resident.goto(status_url)
    expect(resident.get_by_role("heading", name="처리 결과")).to_be_visible()
    expect(resident.get_by_text("12월 1일에 가로등을 고쳤습니다.")).to_be_visible()
    expect(resident.locator(".step-current")).to_contain_text("완료")
    resident.get_by_label("덧글").fill("고맙습니다.")
    resident.get_by_role("button", name="덧글 남기기").click()
    expect(resident.get_by_text("고맙습니다.")).to_be_visible()
    assert_accessible(phone_page, ("/voice", status_url, "/cases"))
    staff_pages = ("/inbox", f"/inbox/{item.id}", f"/inbox/{item.id}/case", "/inbox/new")
    staff_pages += ("/inbox/report?by=department",)
    assert_accessible(staff, staff_pages)
