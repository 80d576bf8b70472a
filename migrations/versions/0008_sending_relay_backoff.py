"""campaigns: the relay backoff (failures in a row, next try, the relay's words)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relay_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('relay_retry_at', pcrm.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('relay_error', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('relay_error')
        batch_op.drop_column('relay_retry_at')
        batch_op.drop_column('relay_failures')
