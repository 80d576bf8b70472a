"""Periodic and one-off jobs of the campaign engine (see pcrm/schedule.py)."""

from sqlalchemy import select

from pcrm.campaigns.launch import hold, hold_reason, start_sending
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.reconcile import reconcile_campaigns
from pcrm.campaigns.recurrence import spawn_occurrence
from pcrm.campaigns.waves import materialise_due_waves
from pcrm.db import utcnow
from pcrm.extensions import db

__all__ = ["launch_due_campaigns", "materialise_due_waves", "reconcile_campaigns"]


def _next_due() -> Campaign | None:
    """One due campaign, locked; on PostgreSQL a campaign another worker holds is skipped."""
    due = (
        select(Campaign)
        .where(
            Campaign.status == CampaignStatus.SCHEDULED,
            Campaign.send_at <= utcnow(),
            Campaign.held_at.is_(None),
        )
        .order_by(Campaign.send_at, Campaign.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return db.session.scalar(due)


def launch_due_campaigns() -> int:
    """Launch every scheduled campaign whose time has come; late ones, and ones whose survey is
    not open, wait for a person to confirm."""
    launched = 0
    while (campaign := _next_due()) is not None:
        reason = hold_reason(campaign)
        if reason:
            hold(campaign, reason)
            continue
        if campaign.is_series:
            campaign = spawn_occurrence(campaign)
        start_sending(campaign)
        launched += 1
    db.session.commit()
    return launched
