"""topics of similar requests, LSH band keys, published catalogue, surge alerts

Revision ID: 6f61964893e2
Revises: 1856de8cbe37
Create Date: 2026-11-25 17:11:57.977369
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '6f61964893e2'
down_revision: str | None = '1856de8cbe37'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('representative_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('case_count', sa.Integer(), nullable=False),
    sa.Column('applicant_count', sa.Integer(), nullable=False),
    sa.Column('first_on', sa.Date(), nullable=False),
    sa.Column('last_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_topics_agency_id_agencies')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_topics_decided_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics'))
    )
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topics_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topics_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_topics_last_on'), ['last_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_topics_status'), ['status'], unique=False)

    op.create_table('published_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_published_items_agency_id_agencies')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_published_items_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_items'))
    )
    with op.batch_alter_table('published_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_items_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_items_published_on'), ['published_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_items_topic_id'), ['topic_id'], unique=False)

    op.create_table('surge_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('today_count', sa.Integer(), nullable=False),
    sa.Column('baseline_mean', sa.Float(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_surge_alerts_agency_id_agencies')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_surge_alerts_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surge_alerts')),
    sa.UniqueConstraint('topic_id', 'day', name='uq_surge_alerts_topic_day')
    )
    with op.batch_alter_table('surge_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surge_alerts_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_surge_alerts_topic_id'), ['topic_id'], unique=False)

    op.create_table('topic_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_topic_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_events_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_events'))
    )
    with op.batch_alter_table('topic_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_events_topic_id'), ['topic_id'], unique=False)

    op.create_table('request_band_keys',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('band_key', sa.String(length=24), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_request_band_keys_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', 'band_key', name=op.f('pk_request_band_keys'))
    )
    with op.batch_alter_table('request_band_keys', schema=None) as batch_op:
        batch_op.create_index('ix_request_band_keys_agency_key', ['agency_id', 'band_key'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_topic_id'), ['topic_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_topic_id_topics'), 'topics', ['topic_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_topic_id_topics'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_topic_id'))
        batch_op.drop_column('topic_id')

    with op.batch_alter_table('request_band_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_request_band_keys_agency_key')

    op.drop_table('request_band_keys')
    with op.batch_alter_table('topic_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_events_topic_id'))

    op.drop_table('topic_events')
    with op.batch_alter_table('surge_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surge_alerts_topic_id'))
        batch_op.drop_index(batch_op.f('ix_surge_alerts_agency_id'))

    op.drop_table('surge_alerts')
    with op.batch_alter_table('published_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_items_topic_id'))
        batch_op.drop_index(batch_op.f('ix_published_items_published_on'))
        batch_op.drop_index(batch_op.f('ix_published_items_agency_id'))

    op.drop_table('published_items')
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topics_status'))
        batch_op.drop_index(batch_op.f('ix_topics_last_on'))
        batch_op.drop_index(batch_op.f('ix_topics_decided_at'))
        batch_op.drop_index(batch_op.f('ix_topics_agency_id'))

    op.drop_table('topics')
