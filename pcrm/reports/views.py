"""Report pages: a campaign, a project, a department and the district; their CSV and XLSX."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pcrm.reports import exports, service
from pcrm.reports.forms import RefreshForm
from pcrm.reports.metrics import BASELINE

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
def index():
    """PR staff start at the district overview, department staff at their department."""
    return redirect(service.start_page(current_user))


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """A campaign's report: funnel, rates, channels, waves, links, timing and groups."""
    page = service.campaign_page(current_user, campaign_id)
    return render_template(
        "reports/campaign.html", report=page.report, tables=page.tables, as_of=page.as_of,
        baseline=BASELINE, refresh_form=RefreshForm(),
    )  # fmt: skip


@bp.post("/campaigns/<int:campaign_id>/refresh")
def campaign_refresh(campaign_id: int):
    """Recompute the campaign's report figures now (staff of its department, PR)."""
    if RefreshForm().validate_on_submit():
        service.refresh_campaign(current_user, campaign_id)
        flash(_("보고서 숫자를 지금 기준으로 새로 계산했습니다."), "success")
    return redirect(url_for("reports.campaign", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/<key>.csv")
def campaign_csv(campaign_id: int, key: str):
    """One table of a campaign's report as CSV."""
    table = service.one_table(service.campaign_page(current_user, campaign_id).tables, key)
    return exports.csv_file(table, f"campaign-{campaign_id}-{table.key}.csv")


@bp.get("/campaigns/<int:campaign_id>/report.xlsx")
def campaign_xlsx(campaign_id: int):
    """Every table of a campaign's report as one workbook."""
    tables = service.campaign_page(current_user, campaign_id).tables
    return exports.xlsx_file(tables, f"campaign-{campaign_id}-report.xlsx")


def _rollup(page: service.Rollup, name: str, key: str | None, fmt: str | None):
    if fmt == "csv":
        return exports.csv_file(service.one_table(page.tables, key), f"{name}-{key}.csv")
    if fmt == "xlsx":
        return exports.xlsx_file(page.tables, f"{name}-report.xlsx")
    return render_template("reports/rollup.html", page=page)


def _rollup_routes(path: str, endpoint: str, page, name) -> None:
    """A rollup page, each of its tables as CSV and all as XLSX, under `path`."""

    def show(key=None, fmt=None, **ids):
        return _rollup(page(current_user, **ids), name(**ids), key, fmt)

    show.__doc__ = page.__doc__
    bp.add_url_rule(path, endpoint, show, methods=["GET"])
    bp.add_url_rule(f"{path}/<key>.csv", f"{endpoint}_csv", show, defaults={"fmt": "csv"})
    bp.add_url_rule(f"{path}/report.xlsx", f"{endpoint}_xlsx", show, defaults={"fmt": "xlsx"})


_rollup_routes(
    "/projects/<int:project_id>", "project", service.project_page,
    lambda project_id: f"project-{project_id}",
)  # fmt: skip
_rollup_routes(
    "/departments/<int:department_id>", "department", service.department_page,
    lambda department_id: f"department-{department_id}",
)  # fmt: skip
_rollup_routes("/district", "district", service.district_page, lambda: "district")


@bp.get("/departments/<int:department_id>/print")
def department_print(department_id: int):
    """A department's result report (reach and survey results), laid out for A4 paper."""
    report = service.department_print(current_user, department_id)
    return render_template("reports/print.html", report=report)
