"""bounces: the clean-up worklist (address_review) and the bounces the policy applied (address_bounce)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 19:11:30.978770

"""
from alembic import op
import sqlalchemy as sa

import pcrm.db


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('address_bounce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='channel', native_enum=False, length=30), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.Enum('hard', 'soft', 'complaint', 'none', name='bouncekind', native_enum=False, length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('diagnostic', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_mail.id'], name=op.f('fk_address_bounce_inbound_id_inbound_mail')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_address_bounce_message_id_message')),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], name=op.f('fk_address_bounce_subscriber_id_subscriber')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_bounce'))
    )
    with op.batch_alter_table('address_bounce', schema=None) as batch_op:
        batch_op.create_index('ix_address_bounce_address', ['channel', 'address', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_bounce_inbound_id'), ['inbound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_bounce_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_bounce_subscriber_id'), ['subscriber_id'], unique=False)

    op.create_table('address_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='channel', native_enum=False, length=30), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('state', sa.Enum('bouncing', 'suppressed', 'restored', 'correcting', name='reviewstate', native_enum=False, length=30), nullable=False),
    sa.Column('reason', sa.Enum('hard_bounce', 'soft_bounces', 'complaint', 'manual', name='reviewreason', native_enum=False, length=30), nullable=True),
    sa.Column('revoked_consent_id', sa.Integer(), nullable=True),
    sa.Column('revoked_consent_given_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counted_since', pcrm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_bounce_id', sa.Integer(), nullable=True),
    sa.Column('pending_email', sa.String(length=254), nullable=True),
    sa.Column('checked_at', pcrm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', pcrm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user.id'], name=op.f('fk_address_review_checked_by_id_user')),
    sa.ForeignKeyConstraint(['last_bounce_id'], ['address_bounce.id'], name=op.f('fk_address_review_last_bounce_id_address_bounce')),
    sa.ForeignKeyConstraint(['revoked_consent_id'], ['consent_event.id'], name=op.f('fk_address_review_revoked_consent_id_consent_event')),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], name=op.f('fk_address_review_subscriber_id_subscriber')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_review')),
    sa.UniqueConstraint('subscriber_id', 'channel', name=op.f('uq_address_review_subscriber_id_channel'))
    )
    with op.batch_alter_table('address_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_review_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_review_updated_at'), ['updated_at'], unique=False)


    # A confirmation e-mail to a corrected address, which replaces the old one once confirmed.
    with op.batch_alter_table('subscriber_notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('subscriber_notice', schema=None) as batch_op:
        batch_op.drop_column('address')

    with op.batch_alter_table('address_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_review_updated_at'))
        batch_op.drop_index(batch_op.f('ix_address_review_state'))

    op.drop_table('address_review')
    with op.batch_alter_table('address_bounce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_bounce_subscriber_id'))
        batch_op.drop_index(batch_op.f('ix_address_bounce_message_id'))
        batch_op.drop_index(batch_op.f('ix_address_bounce_inbound_id'))
        batch_op.drop_index('ix_address_bounce_address')

    op.drop_table('address_bounce')
