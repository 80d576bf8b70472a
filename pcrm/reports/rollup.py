"""The same funnel for many campaigns at once: a project's, a department's, the district's."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from pcrm.auth.models import Department
from pcrm.campaigns.models import Campaign
from pcrm.extensions import db
from pcrm.messaging.quiet_hours import SEOUL
from pcrm.projects.models import Project
from pcrm.reports.metrics import EMPTY, Funnel, funnels, total
from pcrm.reports.snapshots import stored_funnels


@dataclass(frozen=True)
class CampaignLine:
    campaign: Campaign
    funnel: Funnel
    as_of: datetime | None = None  # when its stored figures were computed; None: counted now


@dataclass(frozen=True)
class Sum:
    """Campaigns added up under one name (a project, a month, a department)."""

    key: object
    campaigns: int
    funnel: Funnel


def campaign_lines(query: Select) -> list[CampaignLine]:
    """The campaigns `query` selects, newest launch first, each with its funnel (one query)."""
    order = (Campaign.launched_at.desc().nulls_last(), Campaign.id.desc())
    loaded = selectinload(Campaign.project).selectinload(Project.department)
    campaigns = db.session.scalars(query.options(loaded).order_by(*order)).all()
    ids = [campaign.id for campaign in campaigns]
    stored = stored_funnels(ids)
    live = funnels([one for one in ids if one not in stored])  # none stored yet: counted now
    return [
        CampaignLine(c, *stored[c.id]) if c.id in stored else CampaignLine(c, live.get(c.id, EMPTY))
        for c in campaigns
    ]


def newest_figures(lines: list[CampaignLine]) -> datetime | None:
    """When the newest of the lines' stored figures was computed (None: all counted now)."""
    return max((line.as_of for line in lines if line.as_of is not None), default=None)


def of_project(project: Project) -> list[CampaignLine]:
    return campaign_lines(select(Campaign).where(Campaign.project_id == project.id))


def of_department(department_id: int | None) -> list[CampaignLine]:
    """A department's campaigns, or every department's with None."""
    query = select(Campaign).join(Project, Project.id == Campaign.project_id)
    if department_id is not None:
        query = query.where(Project.department_id == department_id)
    return campaign_lines(query)


def _summed(groups: dict) -> list[Sum]:
    return [
        Sum(key, len(lines), total([one.funnel for one in lines])) for key, lines in groups.items()
    ]


def by_project(lines: list[CampaignLine]) -> list[Sum]:
    groups = defaultdict(list)
    for line in lines:
        groups[line.campaign.project].append(line)
    return sorted(_summed(groups), key=lambda s: s.key.name_ko)


def by_month(lines: list[CampaignLine]) -> list[Sum]:
    """Launched campaigns by the month (Seoul) they started, oldest first: the trend."""
    groups = defaultdict(list)
    for line in lines:
        if line.campaign.launched_at is not None:
            launched = line.campaign.launched_at.astimezone(SEOUL)
            groups[date(launched.year, launched.month, 1)].append(line)
    return sorted(_summed(groups), key=lambda s: s.key)


def by_department(lines: list[CampaignLine]) -> list[Sum]:
    """Every department, also those with no campaign yet, in name order."""
    groups = {department: [] for department in db.session.scalars(select(Department))}
    for line in lines:
        groups[line.campaign.project.department].append(line)
    return sorted(_summed(groups), key=lambda s: s.key.name_ko)
