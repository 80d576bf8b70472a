"""campaigns: the SMS provider's backoff apart from the e-mail relay's

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:13:18.558221

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sms_retry_at', pcrm.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sms_error', sa.String(length=300), nullable=True))



def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('sms_error')
        batch_op.drop_column('sms_retry_at')
        batch_op.drop_column('sms_failures')

