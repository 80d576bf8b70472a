"""reports: each campaign's report figures as last computed; the newest event of a campaign

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 23:45:00

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_snapshot",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", pcrm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("funnel", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"],
            name=op.f("fk_report_snapshot_campaign_id_campaign"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_report_snapshot")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_campaign_created", ["campaign_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_campaign_created")
    op.drop_table("report_snapshot")
