"""The SMS text editor of the campaign form: the live byte counter in Chromium counts exactly
as the server does, names what cannot be sent and replaces it only when asked; without
JavaScript the server measures the text on submit."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select

from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.messaging.sms_text import measure
from pcrm.projects.models import Project
from pcrm.subscribers.models import Segment, subscriber_interest
from tests.browser.conftest import _open_page
from tests.campaigns.factories import create_campaign, create_segment, create_texters
from tests.factories import PASSWORD, create_department, create_project, create_user

pytestmark = pytest.mark.browser

SAMPLES = [
    "성동구청 설문에 참여해 주세요",
    "Survey 2026: 3분이면 끝납니다!",
    "똠햏뷁 쀍 뙇 ABC 123",  # rare syllables: two bytes each, as providers count
    "“설문” ‘안내’ … · ★ → ① ☎",  # all in CP949
    "설문 – 참여 — 부탁\u00a0드립니다",  # dashes and a no-break space
    "😀 👍🏽 🇰🇷 ❤️ 안내",  # emoji, a skin tone, a flag, a heart with its variation selector
    "café naïve Ångström ₩1,000 ©",  # accents, the won sign
    "ไทย ䷀ עברית",  # no stand-in
    "줄\n바꿈\u200b과\u2028구분",
    "a" * 90,
    "a" * 91,
    "가" * 1000,
    "가" * 1001,
    "",
]


def _python(text: str) -> dict:
    measured = measure(text)
    return {
        "bytes": measured.bytes,
        "type": measured.type.value,
        "unsendable": [[u.position, u.char, u.replacement] for u in measured.unsendable],
    }


JS_MEASURE = """texts => texts.map(text => {
  const m = window.pcrmSmsRules.measure(text);
  return {bytes: m.bytes, type: m.type,
          unsendable: m.unsendable.map(u => [u.position, u.char, u.replacement])};
})"""


@pytest.fixture
def office(app):
    create_project(create_department("교통행정과", "Transport"))
    create_segment()
    people = create_texters(2)
    links = [{"subscriber_id": p.id, "field_code": "living"} for p in people]
    db.session.execute(insert(subscriber_interest), links)
    db.session.commit()


def _editor(page):
    page.goto("/campaigns/new")
    page.get_by_role("radio", name="문자", exact=True).check()
    page.wait_for_function("() => window.pcrmSmsRules !== undefined")
    return page.get_by_role("textbox", name="문자 본문")


def test_the_live_counter_counts_every_sample_as_the_server_does(staff_page, office):
    _editor(staff_page)
    assert staff_page.evaluate(JS_MEASURE, SAMPLES) == [_python(t) for t in SAMPLES]


def test_the_count_follows_the_typing_and_a_stand_in_is_applied_only_when_asked(
    staff_page, office, assert_accessible
):
    body = _editor(staff_page)
    status = staff_page.get_by_role("status")
    body.fill("안녕하세요")
    # "안녕하세요" 10 bytes, a newline, the opt-out line with a short link (11 + 7 + 29 bytes)
    expected = measure("안녕하세요\n수신거부 http://pcrm.test/r/XXXXXXXXXXX").bytes
    expect(status).to_have_text(
        f"SMS · {expected}바이트 (90바이트까지 SMS). 이름은 세 글자로, 수신거부 안내를 넣어 셉니다."
    )
    assert status.get_attribute("aria-live") == "polite"
    body.fill("설문 – 안내 😀")
    expect(status).to_have_text("문자로 보낼 수 없는 글자가 2개 있습니다.")
    problems = staff_page.locator(".sms-unsendable li")
    expect(problems).to_have_count(2)
    expect(problems.first).to_contain_text("4번째 글자 「–」(EN DASH)")
    assert body.input_value() == "설문 – 안내 😀"  # offered, never applied behind the writer's back
    assert_accessible(staff_page)
    staff_page.get_by_role("button", name="「-」(으)로 바꾸기").click()
    staff_page.get_by_role("button", name="지우기").click()
    assert body.input_value() == "설문 - 안내 "
    expect(problems).to_have_count(0)
    expect(status).to_contain_text("SMS ·")
    body.fill("가" * 1001)
    expect(status).to_contain_text("2,000바이트를 넘어 보낼 수 없습니다")


def test_without_javascript_the_server_measures_the_text_on_submit(browser, live_server, office):
    create_user("bus@example.kr", role=Role.PR)
    for page in _open_page(browser, base_url=live_server, java_script_enabled=False):
        page.goto("/login")
        page.get_by_label("이메일").fill("bus@example.kr")
        page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="로그인").click()
        page.goto("/campaigns/new")
        expect(page.get_by_role("status")).to_be_hidden()  # no live counter without script
        page.get_by_label("캠페인 이름").fill("마을버스 문자 안내")
        page.get_by_role("radio", name="정보 안내").check()
        page.get_by_role("radio", name="문자", exact=True).check()
        page.get_by_label("대상 세그먼트").select_option(label="전체 구독자")
        page.get_by_label("분야 (정보·광고 메일)").select_option(label="생활정보")
        page.get_by_label("문자 본문").fill("{{ name }}님, 마을버스 노선이 바뀝니다 – 3월부터")
        page.get_by_role("button", name="저장").click()
        summary = page.get_by_role("alert").first
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("'–'(EN DASH): '-'(으)로 바꾸세요")
        page.get_by_label("문자 본문").fill("{{ name }}님, 마을버스 노선이 바뀝니다 - 3월부터")
        page.get_by_role("button", name="저장").click()
        expect(page.get_by_text("초안을 저장했습니다.")).to_be_visible()
        expect(page.get_by_text("SMS 2건, LMS 0건, 예상 비용 18원", exact=False)).to_be_visible()


def test_a_reminder_text_is_counted_as_you_type_once_it_goes_by_sms(staff_page, office):
    project = db.session.scalar(select(Project))
    campaign = create_campaign(project, segment=db.session.scalar(select(Segment)))
    staff_page.goto(f"/campaigns/{campaign.id}")
    staff_page.wait_for_function("() => window.pcrmSmsRules !== undefined")
    body = staff_page.get_by_role("textbox", name="알림 본문")
    body.fill("설문 – 안내")
    status = staff_page.locator(".sms-editor [role=status]")
    expect(status).to_be_hidden()  # an e-mail reminder: no SMS count
    staff_page.get_by_role("group", name="보낼 방법").get_by_role("radio", name="문자").check()
    expect(status).to_have_text("문자로 보낼 수 없는 글자가 1개 있습니다.")
    staff_page.get_by_role("button", name="「-」(으)로 바꾸기").click()
    assert body.input_value() == "설문 - 안내"
    expect(status).to_contain_text("SMS ·")
