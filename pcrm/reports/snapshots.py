"""Each campaign's report figures computed once and stored (ReportSnapshot), so a report page
reads one row instead of every message and event of the campaign.

A periodic job (refresh_due_snapshots, pcrm/schedule.py) recomputes a campaign's figures while
it sends, when its sending ends, and whenever something happened to one of its messages (an
open, a click, an answer, a bounce: every such thing is an Event) after its figures were
computed. Staff may recompute one campaign's figures at once from its report page. A campaign
with no stored figures yet is computed live, as before.
"""

import dataclasses
import enum
import types
import typing
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from pcrm.campaigns.models import UNDER_WAY, Campaign
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Event
from pcrm.reports.campaign import CampaignReport, campaign_report
from pcrm.reports.metrics import Funnel
from pcrm.reports.models import ReportSnapshot

FAMILIES = tuple(f.name for f in dataclasses.fields(CampaignReport) if f.name != "campaign")


def _plain(value):
    """A figure as JSON: dataclasses as objects, times as ISO text, codes as their value."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(one) for key, one in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(one) for one in value]
    return value


def _typed(kind, value):
    """The JSON of `_plain` back as a value of the annotated type `kind`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return _typed(next(arg for arg in args if arg is not type(None)), value)
    if origin is list:
        return [_typed(args[0], one) for one in value]
    if origin is tuple:
        return tuple(_typed(arg, one) for arg, one in zip(args, value, strict=True))
    if origin is dict:
        return {key: _typed(args[1], one) for key, one in value.items()}
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{name: _typed(hints[name], one) for name, one in value.items()})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value


_HINTS = typing.get_type_hints(CampaignReport)


def refresh(campaign: Campaign) -> ReportSnapshot:
    """Compute the campaign's figures now and store them (committed)."""
    started = utcnow()  # what happens while computing counts as newer, and is caught next time
    report = campaign_report(campaign)
    figures = {name: _plain(getattr(report, name)) for name in FAMILIES if name != "funnel"}
    values = {"computed_at": started, "funnel": _plain(report.funnel), "figures": figures}
    snapshot = db.session.get(ReportSnapshot, campaign.id)
    if snapshot is None:
        snapshot = ReportSnapshot(campaign_id=campaign.id, **values)
        db.session.add(snapshot)
    else:
        for name, value in values.items():
            setattr(snapshot, name, value)
    try:
        db.session.commit()
    except IntegrityError:  # another worker stored it first: theirs is as fresh
        db.session.rollback()
        snapshot = db.session.get(ReportSnapshot, campaign.id)
    return snapshot


def stored_report(campaign: Campaign) -> tuple[CampaignReport, datetime] | None:
    """The campaign's report as last stored, and when it was computed (None: never)."""
    snapshot = db.session.get(ReportSnapshot, campaign.id)
    if snapshot is None:
        return None
    families = {name: _typed(_HINTS[name], value) for name, value in snapshot.figures.items()}
    funnel = _typed(Funnel, snapshot.funnel)
    return CampaignReport(campaign=campaign, funnel=funnel, **families), snapshot.computed_at


class StoredFunnel(NamedTuple):
    funnel: Funnel
    computed_at: datetime


def stored_funnels(campaign_ids: list[int]) -> dict[int, StoredFunnel]:
    """The stored funnels of those campaigns that have one, each with when it was computed."""
    if not campaign_ids:
        return {}
    rows = db.session.execute(
        select(ReportSnapshot.campaign_id, ReportSnapshot.funnel, ReportSnapshot.computed_at)
        .where(ReportSnapshot.campaign_id.in_(campaign_ids))
    ).all()  # fmt: skip
    return {
        row.campaign_id: StoredFunnel(_typed(Funnel, row.funnel), row.computed_at) for row in rows
    }


def due() -> list[int]:
    """Campaigns whose stored figures may be behind: sending or paused, launched with none
    stored, finished after they were computed, or with an event newer than them."""
    latest_event = (
        select(func.max(Event.created_at)).where(Event.campaign_id == Campaign.id).scalar_subquery()
    )
    computed = ReportSnapshot.computed_at
    query = (
        select(Campaign.id)
        .outerjoin(ReportSnapshot, ReportSnapshot.campaign_id == Campaign.id)
        .where(Campaign.launched_at.is_not(None))
        .where(
            or_(
                Campaign.status.in_(UNDER_WAY),
                computed.is_(None),
                Campaign.finished_at > computed,
                latest_event > computed,
            )
        )
        .order_by(Campaign.id)
    )
    return list(db.session.scalars(query))


def refresh_due_snapshots() -> int:
    """Periodic job: recompute the figures of every campaign that may be behind."""
    ids = due()
    for campaign_id in ids:
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is not None:
            refresh(campaign)
    return len(ids)
