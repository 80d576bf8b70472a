"""Who gets a campaign's first message on which channel.

An e-mail or SMS campaign reaches its audience on its own channel. A mixed one writes to
everyone reachable by e-mail and texts only those reachable by phone alone, so nobody gets both.
"""

from sqlalchemy import Select, func, select

from pcrm.campaigns.models import Campaign, Delivery
from pcrm.campaigns.progress import audience, audience_filter
from pcrm.extensions import db
from pcrm.subscribers.audience import Criteria
from pcrm.subscribers.models import Channel, Subscriber


def first_wave(campaign: Campaign) -> list[tuple[Channel, Select]]:
    """The channels of the first message, each with the ids of who gets it on that channel."""
    if campaign.delivery is not Delivery.MIXED:
        return [(campaign.channel, audience(campaign))]
    by_email = audience(campaign)
    criteria = Criteria.from_json(campaign.segment.criteria if campaign.segment else {})
    phone_only = audience_filter(campaign, criteria, channel=Channel.SMS).where(
        Subscriber.id.not_in(by_email)
    )
    return [(Channel.EMAIL, by_email), (Channel.SMS, phone_only)]


def first_wave_counts(campaign: Campaign) -> dict[Channel, int]:
    """Live count per channel of who launch would reach now."""
    if campaign.segment is None or campaign.field_code is None:
        return {channel: 0 for channel, _ids in first_wave(campaign)}
    return {
        channel: db.session.scalar(select(func.count()).select_from(ids.subquery()))
        for channel, ids in first_wave(campaign)
    }


def sms_audience(campaign: Campaign) -> Select:
    """Ids of who gets the first message by SMS (none for an e-mail campaign)."""
    for channel, ids in first_wave(campaign):
        if channel is Channel.SMS:
            return ids
    return select(Subscriber.id).where(Subscriber.id.is_(None))
