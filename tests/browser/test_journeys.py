"""Each person's main journey, walked in Chromium on a desktop and on a phone, checking what
every page says: department staff draft a survey invitation and ask for review, PR staff read
it as residents will and send it back with a reason, an admin invites a colleague, a resident
answers a survey and stops the texts it came by.

Every page is kept as a screenshot, one directory per run: PCRM_SCREENSHOTS if set, else
`screenshots/` under pytest's base temporary directory (kept for the last three runs)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pcrm.auth.models import Role, StaffInvitation, StaffNotice, User
from pcrm.campaigns import service as campaigns
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.extensions import db
from tests.browser.conftest import PHONE, _open_page
from tests.campaigns.factories import create_campaign, create_segment, create_survey_to_send
from tests.factories import PASSWORD, create_department, create_project, create_user
from tests.subscribers.factories import create_subscriber
from tests.surveys.factories import create_bus_survey, create_invitation, publish

pytestmark = pytest.mark.browser
DEVICES = {"desktop": {"viewport": {"width": 1280, "height": 900}}, "phone": PHONE}


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    chosen = os.environ.get("PCRM_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=sorted(DEVICES))
def device(request) -> str:
    return request.param


@pytest.fixture
def page(browser, live_server, device):
    """A fresh page (its own cookies) on the device; a CSP violation fails the test."""
    yield from _open_page(browser, base_url=live_server, **DEVICES[device])


@pytest.fixture
def shot(page, device, screenshot_dir, request):
    """Keep the whole page as a screenshot, named by journey, device and step."""
    journey = request.node.originalname.removeprefix("test_")
    steps = []

    def take(name: str) -> None:
        steps.append(name)
        path = screenshot_dir / f"{journey}-{device}-{len(steps):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        # A page fits its screen: nothing runs off to the side on a phone.
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name}: {width[0]}px wide on a {width[1]}px screen"

    return take


@pytest.fixture
def office(app):
    transport = create_department("교통행정과", "Transport Administration")
    project = create_project(transport)
    clerk = create_user("bus@example.kr", Role.DEPARTMENT, transport, name="김부서")
    create_user("pr@example.kr", Role.PR, name="박공보")
    create_user("admin@example.kr", Role.ADMIN, name="이관리")
    survey = create_survey_to_send(project, clerk)
    segment = create_segment(name="여론조사 동의자")
    return {"project": project, "clerk": clerk, "survey": survey, "segment": segment}


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="대시보드")).to_be_visible()


def test_department_staff_draft_a_survey_invitation_and_ask_for_review(page, shot, office):
    sign_in(page, "bus@example.kr")
    shot("dashboard")
    page.goto("/campaigns/new")
    expect(page.get_by_role("heading", name="틀에서 시작하기")).to_be_visible()
    page.get_by_role("link", name="설문 참여 요청").click()
    subject = page.get_by_label("메일 제목")
    expect(subject).to_have_value("{{ name }}님, 「{{ project }}」에 대한 의견을 들려주세요")
    mail = page.frame_locator("iframe.mail-html")
    expect(mail.get_by_text("홍길동님, 안녕하세요. 성동구 교통행정과입니다.")).to_be_visible()
    expect(mail.get_by_role("link", name="설문 참여하기")).to_be_visible()
    expect(page.get_by_text("성동 마을버스 운영 」에 대한 의견을", exact=False)).to_have_count(0)
    shot("new-from-starter")

    body = page.get_by_label("메일 본문")
    body.fill("{{ name }}님, 마을버스 노선이 바뀝니다.\n\n{{ survey_link }}\n\n문의: ")
    expect(mail.get_by_text("홍길동님, 마을버스 노선이 바뀝니다.")).to_be_visible()
    body.evaluate("area => area.setSelectionRange(area.value.length, area.value.length)")
    page.get_by_role("button", name="넣기 {{ department }}").click()
    expect(body).to_have_value(re.compile(r"문의: \{\{ department \}\}$"))
    expect(mail.get_by_text("문의: 교통행정과")).to_be_visible()  # the preview followed
    shot("writing-with-preview")

    page.get_by_label("캠페인 이름").fill("마을버스 노선 개편 설문")
    page.get_by_label("설문", exact=True).select_option(str(office["survey"].id))
    page.get_by_label("대상 세그먼트").select_option(str(office["segment"].id))
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_text("초안을 저장했습니다.")).to_be_visible()
    expect(page.get_by_role("heading", name="마을버스 노선 개편 설문")).to_be_visible()
    expect(page.get_by_text("받는 분이 보는 메일 (홍길동 님)")).to_be_visible()
    shot("draft-saved")

    page.get_by_role("button", name="공보담당관에게 검토 요청").click()
    expect(page.get_by_text("검토를 요청했습니다.")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("검토 요청됨")
    shot("review-requested")
    told = db.session.scalars(select(StaffNotice).join(User).where(User.role == Role.PR)).all()
    assert [n.subject for n in told] == ["[PCRM] 검토 요청: 마을버스 노선 개편 설문"]


def test_pr_staff_read_the_request_as_residents_will_and_send_it_back(page, shot, office):
    campaign = create_campaign(
        office["project"], user=office["clerk"], segment=office["segment"],
        survey_id=office["survey"].id, name="마을버스 만족도 조사",
    )  # fmt: skip
    campaigns.request_review(campaign, actor=office["clerk"])
    sign_in(page, "pr@example.kr")
    shot("dashboard")
    page.goto("/campaigns/?status=requested")
    page.get_by_role("link", name="마을버스 만족도 조사").click()
    expect(page.get_by_text("받는 분이 보는 메일 (홍길동 님)")).to_be_visible()
    expect(page.locator(".resident-copy")).to_contain_text("홍길동님께 마을버스 설문")
    expect(page.locator(".resident-copy")).not_to_contain_text("{{")
    shot("review")

    page.get_by_label("수정 요청").check()
    page.get_by_label("의견 또는 사유").fill("설문 마감일을 본문에 적어 주세요.")
    page.get_by_role("button", name="기록").click()
    expect(page.get_by_text("검토 결과를 기록했습니다.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="설문 마감일을 본문에")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("수정 요청됨")
    shot("sent-back")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status is CampaignStatus.CHANGES_REQUESTED
    told = db.session.scalars(select(StaffNotice).where(StaffNotice.user == office["clerk"]))
    assert [n.subject for n in told] == ["[PCRM] 수정 요청: 마을버스 만족도 조사"]

    page.goto("/subscribers/")
    expect(page.get_by_role("heading", name="구독자")).to_be_visible()
    shot("registry")


def test_an_admin_invites_a_colleague_without_typing_a_password(page, shot, office):
    sign_in(page, "admin@example.kr")
    page.goto("/admin/users")
    shot("staff")
    page.get_by_role("link", name="새 계정 만들기").click()
    expect(page.get_by_text("비밀번호는 입력하지 않습니다.")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.get_by_label("이메일").fill("newcomer@example.kr")
    page.get_by_label("이름").fill("최신입")
    page.get_by_label("역할").select_option("pr")
    shot("new-account")
    page.get_by_role("button", name="계정 만들고 초대 메일 보내기").click()
    expect(
        page.get_by_text("최신입 님의 계정을 만들고 newcomer@example.kr(으)로 초대")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="초대")).to_be_visible()
    expect(page.get_by_role("button", name="초대 취소")).to_be_visible()
    shot("invited")
    newcomer = db.session.scalar(select(User).where(User.email == "newcomer@example.kr"))
    assert not newcomer.has_password
    assert db.session.scalar(select(StaffInvitation).where(StaffInvitation.user == newcomer))

    page.goto("/admin/health")
    expect(page.get_by_role("heading", name="시스템 상태")).to_be_visible()
    shot("health")


def test_a_resident_answers_a_survey_and_stops_its_texts(page, shot, office):
    survey = publish(create_bus_survey(office["project"]))
    resident = create_subscriber("김민서", email="minseo@example.com")
    message = create_invitation(survey, resident)
    page.goto(f"/s/{message.token}")
    expect(page.get_by_role("banner")).to_contain_text("성동구")
    shot("survey")
    page.get_by_label("아니요", exact=True).check()
    page.get_by_role("button", name="다음").click()  # 아니요 skips the riders' page
    expect(page.get_by_role("button", name="제출")).to_be_visible()
    shot("last-page")
    page.get_by_role("button", name="제출").click()
    expect(page.get_by_text("응답해 주셔서 감사합니다")).to_be_visible()
    expect(page.get_by_role("link", name="성동구청 누리집")).to_be_visible()
    shot("thanks")

    page.goto(f"/u/{message.token}")
    expect(page.get_by_role("heading", name="수신거부")).to_be_visible()
    expect(page.get_by_text("「설문 안내」 문자를 받으셨습니다.")).to_be_visible()
    shot("unsubscribe")
    page.get_by_label("성동구청의 모든 문자 (메일은 계속 받습니다)").check()
    page.get_by_role("button", name="수신거부").click()
    expect(page.get_by_role("status")).to_contain_text("처리했습니다.")
    expect(page.get_by_role("link", name="개인정보 처리방침")).to_be_visible()
    shot("unsubscribed")

    page.goto("/join")
    expect(page.get_by_text("(필수)").first).to_be_visible()
    shot("sign-up")
