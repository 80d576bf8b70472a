"""Report pages: a campaign, a project, a department and the district; their CSV and XLSX."""

from flask import Blueprint, render_template
from flask_login import current_user

from pcrm.reports import exports, service

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """A campaign's report: funnel, rates, channels, waves, links, timing and groups."""
    report, tables = service.campaign_page(current_user, campaign_id)
    return render_template(
        "reports/campaign.html", report=report, tables=tables, baseline=service.BASELINE
    )


@bp.get("/campaigns/<int:campaign_id>/<key>.csv")
def campaign_csv(campaign_id: int, key: str):
    """One table of a campaign's report as CSV."""
    _report, tables = service.campaign_page(current_user, campaign_id)
    table = service.one_table(tables, key)
    return exports.csv_file(table, f"campaign-{campaign_id}-{table.key}.csv")


@bp.get("/campaigns/<int:campaign_id>/report.xlsx")
def campaign_xlsx(campaign_id: int):
    """Every table of a campaign's report as one workbook."""
    _report, tables = service.campaign_page(current_user, campaign_id)
    return exports.xlsx_file(tables, f"campaign-{campaign_id}-report.xlsx")
