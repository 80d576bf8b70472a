"""messaging: SMS short links /r/<code> to a message's survey or opt-out page

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 17:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "short_link",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column(
            "target",
            sa.Enum("survey", "unsubscribe", name="shorttarget", native_enum=False, length=30),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_short_link_message_id_message")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_short_link")),
        sa.UniqueConstraint("message_id", "target", name=op.f("uq_short_link_message_id_target")),
    )


def downgrade():
    op.drop_table("short_link")
