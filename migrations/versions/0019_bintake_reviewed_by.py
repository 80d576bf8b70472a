"""bounces: who read a returned message left for a person, and when

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 19:13:26.989073

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_at', pcrm.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_inbound_mail_reviewed_by_id_user'), 'user', ['reviewed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inbound_mail_reviewed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
