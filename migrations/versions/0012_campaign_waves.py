"""campaigns: reminder waves to those who got a campaign and have not answered

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaign_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", name="channel", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("after_days", sa.Integer(), nullable=True),
        sa.Column("send_at", pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("scheduled", "sent", name="wavestatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("materialised_at", pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pcrm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_wave_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_wave")),
        sa.UniqueConstraint("campaign_id", "number", name=op.f("uq_campaign_wave_campaign_id_number")),
    )
    op.create_index(
        op.f("ix_campaign_wave_campaign_id"), "campaign_wave", ["campaign_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_campaign_wave_campaign_id"), table_name="campaign_wave")
    op.drop_table("campaign_wave")
