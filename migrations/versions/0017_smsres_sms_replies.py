"""replies: SMS replies residents sent, kept once each for staff to read

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 19:13:17.139935

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('opt_out', sa.Boolean(), nullable=False),
    sa.Column('revoked', sa.Integer(), nullable=False),
    sa.Column('read_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_sms_reply_message_id_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_reply')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_sms_reply_fingerprint'))
    )
    with op.batch_alter_table('sms_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_reply_phone'), ['phone'], unique=False)



def downgrade():
    with op.batch_alter_table('sms_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_reply_phone'))

    op.drop_table('sms_reply')
