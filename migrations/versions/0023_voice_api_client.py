"""voice: the Open311 client (its API key's name) that submitted an item

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 23:58:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("voice_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_client", sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table("voice_item", schema=None) as batch_op:
        batch_op.drop_column("api_client")
