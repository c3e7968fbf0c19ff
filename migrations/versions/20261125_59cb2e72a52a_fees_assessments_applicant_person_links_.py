"""fees: assessments, applicant person links, pieces per case

Revision ID: 59cb2e72a52a
Revises: 4c0cd8973f29
Create Date: 2026-11-25 16:39:36.622332
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '59cb2e72a52a'
down_revision: str | None = '4c0cd8973f29'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('applicant_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('same_as_id', sa.Integer(), nullable=False),
    sa.Column('person_id_before', sa.Integer(), nullable=True),
    sa.Column('person_id_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_applicant_links_actor_user_id_users')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_applicant_links_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['same_as_id'], ['applicants.id'], name=op.f('fk_applicant_links_same_as_id_applicants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_links'))
    )
    with op.batch_alter_table('applicant_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_links_applicant_id'), ['applicant_id'], unique=False)

    op.create_table('fee_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('method', sa.Enum('per_piece', 'per_volume', name='feemethod', native_enum=False, length=20), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('units_before_in_month', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount_due', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('breakdown', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('proposed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_user_id', sa.Integer(), nullable=True),
    sa.Column('notice_issued_on', sa.Date(), nullable=True),
    sa.Column('notice_received_on', sa.Date(), nullable=True),
    sa.Column('payment_due_on', sa.Date(), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_method', sa.String(length=40), nullable=True),
    sa.Column('receipt_number', sa.String(length=80), nullable=True),
    sa.Column('reduction_reason', sa.Text(), nullable=True),
    sa.Column('waived_on', sa.Date(), nullable=True),
    sa.Column('waiver_reason', sa.Text(), nullable=True),
    sa.Column('waived_by_user_id', sa.Integer(), nullable=True),
    sa.Column('refund_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('refunded_on', sa.Date(), nullable=True),
    sa.Column('refund_reason', sa.Text(), nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_fee_assessments_agency_id_agencies')),
    sa.ForeignKeyConstraint(['approved_by_user_id'], ['users.id'], name=op.f('fk_fee_assessments_approved_by_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_fee_assessments_case_id_cases')),
    sa.ForeignKeyConstraint(['proposed_by_user_id'], ['users.id'], name=op.f('fk_fee_assessments_proposed_by_user_id_users')),
    sa.ForeignKeyConstraint(['waived_by_user_id'], ['users.id'], name=op.f('fk_fee_assessments_waived_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_assessments'))
    )
    with op.batch_alter_table('fee_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_assessments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_assessments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_assessments_paid_on'), ['paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_assessments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_assessments_waived_on'), ['waived_on'], unique=False)

    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_applicants_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pieces', sa.Integer(), nullable=False, server_default='1'))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('pieces')

    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicants_person_id'))
        batch_op.drop_column('person_id')

    with op.batch_alter_table('fee_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_assessments_waived_on'))
        batch_op.drop_index(batch_op.f('ix_fee_assessments_status'))
        batch_op.drop_index(batch_op.f('ix_fee_assessments_paid_on'))
        batch_op.drop_index(batch_op.f('ix_fee_assessments_case_id'))
        batch_op.drop_index(batch_op.f('ix_fee_assessments_agency_id'))

    op.drop_table('fee_assessments')
    with op.batch_alter_table('applicant_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_links_applicant_id'))

    op.drop_table('applicant_links')
