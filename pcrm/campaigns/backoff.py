"""The relay backoff: when the relay refuses every recipient for now, or cannot be reached, the
campaign as a whole waits, longer each time in a row, and no recipient's attempt is used up.

The wait is kept on the campaign row, so the reconciler and a restarted worker honour it: a batch
job that starts during the wait sends nothing, and the reconciler queues the batches again once
it is over.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db


def relay_delay(failures: int, *, first: int, cap: int) -> timedelta:
    """first, 2 × first, 4 × first, ... seconds for failures 1, 2, 3, ..., never above cap."""
    doublings = min(max(failures, 1) - 1, 30)
    return timedelta(seconds=min(cap, first * 2**doublings))


def waiting_until(campaign_id: int) -> datetime | None:
    """When the campaign may send again, if it is waiting for the relay now."""
    retry_at = db.session.scalar(select(Campaign.relay_retry_at).where(Campaign.id == campaign_id))
    db.session.commit()
    return retry_at if retry_at is not None and retry_at > utcnow() else None


def note_relay_failure(campaign_id: int, reason: str) -> None:
    """Start the next, longer wait, unless another batch of the campaign already has; commits."""
    now = utcnow()
    failures = db.session.scalar(
        select(Campaign.relay_failures).where(
            Campaign.id == campaign_id,
            or_(Campaign.relay_retry_at.is_(None), Campaign.relay_retry_at <= now),
        )
    )
    if failures is not None:
        config = current_app.config
        delay = relay_delay(
            failures + 1,
            first=config["CAMPAIGN_RELAY_BACKOFF"],
            cap=config["CAMPAIGN_RELAY_BACKOFF_MAX"],
        )
        # Guarded on the count read: of batches failing together, one sets the wait.
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.relay_failures == failures)
            .values(
                relay_failures=failures + 1, relay_retry_at=now + delay, relay_error=reason[:300]
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def note_relay_working(campaign_id: int) -> None:
    """The relay took mail again: the next failure starts from the shortest wait; commits."""
    db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.relay_failures > 0)
        .values(relay_failures=0, relay_retry_at=None, relay_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def hold_campaign(campaign: Campaign, *, reason: str) -> None:
    """Pause a sending campaign that cannot be sent as it stands (the system did it); commits."""
    if campaign.status is CampaignStatus.SENDING:
        record_transition(
            campaign.id, "paused", campaign.status, CampaignStatus.PAUSED, note=reason
        )
        campaign.status = CampaignStatus.PAUSED
    db.session.commit()
