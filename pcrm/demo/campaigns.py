"""Demo campaigns: two survey campaigns sent (their messages, opens, clicks and the surveys'
responses agree: pcrm/demo/sent.py; the first with an SMS reminder that went to those who had
not answered, the second with an e-mail reminder still to go), a survey invitation sent by
text, another by e-mail and by text to those with only a phone, one awaiting PR approval for a
survey that opens soon, an information draft and the PR office's recurring newsletter. Survey
campaigns invite to the demo survey of their project (pcrm/demo/surveys.py)."""

import random
from datetime import timedelta

from sqlalchemy import select

from pcrm.auth.models import Department, Role, User
from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus, CampaignWave, Delivery
from pcrm.campaigns.recurrence import NEWSLETTER, first_occurrence
from pcrm.db import utcnow
from pcrm.demo.segments import EVERYONE, POLICY_CUSTOMERS
from pcrm.demo.sent import send_sms_reminder, send_survey_campaign
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.subscribers.models import Channel, Segment
from pcrm.surveys.models import Survey

S = CampaignStatus
# The PR office's own project (pcrm/demo/load.py creates it with the office): the newsletter.
NEWSLETTER_PROJECT = {"ko": "성동구청 소식지", "en": "District newsletter"}
SURVEY_BODY = (
    "{{ name }}님, 안녕하세요.\n\n{{ department }}에서 「{{ project }}」에 관한 구민 의견을 "
    "듣고자 합니다.\n아래 주소에서 3분이면 답하실 수 있습니다.\n\n{{ survey_link }}\n\n"
    "보내 주신 의견은 사업 계획에 반영하겠습니다. 감사합니다."
)
NEWSLETTER_BODY = (
    "{{ name }}님, 성동구 소식을 전해 드립니다.\n\n이번 호 소식지: https://www.sd.go.kr/news\n\n"
    "행사와 공지는 구청 누리집에서도 보실 수 있습니다."
)


def _project(department_name: str) -> Project | None:
    return db.session.scalar(
        select(Project).join(Department).where(Department.name_ko == department_name).limit(1)
    )


def _user(role: Role, department: Department | None = None) -> User | None:
    query = select(User).where(User.role == role)
    if department is not None:
        query = query.where(User.department_id == department.id)
    return db.session.scalar(query.limit(1))


def _campaign(project: Project, status: CampaignStatus, **fields) -> Campaign:
    clerk = _user(Role.DEPARTMENT, project.department)
    campaign = Campaign(project=project, status=status, created_by_id=clerk and clerk.id, **fields)
    db.session.add(campaign)
    db.session.flush()
    record_transition(campaign.id, "created", None, S.DRAFT, actor=clerk)
    if status is not S.DRAFT:
        record_transition(campaign.id, "requested", S.DRAFT, S.REQUESTED, actor=clerk)
    return campaign


def _approve(campaign: Campaign, to: CampaignStatus, note: str = "") -> None:
    pr = _user(Role.PR)
    record_transition(campaign.id, "approved", S.REQUESTED, S.APPROVED, actor=pr, note="승인")
    record_transition(campaign.id, "scheduled", S.APPROVED, S.SCHEDULED, actor=pr)
    if to is not S.SCHEDULED:
        record_transition(campaign.id, "launched", S.SCHEDULED, S.SENDING, note=note)
        record_transition(campaign.id, "finished", S.SENDING, S.SENT)


def _survey_of(project: Project) -> Survey | None:
    """The project's published demo survey."""
    query = select(Survey).where(Survey.project_id == project.id, Survey.published_at.is_not(None))
    return db.session.scalar(query.order_by(Survey.id).limit(1))


# (department, campaign name, subject, sent days ago): each invites to its project's survey.
SENT = (
    ("교통행정과", "마을버스 이용 만족도 조사", "{{ name }}님, 마을버스 설문에 참여해 주세요", 10),
    ("청소행정과", "생활 폐기물 줄이기 구민 의견 조사", "쓰레기 줄이기, {{ name }}님 생각은?", 11),
)


# (department, campaign name, how it went, sent days ago): survey invitations by text.
TEXTED = (
    ("안전치수과", "생활안전체험교육장 인지도 조사 (문자)", Delivery.SMS, 8),
    ("문화체육과", "응봉산 개나리 축제 만족도 조사", Delivery.MIXED, 5),
)
SMS_INVITATION = (
    "{{ name }}님, 성동구 「{{ project }}」 설문(3분)에 참여해 주세요 {{ survey_link }}"
)


SMS_REMINDER = (
    "{{ name }}님, 마을버스 설문에 아직 답하지 않으셨다면 3분만 내어 주세요 {{ survey_link }}"
)
EMAIL_REMINDER = (
    "{{ name }}님, 지난번 안내드린 「{{ project }}」 설문이 곧 마감됩니다.\n"
    "아직 답하지 않으셨다면 참여해 주세요.\n\n{{ survey_link }}"
)


def _reminders(campaign: Campaign, survey: Survey, sent_at, rng: random.Random) -> None:
    """The first campaign's SMS reminder, sent 3 days after it; the second's e-mail reminder,
    due tomorrow."""
    if campaign.name == SENT[0][1]:
        wave = CampaignWave(
            campaign_id=campaign.id, number=1, channel=Channel.SMS, after_days=3, subject="",
            body=SMS_REMINDER,
        )  # fmt: skip
        db.session.add(wave)
        db.session.flush()
        sent = send_sms_reminder(campaign, survey, wave, sent_at + timedelta(days=3), rng)
        record_transition(campaign.id, "reminder", S.SENT, S.SENT, note=f"1차 알림 {sent}명")
    else:
        days = (utcnow() - sent_at).days + 1
        db.session.add(
            CampaignWave(
                campaign_id=campaign.id, number=1, channel=Channel.EMAIL, after_days=days,
                subject="[다시 알림] " + campaign.subject, body=EMAIL_REMINDER,
            )
        )  # fmt: skip


def _sent_campaign(segment: Segment, entry: tuple, rng: random.Random) -> None:
    department, name, subject, days_ago = entry
    campaign = _sent(segment, department, name, days_ago, rng, subject=subject, body=SURVEY_BODY)
    if campaign is not None:
        _reminders(campaign, campaign.survey, campaign.launched_at, rng)


def _texted_campaign(segment: Segment, entry: tuple, rng: random.Random) -> None:
    department, name, delivery, days_ago = entry
    if delivery is Delivery.SMS:
        content = {"channel": Channel.SMS, "body": SMS_INVITATION}
    else:
        content = {"subject": "{{ name }}님, 개나리 축제는 어떠셨나요?", "body": SURVEY_BODY}
        content |= {"sms_to_phone_only": True, "sms_body": SMS_INVITATION}
    _sent(segment, department, name, days_ago, rng, **content)


def _sent(segment, department, name, days_ago, rng, **content) -> Campaign | None:
    """A survey campaign of the department's project that went `days_ago`, with its messages
    and answers; None when the project has no published survey."""
    project = _project(department)
    survey = _survey_of(project) if project else None
    if survey is None:
        return None
    sent_at = utcnow() - timedelta(days=days_ago)
    campaign = _campaign(
        project, S.SENDING, name=name, kind=CampaignKind.SURVEY, survey_id=survey.id,
        segment=segment, field_code="survey", send_at=sent_at, launched_at=sent_at, **content,
    )  # fmt: skip
    sent = send_survey_campaign(campaign, survey, sent_at, rng)
    _approve(campaign, S.SENT, note=f"{sent}명에게 발송 시작")
    campaign.status, campaign.finished_at = S.SENT, sent_at + timedelta(minutes=4)
    return campaign


def _waiting_and_draft(segment: Segment) -> None:
    housing = _project("주택과")
    survey = _survey_of(housing) if housing else None
    if survey is not None:
        _campaign(
            housing, S.REQUESTED, name="공동주택 공동체 활동 조사 안내", kind=CampaignKind.SURVEY,
            survey_id=survey.id, segment=segment, field_code="survey",
            subject="{{ name }}님 아파트의 공동체 활동을 알려 주세요", body=SURVEY_BODY,
            send_at=survey.opens_at + timedelta(days=1),
        )  # fmt: skip
    festival = _project("문화체육과")
    if festival is not None:
        campaign = _campaign(
            festival, S.DRAFT, name="응봉산 개나리 축제 안내", kind=CampaignKind.INFORMATION,
            segment=segment, field_code="culture", subject="응봉산 개나리 축제에 초대합니다",
            body="{{ name }}님, 올해도 응봉산에 개나리가 핍니다.\n자세히: https://www.sd.go.kr/festival",
        )  # fmt: skip
        campaign.status = S.DRAFT


def _newsletter(segment: Segment) -> None:
    project = db.session.scalar(select(Project).where(Project.name_ko == NEWSLETTER_PROJECT["ko"]))
    if project is None:
        return
    start = utcnow().replace(hour=1, minute=0, second=0, microsecond=0)  # 10:00 in Seoul
    campaign = _campaign(
        project, S.SCHEDULED, name="구청 소식지", kind=CampaignKind.INFORMATION,
        segment=segment, field_code="newsletter", subject="성동구청 소식지",
        body=NEWSLETTER_BODY, recurrence=NEWSLETTER,
        send_at=first_occurrence(NEWSLETTER, start + timedelta(days=1)),
    )  # fmt: skip
    _approve(campaign, S.SCHEDULED)


def _segment(name: str, criteria: dict) -> Segment:
    """The demo segment of that name (pcrm/demo/segments.py made most), else a new one."""
    segment = db.session.scalar(select(Segment).where(Segment.name == name).limit(1))
    if segment is None:
        segment = Segment(name=name, criteria=criteria)
        db.session.add(segment)
        db.session.flush()
    return segment


def load_campaigns(seed: int = 2015) -> int:
    """Demo campaigns, once (only while there are none); returns how many exist."""
    if db.session.scalar(select(Campaign.id).limit(1)) is None:
        segment = _segment(POLICY_CUSTOMERS, {"fields": ["survey"]})
        everyone = _segment(EVERYONE, {})
        rng = random.Random(seed)
        for entry in SENT:
            _sent_campaign(segment, entry, rng)
        for entry in TEXTED:
            _texted_campaign(segment, entry, rng)
        _waiting_and_draft(everyone)
        _newsletter(everyone)
        db.session.commit()
    return len(db.session.scalars(select(Campaign.id)).all())
