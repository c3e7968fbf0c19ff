"""oversight: difficult-case filings, remedy records, reply hold setting

Revision ID: 1856de8cbe37
Revises: 4ffebe8c9bfa
Create Date: 2026-11-25 16:51:11.902623
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '1856de8cbe37'
down_revision: str | None = '4ffebe8c9bfa'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('difficult_case_filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('oversight_agency_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('proposed_reply', sa.Text(), nullable=False),
    sa.Column('proposed_basis', sa.Text(), nullable=False),
    sa.Column('attachment_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('trigger_on', sa.Date(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('filed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('guidance', sa.Text(), nullable=True),
    sa.Column('guidance_attachment_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('guidance_by_user_id', sa.Integer(), nullable=True),
    sa.Column('guidance_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_difficult_case_filings_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_difficult_case_filings_case_id_cases')),
    sa.ForeignKeyConstraint(['filed_by_user_id'], ['users.id'], name=op.f('fk_difficult_case_filings_filed_by_user_id_users')),
    sa.ForeignKeyConstraint(['guidance_by_user_id'], ['users.id'], name=op.f('fk_difficult_case_filings_guidance_by_user_id_users')),
    sa.ForeignKeyConstraint(['oversight_agency_id'], ['agencies.id'], name=op.f('fk_difficult_case_filings_oversight_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_difficult_case_filings'))
    )
    with op.batch_alter_table('difficult_case_filings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_difficult_case_filings_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_difficult_case_filings_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_difficult_case_filings_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_difficult_case_filings_filed_on'), ['filed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_difficult_case_filings_oversight_agency_id'), ['oversight_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_difficult_case_filings_status'), ['status'], unique=False)

    op.create_table('remedy_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('body', sa.String(length=200), nullable=False),
    sa.Column('external_case_number', sa.String(length=100), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('correction_reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_remedy_records_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_remedy_records_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_remedy_records_created_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_records'))
    )
    with op.batch_alter_table('remedy_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedy_records_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedy_records_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedy_records_decided_on'), ['decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedy_records_filed_on'), ['filed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedy_records_result'), ['result'], unique=False)

    op.create_table('filing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_filing_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['filing_id'], ['difficult_case_filings.id'], name=op.f('fk_filing_events_filing_id_difficult_case_filings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_events'))
    )
    with op.batch_alter_table('filing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_events_filing_id'), ['filing_id'], unique=False)

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_reply_while_filing_pending', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('hold_reply_while_filing_pending')

    with op.batch_alter_table('filing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_events_filing_id'))

    op.drop_table('filing_events')
    with op.batch_alter_table('remedy_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedy_records_result'))
        batch_op.drop_index(batch_op.f('ix_remedy_records_filed_on'))
        batch_op.drop_index(batch_op.f('ix_remedy_records_decided_on'))
        batch_op.drop_index(batch_op.f('ix_remedy_records_case_id'))
        batch_op.drop_index(batch_op.f('ix_remedy_records_agency_id'))

    op.drop_table('remedy_records')
    with op.batch_alter_table('difficult_case_filings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_difficult_case_filings_status'))
        batch_op.drop_index(batch_op.f('ix_difficult_case_filings_oversight_agency_id'))
        batch_op.drop_index(batch_op.f('ix_difficult_case_filings_filed_on'))
        batch_op.drop_index(batch_op.f('ix_difficult_case_filings_category'))
        batch_op.drop_index(batch_op.f('ix_difficult_case_filings_case_id'))
        batch_op.drop_index(batch_op.f('ix_difficult_case_filings_agency_id'))

    op.drop_table('difficult_case_filings')
