"""drop case indexes that only slow down due-date recomputation

Revision ID: a3008420dee6
Revises: 1e75affe3352
Create Date: 2026-11-25 17:25:44.829551
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a3008420dee6'
down_revision: str | None = '1e75affe3352'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_agency_id'))
        batch_op.drop_index(batch_op.f('ix_cases_channel'))
        batch_op.drop_index(batch_op.f('ix_cases_state'))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_agency_id'), ['agency_id'], unique=False)

