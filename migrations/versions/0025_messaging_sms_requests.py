"""messaging: the SMS provider's requests, the unit its delivery results come in

SENS reports per request (up to 100 texts under one id). The poll used to find each result's
text by message.provider_id, which has no index (0024 keeps a send's writes off every index):
a scan of the whole table per result. Now each provider call records its requests with the
ids of their texts, and the poll reads only this table and the texts by primary key.

The texts that still await a result or a retry are grouped by their provider id into requests
here, so a running system loses no pending result; the poll settles those whose texts are final.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# Queued or sending: sent once under this id and now waiting to go again after a temporary
# failure; the request keeps it until it goes under another.
BACKFILL = """
INSERT INTO sms_request (request_id, campaign_id, message_ids, sent_at, settled_at)
SELECT provider_id, min(campaign_id), {ids}, coalesce(min(sent_at), min(created_at)), NULL
FROM message
WHERE channel = 'sms' AND provider_id IS NOT NULL
  AND status IN ('sent', 'bounced_soft', 'queued', 'sending')
GROUP BY provider_id
"""
AGGREGATE = {"postgresql": "json_agg(id ORDER BY id)", "sqlite": "json_group_array(id)"}


def upgrade():
    op.create_table(
        "sms_request",
        sa.Column("request_id", sa.String(length=255), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("sent_at", pcrm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_sms_request_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_sms_request")),
    )
    with op.batch_alter_table("sms_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_request_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index("ix_sms_request_unsettled", ["settled_at", "sent_at"], unique=False)
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(ids=AGGREGATE[dialect]))


def downgrade():
    with op.batch_alter_table("sms_request", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_request_unsettled")
        batch_op.drop_index(batch_op.f("ix_sms_request_campaign_id"))
    op.drop_table("sms_request")
