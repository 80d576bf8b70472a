from sqlalchemy import func, select

from pcrm.auth.models import Role
from pcrm.campaigns.invitation import survey_problem
from pcrm.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignWave,
    Delivery,
    WaveStatus,
)
from pcrm.campaigns.progress import funnel, progress
from pcrm.campaigns.waves import answered_after
from pcrm.db import utcnow
from pcrm.demo import load_demo
from pcrm.demo.campaigns import SENT
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from pcrm.subscribers.models import AddressStatus, Channel, Subscriber
from pcrm.surveys.models import Response


def test_demo_campaigns_are_lived_in_and_loaded_once(app):
    load_demo(subscribers=400)
    load_demo(subscribers=400)
    statuses = {c.name: c.status for c in db.session.scalars(select(Campaign))}
    assert statuses["마을버스 이용 만족도 조사"] is CampaignStatus.SENT
    assert CampaignStatus.REQUESTED in statuses.values()
    assert CampaignStatus.DRAFT in statuses.values()
    newsletter = db.session.scalar(select(Campaign).where(Campaign.recurrence.is_not(None)))
    assert newsletter.status is CampaignStatus.SCHEDULED
    assert db.session.scalar(select(func.count(Message.id))) > 0
    assert db.session.scalar(select(func.count(Event.id))) > 0


def test_demo_survey_campaigns_invite_to_their_projects_surveys(app):
    load_demo(subscribers=400)
    surveys = db.session.scalars(select(Campaign).where(Campaign.kind == CampaignKind.SURVEY))
    for campaign in surveys:
        assert campaign.survey.project_id == campaign.project_id, campaign.name
        assert campaign.survey.published_at is not None
    waiting = db.session.scalar(select(Campaign).where(Campaign.status == CampaignStatus.REQUESTED))
    assert survey_problem(waiting, sending_at=waiting.send_at) is None  # it can be approved


def test_the_sent_campaign_and_its_survey_tell_one_story(app):
    load_demo(subscribers=3000, seed=7)
    bus = db.session.scalar(select(Campaign).where(Campaign.name == "마을버스 이용 만족도 조사"))
    answered = db.session.execute(
        select(Message.id, Message.subscriber_id, Message.responded_at).where(
            Message.campaign_id == bus.id, Message.responded_at.is_not(None)
        )
    ).all()
    responses = db.session.execute(
        select(Response.message_id, Response.subscriber_id, Response.submitted_at).where(
            Response.survey_id == bus.survey_id
        )
    ).all()
    assert sorted(responses) == sorted(answered) and len(answered) > 30
    events = select(func.count(Event.id)).where(
        Event.campaign_id == bus.id, Event.kind == EventKind.RESPONSE
    )
    assert db.session.scalar(events) == len(answered)
    figures = funnel(bus.id)  # e-mail only: the SMS reminder's answers are its wave's
    by_mail = select(func.count(Message.id)).where(
        Message.campaign_id == bus.id,
        Message.channel == Channel.EMAIL,
        Message.responded_at.is_not(None),
    )
    assert figures.responded == db.session.scalar(by_mail) < len(answered)
    assert figures.opened / figures.delivered > 2 * figures.baseline_open  # beat the old 9%
    assert figures.responded <= figures.clicked <= figures.opened <= figures.delivered


def test_the_sent_campaign_has_a_few_undelivered_messages_with_reasons(app):
    load_demo(subscribers=3000, seed=7)
    bus = db.session.scalar(select(Campaign).where(Campaign.name == "마을버스 이용 만족도 조사"))
    undelivered = dict(progress(bus.id).undelivered)
    assert set(undelivered) == {
        MessageStatus.FAILED,
        MessageStatus.BOUNCED_SOFT,
        MessageStatus.BOUNCED_HARD,
        MessageStatus.SUPPRESSED,
    }
    assert progress(bus.id).retryable < undelivered[MessageStatus.BOUNCED_HARD]
    reasons = db.session.scalars(
        select(Message.last_error).where(
            Message.campaign_id == bus.id,
            Message.status.not_in((MessageStatus.SENT, MessageStatus.DELIVERED)),
        )
    )
    assert all(reasons)


def test_the_demo_sms_reminder_went_to_non_respondents_and_some_answered_after_it(app):
    load_demo(subscribers=400)
    bus = select(Campaign).where(Campaign.name == "마을버스 이용 만족도 조사")
    campaign = db.session.scalar(bus)
    (wave,) = db.session.scalars(
        select(CampaignWave).where(CampaignWave.campaign_id == campaign.id)
    )
    assert (wave.channel, wave.status) == (Channel.SMS, WaveStatus.SENT)
    reminded = db.session.scalars(
        select(Message).where(Message.campaign_id == campaign.id, Message.wave == 1)
    ).all()
    assert reminded and {m.channel for m in reminded} == {Channel.SMS}
    invitations = {
        m.subscriber_id: m
        for m in db.session.scalars(
            select(Message).where(Message.campaign_id == campaign.id, Message.wave == 0)
        )
    }
    for message in reminded:  # only those who got the invitation and had not answered it
        first = invitations[message.subscriber_id]
        assert first.status is MessageStatus.SENT and first.responded_at is None
        assert message.short_links
    answered = answered_after(campaign, 1)
    assert 0 < answered < len(reminded)
    from_reminder = db.session.scalar(
        select(func.count(Response.id)).where(Response.message_id.in_([m.id for m in reminded]))
    )
    assert from_reminder == answered


def test_the_demo_has_one_scheduled_email_reminder_due_in_the_future(app):
    load_demo(subscribers=400)
    (scheduled,) = db.session.scalars(
        select(CampaignWave).where(CampaignWave.status == WaveStatus.SCHEDULED)
    )
    assert scheduled.channel is Channel.EMAIL
    assert scheduled.due_at(scheduled.campaign.launched_at) > utcnow()


def test_the_demo_campaign_page_shows_its_reminder(app, client, sign_in):
    load_demo(subscribers=400)
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == SENT[0][1]))
    reached = db.session.scalar(
        select(func.count(Message.id)).where(Message.campaign_id == campaign.id, Message.wave == 1)
    )
    sign_in(Role.PR, email="demo-pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    row = page[page.index("1차</td>") :].split("</tr>")[0]
    assert "문자" in row and f"{reached:,}명" in row and "보냄" in row


def _first_wave(name: str) -> tuple[Campaign, dict[Channel, set[int]]]:
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
    by_channel: dict[Channel, set[int]] = {}
    for message in db.session.scalars(
        select(Message).where(Message.campaign_id == campaign.id, Message.wave == 0)
    ):
        by_channel.setdefault(message.channel, set()).add(message.subscriber_id)
    return campaign, by_channel


def test_the_demo_has_a_survey_invitation_sent_by_text_with_answers(app):
    load_demo(subscribers=1500, seed=7)
    campaign, by_channel = _first_wave("생활안전체험교육장 인지도 조사 (문자)")
    assert (campaign.delivery, campaign.status) == (Delivery.SMS, CampaignStatus.SENT)
    assert set(by_channel) == {Channel.SMS} and len(by_channel[Channel.SMS]) > 100
    answered = db.session.scalar(
        select(func.count(Response.id)).where(Response.survey_id == campaign.survey_id)
    )
    assert 0 < answered < len(by_channel[Channel.SMS])
    failed = db.session.scalars(
        select(Message.last_error).where(
            Message.campaign_id == campaign.id, Message.status == MessageStatus.FAILED
        )
    ).all()
    assert failed and all(failed)  # a few numbers out of service, each with its reason


def test_the_demo_mixed_campaign_texted_only_those_it_could_not_mail(app):
    load_demo(subscribers=1500, seed=7)
    campaign, by_channel = _first_wave("응봉산 개나리 축제 만족도 조사")
    assert campaign.delivery is Delivery.MIXED and campaign.status is CampaignStatus.SENT
    mailed, texted = by_channel[Channel.EMAIL], by_channel[Channel.SMS]
    assert mailed and texted and not mailed & texted
    people = db.session.scalars(select(Subscriber).where(Subscriber.id.in_(texted))).all()
    assert all(p.email is None or p.email_status is not AddressStatus.VALID for p in people)
