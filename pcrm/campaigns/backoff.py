"""The relay backoff: when a channel's relay or provider refuses every recipient for now, or
cannot be reached, or asks us to slow down (a 429 with Retry-After), the campaign's sending on
that channel waits, longer each time in a row, and no recipient's attempt is used up.

Each channel waits apart (the e-mail relay's columns relay_*, the SMS provider's sms_*): a SENS
outage does not stop a mixed campaign's e-mail, nor a dead mail relay its texts. The wait is
kept on the campaign row, so the reconciler and a restarted worker honour it: a batch job that
starts during the wait claims nothing on that channel, and the reconciler queues the batches
again once it is over.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers.models import Channel

# Each channel's (failures in a row, next try, the relay's words) on the campaign row.
COLUMNS = {
    Channel.EMAIL: (Campaign.relay_failures, Campaign.relay_retry_at, Campaign.relay_error),
    Channel.SMS: (Campaign.sms_failures, Campaign.sms_retry_at, Campaign.sms_error),
}


def relay_delay(failures: int, *, first: int, cap: int) -> timedelta:
    """first, 2 × first, 4 × first, ... seconds for failures 1, 2, 3, ..., never above cap."""
    doublings = min(max(failures, 1) - 1, 30)
    return timedelta(seconds=min(cap, first * 2**doublings))


def note_relay_failure(
    campaign_id: int, reason: str, *, channel: Channel, at_least: float | None = None
) -> None:
    """Start the next, longer wait on `channel` (at least `at_least` seconds, what a provider
    asked for), unless another batch of the campaign already has; commits."""
    failures_column, retry_at_column, error_column = COLUMNS[channel]
    now = utcnow()
    failures = db.session.scalar(
        select(failures_column).where(
            Campaign.id == campaign_id, or_(retry_at_column.is_(None), retry_at_column <= now)
        )
    )
    if failures is not None:
        config = current_app.config
        delay = relay_delay(
            failures + 1,
            first=config["CAMPAIGN_RELAY_BACKOFF"],
            cap=config["CAMPAIGN_RELAY_BACKOFF_MAX"],
        )
        delay = max(delay, timedelta(seconds=at_least or 0))
        # Guarded on the count read: of batches failing together, one sets the wait.
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, failures_column == failures)
            .values(
                {
                    failures_column: failures + 1,
                    retry_at_column: now + delay,
                    error_column: reason[:300],
                }
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def note_relay_working(campaign_id: int, *, channel: Channel) -> None:
    """The channel took messages again: its next failure starts from the shortest wait;
    commits."""
    failures_column, retry_at_column, error_column = COLUMNS[channel]
    db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, failures_column > 0)
        .values({failures_column: 0, retry_at_column: None, error_column: None})
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
