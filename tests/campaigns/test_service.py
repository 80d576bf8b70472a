from datetime import UTC, datetime, timedelta

import pytest

from pcrm.auth.models import Role
from pcrm.campaigns import service
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.mailing import render_sample
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.campaigns.recurrence import NEWSLETTER, SEOUL, occurrences_after
from pcrm.db import utcnow
from pcrm.errors import Conflict, Forbidden, Invalid, NotFound
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.surveys.service import close_survey
from tests.campaigns.factories import (
    BODY,
    create_campaign,
    create_segment,
    create_subscribers,
    create_survey_to_send,
)
from tests.factories import create_department, create_project, create_user
from tests.surveys.factories import create_bus_survey, publish

S = CampaignStatus


@pytest.fixture
def office(app):
    transport = create_department("교통행정과", "Transport")
    culture = create_department("문화체육과", "Culture")
    clerk = create_user("bus@example.kr", Role.DEPARTMENT, transport)
    project = create_project(transport)
    return {
        "pr": create_user("pr@example.kr", Role.PR),
        "clerk": clerk,
        "other": create_user("culture@example.kr", Role.DEPARTMENT, culture),
        "project": project,
        "segment": create_segment(),
        "survey": create_survey_to_send(project, clerk),
    }


def _draft(office, **fields):
    values = {
        "name": "마을버스 만족도 조사",
        "kind": CampaignKind.SURVEY,
        "survey_id": office["survey"].id,
        "segment_id": office["segment"].id,
        "field_code": None,
        "subject": "마을버스 설문",
        "body": BODY,
        "send_at": utcnow() + timedelta(days=1),
        "recurrence": None,
    } | fields
    return service.create_campaign(actor=office["clerk"], project=office["project"], **values)


def test_department_drafts_and_requests_pr_approves_every_step_audited(office):
    campaign = _draft(office)
    assert campaign.field_code == "survey"  # survey invitations go to the opinion-survey field
    service.request_review(campaign, actor=office["clerk"], note="6월 첫 주에 보내 주세요")
    when = utcnow() + timedelta(days=2)
    service.approve(campaign, actor=office["pr"], send_at=when, note="좋습니다")

    assert campaign.status is S.SCHEDULED and campaign.send_at == when
    trail = [(t.action, t.from_status, t.to_status, t.actor_id) for t in campaign.transitions]
    clerk, pr = office["clerk"].id, office["pr"].id
    assert trail == [
        ("created", None, S.DRAFT, clerk),
        ("requested", S.DRAFT, S.REQUESTED, clerk),
        ("approved", S.REQUESTED, S.APPROVED, pr),
        ("scheduled", S.APPROVED, S.SCHEDULED, pr),
    ]
    assert campaign.transitions[1].note == "6월 첫 주에 보내 주세요"


def test_review_needs_the_pr_office_and_a_reason(office):
    campaign = _draft(office)
    service.request_review(campaign, actor=office["clerk"])
    with pytest.raises(Forbidden):
        service.approve(campaign, actor=office["clerk"])
    with pytest.raises(Invalid):
        service.reject(campaign, actor=office["pr"], reason=" ")
    service.request_changes(campaign, actor=office["pr"], reason="설문 링크 문구를 고쳐 주세요")
    assert campaign.status is S.CHANGES_REQUESTED
    service.update_campaign(
        campaign, actor=office["clerk"], project=office["project"], subject="새 제목"
    )
    service.request_review(campaign, actor=office["clerk"])
    service.reject(campaign, actor=office["pr"], reason="예산 사업이 끝났습니다")
    assert campaign.status is S.REJECTED
    assert campaign.transitions[-1].note == "예산 사업이 끝났습니다"
    with pytest.raises(Conflict):
        service.update_campaign(campaign, actor=office["clerk"], project=office["project"])


def test_department_staff_cannot_reach_another_departments_campaign(office):
    campaign = _draft(office)
    with pytest.raises(NotFound):
        service.comment(campaign, actor=office["other"], note="?")
    with pytest.raises(NotFound):
        service.create_campaign(
            actor=office["other"],
            project=office["project"],
            name="x",
            kind=CampaignKind.INFORMATION,
            subject="s",
            body="b",
        )
    visible = db.session.scalars(service.visible_campaigns(office["other"])).all()
    assert visible == []
    assert db.session.scalars(service.visible_campaigns(office["pr"])).all() == [campaign]


def test_request_needs_a_complete_campaign(office):
    campaign = _draft(office, survey_id=None, segment_id=None)
    with pytest.raises(Invalid) as error:
        service.request_review(campaign, actor=office["clerk"])
    assert "세그먼트" in error.value.message and "설문" in error.value.message


def test_promotional_subject_starts_with_the_advertising_label(office):
    with pytest.raises(Invalid) as error:
        _draft(office, kind=CampaignKind.PROMOTIONAL, field_code="culture", subject="축제 할인")
    assert "(광고)" in error.value.message
    campaign = _draft(
        office,
        kind=CampaignKind.PROMOTIONAL,
        field_code="culture",
        subject="(광고) 축제 할인",
        survey_id=None,
    )
    mail = render_sample(campaign)
    assert "(광고)" in mail.text and "무료로 수신거부" in mail.text and "성동구청" in mail.text


@pytest.mark.parametrize(
    "body", ["{{ nmae }}님", "{% for x in %}", "{{ name.__class__.__mro__ }}", "{{ ''.__class__ }}"]
)
def test_templates_that_do_not_compile_or_escape_the_sandbox_are_refused(office, body):
    with pytest.raises(Invalid):
        _draft(office, body=body)


def test_html_part_escapes_staff_text_and_values_and_tracks_links(office):
    campaign = _draft(office, body="<b>안내</b> {{ name }}\nhttps://www.sd.go.kr/bus?a=1&b=2.")
    mail = render_sample(campaign, name="<script>alert(1)</script>")
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "&lt;b&gt;안내&lt;/b&gt;" in mail.html
    assert 'href="http://pcrm.test/c/preview/1"' in mail.html
    assert "https://www.sd.go.kr/bus?a=1&amp;b=2</a>." in mail.html
    assert "http://pcrm.test/c/preview/1." in mail.text
    assert "<script>alert(1)</script>" in mail.text  # the text part is text


def test_newsletter_recurs_on_the_second_and_fourth_thursday_in_seoul():
    start = datetime(2026, 1, 1, 10, 0, tzinfo=SEOUL).astimezone(UTC)
    dates = occurrences_after(NEWSLETTER, start, start, count=4)
    local = [d.astimezone(SEOUL) for d in dates]
    assert [(d.month, d.day, d.hour) for d in local] == [
        (1, 8, 10),
        (1, 22, 10),
        (2, 12, 10),
        (2, 26, 10),
    ]
    assert all(d.weekday() == 3 for d in local)


def test_a_due_series_launches_an_occurrence_and_moves_to_its_next_date(office):
    create_subscribers(2)
    now = utcnow()
    series = create_campaign(
        office["project"],
        segment=office["segment"],
        kind=CampaignKind.INFORMATION,
        field_code="survey",
        status=S.SCHEDULED,
        recurrence=NEWSLETTER,
        send_at=now - timedelta(minutes=1),
        name="구청 소식지",
    )
    assert launch_due_campaigns() == 1
    occurrence = db.session.scalar(db.select(Campaign).where(Campaign.parent_id == series.id))
    assert occurrence.status is S.SENDING and occurrence.name.startswith("구청 소식지 (")
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 2
    assert series.status is S.SCHEDULED and series.send_at > now
    assert series.send_at.astimezone(SEOUL).weekday() == 3
    assert launch_due_campaigns() == 0


def test_a_late_campaign_waits_for_confirmation(office, app):
    create_subscribers(2)
    campaign = create_campaign(
        office["project"],
        segment=office["segment"],
        status=S.SCHEDULED,
        send_at=utcnow() - timedelta(hours=3),
    )
    assert launch_due_campaigns() == 0
    assert campaign.held_at is not None and campaign.status is S.SCHEDULED
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
    service.confirm_launch(campaign, actor=office["pr"])
    assert launch_due_campaigns() == 1
    assert campaign.status is S.SENDING


def test_pause_resume_and_cancel_follow_the_workflow(office):
    campaign = create_campaign(office["project"], segment=office["segment"], status=S.SENDING)
    with pytest.raises(Forbidden):
        service.pause(campaign, actor=office["clerk"])
    service.pause(campaign, actor=office["pr"])
    with pytest.raises(Conflict):
        service.pause(campaign, actor=office["pr"])
    service.resume(campaign, actor=office["pr"])
    service.cancel(campaign, actor=office["pr"], reason="행사 취소")
    assert [t.action for t in campaign.transitions] == ["paused", "resumed", "cancelled"]
    assert campaign.status is S.CANCELLED


def test_a_survey_campaign_invites_to_a_published_survey_of_its_own_project(office):
    festival = create_project(create_department("문화체육과 2", "Culture 2"), "개나리 축제")
    elsewhere = create_survey_to_send(festival, office["pr"])
    with pytest.raises(Invalid) as error:
        _draft(office, survey_id=elsewhere.id)
    assert "같은 사업의 설문" in error.value.message
    draft = create_bus_survey(office["project"], user=office["clerk"], title="초안 설문")
    with pytest.raises(Invalid) as error:
        _draft(office, survey_id=draft.id)
    assert "「초안 설문」 설문은 아직 게시되지 않았습니다" in error.value.message
    close_survey(office["survey"])
    with pytest.raises(Invalid) as error:
        _draft(office)
    assert "마감되어 초대할 수 없습니다" in error.value.message
    information = _draft(office, kind=CampaignKind.INFORMATION, field_code="living")
    assert information.survey_id is None  # only survey campaigns carry a survey link


def test_approval_needs_the_survey_open_at_the_send_time(office):
    campaign = _draft(office)
    service.request_review(campaign, actor=office["clerk"])
    after_close = office["survey"].closes_at + timedelta(hours=1)
    with pytest.raises(Invalid) as error:
        service.approve(campaign, actor=office["pr"], send_at=after_close)
    assert "마감되어 초대할 수 없습니다" in error.value.message
    assert campaign.status is S.REQUESTED
    later = publish(
        create_bus_survey(office["project"], user=office["clerk"]), opens_in=timedelta(days=3)
    )
    campaign = _draft(office, survey_id=later.id)  # drafting for a survey that opens later is fine
    service.request_review(campaign, actor=office["clerk"])
    with pytest.raises(Invalid) as error:
        service.approve(campaign, actor=office["pr"], send_at=utcnow() + timedelta(days=1))
    assert "시작합니다. 발송 시각을 그 뒤로" in error.value.message


def test_launch_holds_a_campaign_whose_survey_closed_and_says_why(office):
    create_subscribers(2)
    campaign = create_campaign(
        office["project"], segment=office["segment"], status=S.SCHEDULED, send_at=utcnow()
    )
    close_survey(campaign.survey)
    assert launch_due_campaigns() == 0
    assert campaign.held_at is not None and campaign.status is S.SCHEDULED
    assert "마감되어 초대할 수 없습니다" in campaign.transitions[-1].note
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
    with pytest.raises(Conflict) as error:
        service.confirm_launch(campaign, actor=office["pr"])
    assert "마감되어" in error.value.message


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYDAY=+2TH,+4TH", "매월 둘째·넷째 목요일"),
        ("FREQ=WEEKLY", "매주 같은 요일"),
        ("FREQ=MONTHLY", "매월 같은 날"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "매주 월요일·수요일"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "매월 마지막 금요일"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "매월 15일"),
        ("FREQ=DAILY", "매일"),
        ("FREQ=SECONDLY", "사용자 정의 반복"),
    ],
)
def test_a_recurrence_reads_in_words(app, rule, words):
    from pcrm.campaigns.recurrence import describe

    with app.test_request_context():
        assert describe(rule) == words
