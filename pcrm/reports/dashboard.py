"""What needs the signed-in person now: for PR staff, requests to review, campaigns sending,
returned addresses to clean up and the latest results; for department staff, their own
campaigns and where each stands."""

from dataclasses import dataclass

from sqlalchemy import Select, select

from pcrm.auth.models import User
from pcrm.bounces import worklist
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import Progress, progress
from pcrm.campaigns.service import visible_campaigns
from pcrm.extensions import db
from pcrm.reports.rollup import CampaignLine, campaign_lines

LATEST = 5
OWN = 10


@dataclass(frozen=True)
class Needs:
    waiting: list[Campaign]  # requested, waiting for the PR office's review
    sending: list[tuple[Campaign, Progress]]
    unchecked_bounces: int | None  # PR staff only: rows of the clean-up worklist not checked
    latest: list[CampaignLine]  # the latest campaigns sent, with their figures
    own: list[CampaignLine]  # department staff: their department's campaigns, newest first


def _campaigns(user: User, status: CampaignStatus, limit: int | None = None) -> list[Campaign]:
    query = visible_campaigns(user, status)
    return list(db.session.scalars(query.limit(limit) if limit else query))


def _lines(query: Select, limit: int) -> list[CampaignLine]:
    """The newest `limit` campaigns of a visible-campaigns query, with their figures."""
    newest = query.with_only_columns(Campaign.id).limit(limit)
    return campaign_lines(select(Campaign).where(Campaign.id.in_(newest)))


def needs(user: User) -> Needs:
    """The dashboard's lists for this person (department staff: their department only)."""
    sending = [(c, progress(c.id)) for c in _campaigns(user, CampaignStatus.SENDING)]
    latest = _lines(visible_campaigns(user, CampaignStatus.SENT), LATEST)
    own = [] if user.sees_all_departments else _lines(visible_campaigns(user), OWN)
    unchecked = (
        worklist.total(worklist.Filters(unchecked=True)) if user.sees_all_departments else None
    )
    return Needs(_campaigns(user, CampaignStatus.REQUESTED), sending, unchecked, latest, own)
