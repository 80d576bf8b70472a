"""notice language: registry e-mails go out in the language the resident was using

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriber_notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), server_default='ko', nullable=False))


def downgrade():
    with op.batch_alter_table('subscriber_notice', schema=None) as batch_op:
        batch_op.drop_column('locale')
