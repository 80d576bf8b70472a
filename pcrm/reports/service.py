"""What the report pages show, for whom: department staff see their own department only."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.auth.access import ensure_department
from pcrm.auth.models import Department, User
from pcrm.campaigns.models import Campaign
from pcrm.db import utcnow
from pcrm.errors import NotFound
from pcrm.extensions import db
from pcrm.i18n import localized
from pcrm.projects.models import Project
from pcrm.projects.service import project_for
from pcrm.reports import metrics, rollup, snapshots
from pcrm.reports.campaign import CampaignReport, campaign_report
from pcrm.reports.campaign_tables import campaign_tables
from pcrm.reports.metrics import Funnel
from pcrm.reports.rollup_tables import baseline_table, campaigns_table, sums_table
from pcrm.reports.tables import Table, table_named
from pcrm.surveys.models import Survey
from pcrm.surveys.results import Results, survey_results


def visible_campaign(user: User, campaign_id: int) -> Campaign:
    """The campaign, if the person may see it (a plain 404 otherwise)."""
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure_department(campaign.department_id, user)
    return campaign


@dataclass(frozen=True)
class CampaignPage:
    report: CampaignReport
    tables: list[Table]
    as_of: datetime | None  # when its stored figures were computed; None: computed now


def campaign_page(user: User, campaign_id: int) -> CampaignPage:
    """A visible campaign's report (its stored figures, else computed now) and its tables."""
    campaign = visible_campaign(user, campaign_id)
    stored = snapshots.stored_report(campaign)
    report, as_of = stored if stored is not None else (campaign_report(campaign), None)
    return CampaignPage(report, campaign_tables(report), as_of)


def refresh_campaign(user: User, campaign_id: int) -> None:
    """Recompute a visible campaign's stored figures now."""
    snapshots.refresh(visible_campaign(user, campaign_id))


def one_table(tables: list[Table], key: str) -> Table:
    """The table called `key` of a report (404 for any other name)."""
    table = table_named(tables, key)
    if table is None:
        raise NotFound(_("찾을 수 없습니다."))
    return table


@dataclass(frozen=True)
class Rollup:
    """A page of campaigns added up: its title, the sum of all, and its tables."""

    title: str
    total: Funnel
    tables: list[Table]
    project: Project | None = None
    department: Department | None = None
    as_of: datetime | None = None  # the newest stored figures' time; None: all counted now


def _rollup(title: str, lines: list[rollup.CampaignLine], tables: list[Table], **where) -> Rollup:
    """A page of these campaigns: their sum, and how fresh the stored figures it adds are."""
    total = metrics.total([line.funnel for line in lines])
    return Rollup(title, total, tables, as_of=rollup.newest_figures(lines), **where)


def project_page(user: User, project_id: int) -> Rollup:
    """A visible project's campaigns side by side."""
    project = project_for(user, project_id)
    lines = rollup.of_project(project)
    return _rollup(localized(project), lines, [campaigns_table(lines)], project=project)


def department_page(user: User, department_id: int) -> Rollup:
    """A department's projects and campaigns, and its trend by month."""
    department = db.get_or_404(Department, department_id)
    ensure_department(department.id, user)
    lines = rollup.of_department(department.id)
    tables = [
        sums_table(rollup.by_project(lines), key="projects", title=_("사업"), name=localized,
                   chart_title=_("사업별 응답률 (응답÷전달)")),
        _trend(lines),
        campaigns_table(lines, with_project=True),
    ]  # fmt: skip
    return _rollup(localized(department), lines, tables, department=department)


def district_page(user: User) -> Rollup:
    """Every department compared, with the office's baseline before this service (PR staff)."""
    if not user.sees_all_departments:
        raise NotFound(_("찾을 수 없습니다."))
    lines = rollup.of_department(None)
    departments = rollup.by_department(lines)
    tables = [
        sums_table(departments, key="departments", title=_("부서"), name=localized,
                   chart_title=_("부서별 응답률 (응답÷전달)")),
        baseline_table(departments),
        _trend(lines),
    ]  # fmt: skip
    return _rollup(_("구 전체"), lines, tables)


def _trend(lines) -> Table:
    return sums_table(
        rollup.by_month(lines), key="months", title=_("발송 시작 월"),
        name=lambda month: f"{month:%Y-%m}", chart_title=_("월별 응답률 (응답÷전달)"),
    )  # fmt: skip


def start_page(user: User) -> str:
    """Where the reports menu leads this person."""
    if user.sees_all_departments:
        return url_for("reports.district")
    if user.department_id is None:
        return url_for("projects.index")
    return url_for("reports.department", department_id=user.department_id)


@dataclass(frozen=True)
class PrintReport:
    """A department's result report for its approval chain: reach, then each survey's results."""

    page: Rollup
    surveys: list[Results]
    printed_at: datetime = field(default_factory=utcnow)


def department_print(user: User, department_id: int) -> PrintReport:
    """The department's reach and the results of the surveys its campaigns invited to."""
    page = department_page(user, department_id)
    ids = {line.campaign.survey_id for line in rollup.of_department(department_id)}
    found = db.session.scalars(select(Survey).where(Survey.id.in_(ids - {None}))).all()
    return PrintReport(page, [survey_results(s) for s in sorted(found, key=lambda s: s.id)])
