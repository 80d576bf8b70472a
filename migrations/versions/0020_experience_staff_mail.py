"""experience: staff notices by e-mail, staff invitations, the staff member's language

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), server_default='ko', nullable=False))
    op.create_table(
        'staff_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('created_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('failed_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staff_notice_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notice')),
    )
    with op.batch_alter_table('staff_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_notice_user_id'), ['user_id'], unique=False)
    op.create_table(
        'staff_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('token_digest', sa.String(length=64), nullable=True),
        sa.Column('created_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('used_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_staff_invitation_invited_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staff_invitation_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invitation')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_staff_invitation_token_digest')),
    )
    with op.batch_alter_table('staff_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invitation_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invitation_user_id'))
    op.drop_table('staff_invitation')
    with op.batch_alter_table('staff_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_notice_user_id'))
    op.drop_table('staff_notice')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locale')
