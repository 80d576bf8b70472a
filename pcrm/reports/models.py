"""A campaign's figures as last computed: what the report pages read instead of every message."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from pcrm.extensions import db


class ReportSnapshot(db.Model):
    """Every figure family of one campaign's report, as of `computed_at` (pcrm.reports.snapshots).

    The funnel has a column of its own: the project, department and district pages read only it.
    """

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime]
    funnel: Mapped[dict] = mapped_column(JSON)
    figures: Mapped[dict] = mapped_column(JSON, deferred=True)
