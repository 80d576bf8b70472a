"""create_* helpers for campaigns, their audience and their messages."""

from datetime import timedelta

from sqlalchemy import insert, select

from pcrm.auth.models import Role, User
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.launch import batch_ranges
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.campaigns.sending import send_batch
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.subscribers.models import AddressStatus, Segment, Subscriber, subscriber_interest
from pcrm.surveys.models import Survey
from tests.factories import create_department, create_project, create_user
from tests.surveys.factories import create_bus_survey, publish

BODY = "{{ name }}님, 「{{ project }}」 설문에 참여해 주세요.\n{{ survey_link }}\n자세히: https://www.sd.go.kr/bus"


def create_subscribers(
    count: int,
    *,
    fields: tuple[str, ...] = ("survey",),
    prefix: str = "resident",
    email_opt_in: bool = True,
    email_status: AddressStatus = AddressStatus.VALID,
    consented_days_ago: int = 30,
) -> list[Subscriber]:
    """`count` subscribers reachable by e-mail (unless told otherwise) interested in `fields`."""
    consented = utcnow() - timedelta(days=consented_days_ago)
    people = [
        Subscriber(
            name=f"주민{n}",
            email=f"{prefix}{n}@example.com",
            email_status=email_status,
            email_opt_in=email_opt_in,
            email_consented_at=consented if email_opt_in else None,
        )
        for n in range(count)
    ]
    db.session.add_all(people)
    db.session.flush()
    links = [{"subscriber_id": p.id, "field_code": code} for p in people for code in fields]
    if links:
        db.session.execute(insert(subscriber_interest), links)
    db.session.commit()
    return people


def create_texters(count: int, *, prefix: str = "문자주민", start: int = 0) -> list[Subscriber]:
    """`count` subscribers reachable only by SMS (no e-mail), interested in surveys."""
    consented = utcnow() - timedelta(days=30)
    people = [
        Subscriber(
            name=f"{prefix}{n}",
            phone=f"+82105555{n:04d}",
            phone_status=AddressStatus.VALID,
            sms_opt_in=True,
            sms_consented_at=consented,
        )
        for n in range(start, start + count)
    ]
    db.session.add_all(people)
    db.session.flush()
    links = [{"subscriber_id": p.id, "field_code": "survey"} for p in people]
    db.session.execute(insert(subscriber_interest), links)
    db.session.commit()
    return people


def create_segment(criteria: dict | None = None, name: str = "전체 구독자") -> Segment:
    segment = Segment(name=name, criteria=criteria or {})
    db.session.add(segment)
    db.session.commit()
    return segment


def create_survey_to_send(project: Project, user: User | None = None) -> Survey:
    """The project's two-page bus survey, published and open for two weeks."""
    owner = user or db.session.scalar(select(User).limit(1))
    if owner is None:
        owner = create_user("survey-owner@example.kr", Role.DEPARTMENT, project.department)
    return publish(create_bus_survey(project, user=owner))


def create_campaign(
    project=None,
    *,
    user=None,
    kind: CampaignKind = CampaignKind.SURVEY,
    segment: Segment | None = None,
    status: CampaignStatus = CampaignStatus.DRAFT,
    field_code: str | None = None,
    subject: str = "{{ name }}님께 마을버스 설문",
    body: str = BODY,
    send_at=None,
    **fields,
) -> Campaign:
    """A campaign row as the workflow would leave it in `status`; a survey campaign invites to
    a published survey of its project unless `survey_id` says otherwise."""
    if project is None:
        project = db.session.scalar(select(Project).limit(1)) or create_project(create_department())
    if kind is CampaignKind.SURVEY and "survey_id" not in fields:
        fields["survey_id"] = create_survey_to_send(project, user).id
    campaign = Campaign(
        project=project,
        name=fields.pop("name", "마을버스 만족도 조사"),
        kind=kind,
        status=status,
        segment=segment,
        field_code=field_code or ("survey" if kind is CampaignKind.SURVEY else "living"),
        survey_id=fields.pop("survey_id", None),
        subject=subject,
        body=body,
        send_at=send_at,
        created_by_id=user.id if user else None,
        **fields,
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def due_campaign(recipients: int = 3, **kwargs) -> tuple[Campaign, list[Subscriber]]:
    """A scheduled campaign due now, to a segment of `recipients` reachable subscribers."""
    people = create_subscribers(recipients)
    campaign = create_campaign(
        segment=create_segment(),
        status=CampaignStatus.SCHEDULED,
        send_at=utcnow() - timedelta(seconds=1),
        **kwargs,
    )
    return campaign, people


__all__ = [
    "create_campaign",
    "create_segment",
    "create_subscribers",
    "create_survey_to_send",
    "create_texters",
    "create_user",
    "due_campaign",
]


def launched_campaign(recipients: int = 3, **kwargs) -> tuple[Campaign, list[Subscriber]]:
    """A due campaign, launched: its messages are queued."""
    campaign, people = due_campaign(recipients, **kwargs)
    launch_due_campaigns()
    return campaign, people


def send_all(campaign: Campaign) -> int:
    """Run every batch of the campaign in this process; how many messages they claimed."""
    return sum(send_batch(campaign.id, *r) for r in batch_ranges(campaign.id))
