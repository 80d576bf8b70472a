"""What the report pages show, for whom: department staff see their own department only."""

from pcrm.auth.access import ensure_department
from pcrm.auth.models import User
from pcrm.campaigns.models import Campaign
from pcrm.errors import NotFound
from pcrm.extensions import db
from pcrm.reports.campaign import CampaignReport, campaign_report
from pcrm.reports.campaign_tables import campaign_tables
from pcrm.reports.metrics import BASELINE
from pcrm.reports.tables import Table, table_named

__all__ = ["BASELINE", "campaign_page", "one_table", "visible_campaign"]


def visible_campaign(user: User, campaign_id: int) -> Campaign:
    """The campaign, if the person may see it (a plain 404 otherwise)."""
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure_department(campaign.department_id, user)
    return campaign


def campaign_page(user: User, campaign_id: int) -> tuple[CampaignReport, list[Table]]:
    """A visible campaign's report and its tables."""
    report = campaign_report(visible_campaign(user, campaign_id))
    return report, campaign_tables(report)


def one_table(tables: list[Table], key: str) -> Table:
    """The table called `key` of a report (404 for any other name)."""
    table = table_named(tables, key)
    if table is None:
        raise NotFound("")
    return table
