"""Reminder waves: when a wave is due, its messages go to those who got the campaign and have
not answered, have not opted out since, and are reachable on the wave's channel now.

A periodic job materialises each due wave once (the wave row is taken by a guarded UPDATE, the
messages are unique per campaign, subscriber, channel and wave), then queues its batches. SMS
due in quiet hours are materialised at once and wait in their batch for the window's end.
"""

from datetime import datetime

from sqlalchemy import Select, and_, exists, select, update
from sqlalchemy.orm import aliased

from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.launch import batch_ranges, enqueue_batches, insert_messages
from pcrm.campaigns.models import Campaign, CampaignStatus, CampaignWave, WaveStatus
from pcrm.campaigns.progress import DELIVERED, audience_filter, finish_if_done, has_answered
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers.models import Channel, Subscriber
from pcrm.surveys.models import Response

# A wave of a paused or cancelled campaign waits or never goes; of a sent one, it reopens it.
OPEN = (CampaignStatus.SENDING, CampaignStatus.SENT)


def not_answered(campaign: Campaign) -> list:
    """Conditions on Subscriber: got the campaign's first message, and since then neither
    answered (by any of its messages or on the survey itself) nor opted out through it."""
    first, any_message = aliased(Message), aliased(Message)
    got_first = exists().where(
        first.campaign_id == campaign.id,
        first.subscriber_id == Subscriber.id,
        first.wave == 0,
        first.status.in_(DELIVERED),
    )
    opted_out = exists().where(
        any_message.campaign_id == campaign.id,
        any_message.subscriber_id == Subscriber.id,
        any_message.unsubscribed_at.is_not(None),
    )
    return [got_first, ~has_answered(campaign), ~opted_out]


def wave_audience(campaign: Campaign, channel: Channel) -> Select:
    """Ids of who a reminder of the campaign on `channel` would reach now."""
    return audience_filter(campaign, channel=channel).where(*not_answered(campaign))


def due_waves(now: datetime) -> list[CampaignWave]:
    """Scheduled waves of open campaigns whose time has come."""
    query = (
        select(CampaignWave)
        .join(Campaign, Campaign.id == CampaignWave.campaign_id)
        .where(
            CampaignWave.status == WaveStatus.SCHEDULED,
            Campaign.status.in_(OPEN),
            Campaign.launched_at.is_not(None),
        )
        .order_by(CampaignWave.campaign_id, CampaignWave.number)
    )
    return [w for w in db.session.scalars(query) if w.due_at(w.campaign.launched_at) <= now]


def materialise_wave(wave: CampaignWave, *, now: datetime) -> int | None:
    """Take the wave (once: None if another run did) and insert its messages; commits and
    queues the batches. Returns how many messages it added."""
    taken = db.session.execute(
        update(CampaignWave)
        .where(CampaignWave.id == wave.id, CampaignWave.status == WaveStatus.SCHEDULED)
        .values(status=WaveStatus.SENT, materialised_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        db.session.rollback()
        return None
    campaign = wave.campaign
    added = insert_messages(
        campaign, wave_audience(campaign, wave.channel), channel=wave.channel, wave=wave.number
    )
    if added and campaign.status is CampaignStatus.SENT:
        campaign.status, campaign.finished_at = CampaignStatus.SENDING, None
        note = f"{wave.number}차 알림 {added}명"
        record_transition(
            campaign.id, "reminder", CampaignStatus.SENT, CampaignStatus.SENDING, note=note
        )
    db.session.commit()
    enqueue_batches(campaign.id, batch_ranges(campaign.id))
    finish_if_done(campaign.id)
    return added


def materialise_due_waves(now: datetime | None = None) -> int:
    """Periodic job: materialise every due wave; returns how many messages were added."""
    now = now or utcnow()
    added = 0
    for wave in due_waves(now):
        added += materialise_wave(wave, now=now) or 0
    return added


def first_sent_at(campaign_id: int, number: int) -> datetime | None:
    """When the wave's first message left."""
    return db.session.scalar(
        select(Message.sent_at)
        .where(Message.campaign_id == campaign_id, Message.wave == number)
        .where(Message.sent_at.is_not(None))
        .order_by(Message.sent_at)
        .limit(1)
    )


def answered_after(campaign: Campaign, number: int) -> int:
    """People in the wave who answered after its first message left."""
    since = first_sent_at(campaign.id, number)
    if since is None:
        return 0
    in_wave = select(Message.subscriber_id).where(
        Message.campaign_id == campaign.id, Message.wave == number
    )
    by_message = select(Message.subscriber_id).where(
        Message.campaign_id == campaign.id, Message.responded_at > since
    )
    people = set(db.session.scalars(by_message.where(Message.subscriber_id.in_(in_wave))))
    if campaign.survey_id is not None:
        by_response = select(Response.subscriber_id).where(
            and_(Response.survey_id == campaign.survey_id, Response.submitted_at > since),
            Response.subscriber_id.in_(in_wave),
        )
        people |= set(db.session.scalars(by_response))
    return len(people)
