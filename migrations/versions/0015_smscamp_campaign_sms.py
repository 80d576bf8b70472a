"""campaigns: an SMS text for a campaign's first wave, and mixed e-mail/SMS first waves

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:10:25.029361

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sms_to_phone_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("sms_subject", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("sms_body", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("sms_body")
        batch_op.drop_column("sms_subject")
        batch_op.drop_column("sms_to_phone_only")
