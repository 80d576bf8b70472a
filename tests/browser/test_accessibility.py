"""axe-core's WCAG 2.1 A/AA rules (KWCAG 2.2 asks the same) on residents' pages on a phone, in
the states residents meet (errors shown, thanks, already answered), and on the main staff pages."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from pcrm.auth.models import Role, StaffInvitation, User, token_digest
from pcrm.bounces import policy
from pcrm.bounces.report import BounceKind
from pcrm.campaigns import service as campaigns
from pcrm.campaigns.models import CampaignKind, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.replies.service import record_reply
from pcrm.subscribers import phones
from pcrm.subscribers.imports.models import ImportBatch, ImportStatus
from pcrm.subscribers.models import AddressStatus, NoticeKind
from pcrm.subscribers.notices import owe_notice, token_for
from pcrm.subscribers.residents import NOTICE_VERSION
from pcrm.surveys import service as surveys
from pcrm.surveys.models import QuestionKind
from pcrm.voice.models import VoiceOfficer
from tests.campaigns.factories import create_campaign, launched_campaign
from tests.factories import create_department, create_project, create_user
from tests.subscribers.factories import create_segment, create_subscriber
from tests.surveys.factories import (
    add,
    create_bus_survey,
    create_invitation,
    create_survey,
    publish,
)

pytestmark = pytest.mark.browser


def _invited_officer(token: str = "") -> User:
    """A staff account waiting for its owner to set a password from the invitation's link."""
    officer = create_user("new@example.kr", Role.PR, name="새 직원")
    officer.password_hash = ""
    invitation = StaffInvitation(
        user=officer, expires_at=utcnow() + timedelta(days=3), sent_at=utcnow()
    )
    invitation.token_digest = token_digest(token or "not-the-link-of-this-test")
    db.session.add(invitation)
    db.session.commit()
    return officer


def test_invitation_pages(phone_page, assert_accessible):
    _invited_officer("a-link-token-for-the-test")
    page = phone_page
    assert_accessible(page, ("/welcome/a-link-token-for-the-test",))
    page.get_by_label("새 비밀번호", exact=True).fill("short")
    page.get_by_role("button", name="비밀번호 정하기").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    db.session.execute(update(StaffInvitation).values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    page.goto("/welcome/a-link-token-for-the-test")
    expect(page.get_by_role("heading", name="기한이 지난 링크입니다")).to_be_visible()
    assert_accessible(page)


def _published_bus_survey(results_public: bool = False):
    survey = publish(create_bus_survey())
    settings = {"title": survey.title, "introduction": "주민 의견을 듣습니다.", "anonymous": False}
    return surveys.update_survey(
        survey, public_link=True, results_public=results_public, **settings
    )


def test_sign_in_page_and_dashboard(phone_page, assert_accessible):
    create_user("pr@example.kr")
    page = phone_page
    assert_accessible(page, ("/login",))
    page.get_by_label("이메일").fill("pr@example.kr")
    page.get_by_role("button", name="로그인").click()  # no password: errors shown
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("비밀번호", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="대시보드")).to_be_visible()
    assert_accessible(page)


def test_sign_up_pages(phone_page, assert_accessible):
    page = phone_page
    assert_accessible(page, ("/join",))
    page.get_by_role("button", name="신청하기").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    # ...and a tampered link's 404
    assert_accessible(page, ("/join/done", "/privacy", "/p/not-a-real-token"))

    page.goto("/join")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


def test_email_confirmation_pages(phone_page, assert_accessible):
    subscriber = create_subscriber(email="minseo@example.com")
    notice = owe_notice(subscriber, NoticeKind.CONFIRM_EMAIL, NOTICE_VERSION)
    db.session.commit()
    page = phone_page
    assert_accessible(page, (f"/join/confirm/{token_for(notice)}",))
    page.get_by_role("button", name="이메일 수신에 동의합니다").click()
    expect(page.get_by_role("heading", name="확인되었습니다")).to_be_visible()
    assert_accessible(page)


def test_phone_code_page(phone_page, assert_accessible):
    subscriber = create_subscriber(email=None, channels=set())
    subscriber.phone_status = AddressStatus.PENDING
    token, code = phones.start_confirmation(subscriber, night_sms=False, notice_version=None)
    db.session.commit()
    page = phone_page
    assert_accessible(page, (f"/join/phone/{token}",))
    field = page.get_by_label("인증번호 6자리")
    assert field.get_attribute("autocomplete") == "one-time-code"
    page.get_by_role("button", name="확인", exact=True).click()  # empty: an error
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    field.fill(f"{(int(code) + 1) % 10**6:06d}")
    page.get_by_role("button", name="확인", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("인증번호가 맞지 않습니다")
    assert_accessible(page)
    page.get_by_label("인증번호 6자리").fill(code)
    page.get_by_role("button", name="확인", exact=True).click()
    expect(page.get_by_role("heading", name="휴대전화 번호를 확인했습니다")).to_be_visible()
    assert_accessible(page)


def test_preferences_pages(phone_page, assert_accessible):
    subscriber = create_subscriber()
    message = create_invitation(None, subscriber)
    page = phone_page
    assert_accessible(page, ("/preferences",))
    page.get_by_label("이메일").fill("not an address")
    page.get_by_role("button", name="링크 보내기").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("이메일").fill("minseo@example.com")
    page.get_by_role("button", name="링크 보내기").click()
    expect(page.get_by_role("heading", name="메일을 확인해 주세요")).to_be_visible()
    assert_accessible(page)

    assert_accessible(page, (f"/p/{message.token}",))
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)


def test_survey_pages(phone_page, assert_accessible):
    survey = _published_bus_survey(results_public=True)
    token = create_invitation(survey).token
    page = phone_page
    assert_accessible(page, (f"/s/{token}",))
    page.get_by_role("button", name="다음").click()  # nothing chosen: an error
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("예", exact=True).check()
    page.get_by_role("button", name="다음").click()
    page.get_by_role("button", name="제출").click()  # the rating left out: an error
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="제출").click()
    expect(page.get_by_text("응답해 주셔서 감사합니다")).to_be_visible()
    assert_accessible(page)
    assert_accessible(page, (f"/s/{token}",))
    expect(page.get_by_text("이미 응답해 주셨습니다")).to_be_visible()
    page.get_by_role("link", name="설문 결과 보기").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("설문 결과")
    assert_accessible(page)


def test_every_kind_of_question_with_its_error(phone_page, assert_accessible):
    survey = create_survey()
    add(
        survey,
        QuestionKind.SINGLE,
        "가장 자주 가는 곳은?",
        choices=("공원", "도서관"),
        other_option=True,
    )
    add(survey, QuestionKind.SCALE_10, "주변에 추천하시겠습니까?", help_text="0은 전혀, 10은 꼭")
    add(survey, QuestionKind.SHORT_TEXT, "사는 동네는?")
    add(survey, QuestionKind.NUMBER, "가족은 몇 명입니까?", low=1, high=20)
    add(survey, QuestionKind.DATE, "언제 이사 오셨습니까?")
    token = create_invitation(publish(survey)).token
    assert_accessible(phone_page, (f"/s/{token}",))
    phone_page.get_by_role("button", name="제출").click()
    assert phone_page.get_by_role("alert").get_by_role("link").count() == 5
    assert_accessible(phone_page)


def test_public_survey_link_and_closed_survey(phone_page, assert_accessible):
    survey = _published_bus_survey()
    assert_accessible(phone_page, (f"/survey/{survey.public_slug}",))
    surveys.close_survey(survey)
    assert_accessible(phone_page, (f"/survey/{survey.public_slug}",))


def test_unsubscribe_pages(phone_page, assert_accessible):
    message = create_invitation(None, create_subscriber())
    page = phone_page
    assert_accessible(page, (f"/u/{message.token}",))
    page.get_by_role("button", name="수신거부").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)


def _requested_campaign(survey):
    """A survey campaign sent for review through the workflow (so it has a review trail)."""
    actor = db.session.scalar(db.select(User))
    campaign = campaigns.create_campaign(
        actor=actor,
        project=survey.project,
        name="마을버스 만족도 조사 안내",
        kind=CampaignKind.SURVEY,
        survey_id=survey.id,
        segment=create_segment(),
        subject="{{ name }}님께 마을버스 설문",
        body="{{ survey_link }}",
    )
    campaigns.request_review(campaign, actor=actor)
    return campaign


def _running_import() -> ImportBatch:
    batch = ImportBatch(
        filename="명단.csv", status=ImportStatus.RUNNING, total_rows=10, processed_rows=3
    )
    db.session.add(batch)
    db.session.commit()
    return batch


def test_staff_pages(staff_page, assert_accessible):
    survey = _published_bus_survey()
    subscriber = create_subscriber()
    create_invitation(survey, subscriber)
    campaign = _requested_campaign(survey)
    sending = create_campaign(
        survey.project, survey_id=survey.id, status=CampaignStatus.SENDING, launched_at=utcnow()
    )
    mixed = create_campaign(
        survey.project, survey_id=survey.id, segment=campaign.segment, sms_to_phone_only=True,
        sms_body="{{ name }}님, 마을버스 설문 {{ survey_link }}",
    )  # fmt: skip
    transport = create_department("교통정책과", "Transport")
    bus = create_user("bus@example.kr", Role.DEPARTMENT, transport)
    create_user("road@example.kr", Role.DEPARTMENT, transport, name="김도로")  # to be named
    db.session.add(VoiceOfficer(department_id=transport.id, user_id=bus.id, head=True))
    db.session.commit()
    for text in ("수신거부", "설문 링크가 안 열려요"):
        record_reply(phone="01055550000", text=text, received_at=utcnow(), source="import")
    paths = (
        "/",
        "/subscribers/",
        f"/subscribers/{subscriber.id}",
        f"/subscribers/imports/{_running_import().id}",
        "/segments/",
        f"/segments/{campaign.segment_id}",
        "/surveys/",
        f"/surveys/{survey.id}",
        f"/surveys/{survey.id}/settings",
        f"/surveys/{survey.id}/results",
        "/surveys/population",
        "/campaigns/",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{sending.id}",  # its progress in a frame
        f"/campaigns/{mixed.id}",  # e-mail, and SMS to those with only a phone: its SMS cost
        f"/campaigns/{mixed.id}/edit",  # the SMS editor with its live counter
        "/campaigns/new?start=information",  # a starter text, placeholders, the preview
        f"/admin/users/{_invited_officer().id}",  # an invitation on its way
        "/admin/users",
        "/admin/health",
        "/account/two-factor",
        "/bounces/",
        "/projects/",
        f"/projects/{survey.project_id}",
        f"/reports/campaigns/{sending.id}",  # nothing sent yet, its progress in a frame
        f"/reports/projects/{survey.project_id}",
        "/reports/district",  # with data: tests/browser/test_report_print.py
        "/sms/replies",
        "/sms/replies/import",
        "/sms/optouts/import",
        "/inbox/officers",
        f"/inbox/officers/{transport.id}",  # an officer, and the picker of who may be named
    )
    assert_accessible(staff_page, paths)


@pytest.mark.parametrize(
    ("path", "button"),
    [
        ("/subscribers/new", "저장"),
        ("/segments/new", "저장"),
        ("/surveys/new", "만들기"),
        ("/surveys/population", "저장"),
        ("/campaigns/new", "저장"),
        ("/projects/new", "저장"),
        ("/admin/users/new", "계정 만들고 초대 메일 보내기"),
        ("/sms/replies/import", "올리기"),
        ("/sms/optouts/import", "올리기"),
    ],
)
def test_staff_forms_with_errors(staff_page, assert_accessible, path, button):
    create_project(create_department())
    staff_page.goto(path)
    staff_page.get_by_role("button", name=button, exact=True).click()
    expect(staff_page.get_by_role("alert").first).to_be_visible()
    assert_accessible(staff_page)


def test_bounce_worklist_with_rows_and_a_refused_action(staff_page, assert_accessible):
    launched_campaign(recipients=2)
    first, second = db.session.scalars(select(Message).order_by(Message.id))
    policy.apply(message=first, kind=BounceKind.HARD, status="5.1.1", source="smtp")
    policy.apply(message=second, kind=BounceKind.SOFT, status="4.2.2", source="smtp")
    assert_accessible(staff_page, ("/bounces/",))
    staff_page.get_by_label(f"{first.subscriber.name} 선택").check()
    staff_page.get_by_label("선택한 주소에").select_option("restore")
    staff_page.get_by_role("button", name="선택한 주소 처리").click()
    expect(staff_page.get_by_text("사유를 적어 주세요", exact=False)).to_be_visible()
    assert_accessible(staff_page)


def test_returned_mail_pages(staff_page, assert_accessible):
    from pcrm.bounces.ingest import ingest

    reply = (
        "From: resident@example.org\r\nSubject: =?UTF-8?B?7ISk66y4IOuLteyepQ==?=\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n\r\n'
        "<p>주소가 바뀌었습니다.</p><img src='https://tracker.example/x.png'>\r\n"
    ).encode()
    inbound_id = ingest(reply, source="imap:INBOX").inbound_id
    paths = ("/returned-mail/", f"/returned-mail/{inbound_id}")
    assert_accessible(staff_page, paths)

    staff_page.get_by_label("메모 (선택)").fill("주소 변경 안내함")
    staff_page.get_by_role("button", name="확인함으로 표시", exact=True).click()
    expect(staff_page.get_by_text("확인함으로 표시했습니다.")).to_be_visible()
    expect(staff_page.get_by_text("확인할 메일이 없습니다.")).to_be_visible()
    assert_accessible(staff_page, ("/returned-mail/?reviewed=1",))


def test_naming_an_officer_with_an_error_and_then_removing_them(staff_page, assert_accessible):
    roads = create_department("도로과", "Roads")
    create_user("kim@example.kr", Role.DEPARTMENT, roads, name="김도로")
    staff_page.goto("/inbox")
    staff_page.get_by_role("link", name="부서별 소통담당").click()
    staff_page.get_by_role("link", name="도로과").click()
    staff_page.get_by_role("button", name="지정", exact=True).click()
    expect(staff_page.get_by_role("alert").first).to_be_visible()
    assert_accessible(staff_page)
    staff_page.get_by_label("직원").select_option(label="김도로 (kim@example.kr)")
    staff_page.get_by_label("책임 소통담당", exact=False).check()
    staff_page.get_by_role("button", name="지정", exact=True).click()
    expect(staff_page.get_by_role("status")).to_contain_text("소통담당을 지정했습니다")
    assert_accessible(staff_page)
    staff_page.get_by_role("button", name="빼기").click()
    expect(staff_page.get_by_role("status")).to_contain_text("0건은 부서 미배정")
