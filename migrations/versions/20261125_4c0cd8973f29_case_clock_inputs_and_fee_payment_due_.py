"""case clock inputs and fee payment due date

Revision ID: 4c0cd8973f29
Revises: fcbea221b12d
Create Date: 2026-11-25 16:33:53.972242
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '4c0cd8973f29'
down_revision: str | None = 'fcbea221b12d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_inputs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('fee_payment_due_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_correction_due_on'), ['correction_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_fee_payment_due_on'), ['fee_payment_due_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_fee_payment_due_on'))
        batch_op.drop_index(batch_op.f('ix_cases_correction_due_on'))
        batch_op.drop_column('fee_payment_due_on')
        batch_op.drop_column('clock_inputs')

