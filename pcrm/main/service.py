"""Figures for the dashboard."""

from dataclasses import dataclass

from sqlalchemy import func

from pcrm.auth.models import User
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.projects.service import narrow_to_visible
from pcrm.subscribers.models import Subscriber, subscriber_interest

SURVEY_FIELD = "survey"


@dataclass(frozen=True)
class DashboardSummary:
    subscribers: int
    policy_customers: int
    projects: int
    campaigns_waiting: int


def dashboard_summary(user: User) -> DashboardSummary:
    """Counts the signed-in person may see: department staff see their own projects only."""
    live = db.select(func.count()).select_from(Subscriber).where(Subscriber.erased_at.is_(None))
    policy = (
        db.select(func.count())
        .select_from(subscriber_interest)
        .where(subscriber_interest.c.field_code == SURVEY_FIELD)
    )
    projects = db.select(func.count()).select_from(Project).where(Project.archived.is_(False))
    waiting = (
        db.select(func.count())
        .select_from(Campaign)
        .join(Project)
        .where(Campaign.status == CampaignStatus.REQUESTED)
    )
    return DashboardSummary(
        subscribers=db.session.scalar(live),
        policy_customers=db.session.scalar(policy),
        projects=db.session.scalar(narrow_to_visible(projects, user)),
        campaigns_waiting=db.session.scalar(narrow_to_visible(waiting, user)),
    )
