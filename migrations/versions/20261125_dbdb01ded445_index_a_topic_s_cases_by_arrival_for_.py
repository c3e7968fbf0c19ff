"""index a topic's cases by arrival for the surge check

Revision ID: dbdb01ded445
Revises: 51688829cd15
Create Date: 2026-11-25 18:10:13.798097
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'dbdb01ded445'
down_revision: str | None = '51688829cd15'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_topic_id'))
        batch_op.create_index('ix_cases_topic_submitted', ['topic_id', 'submitted_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_topic_submitted')
        batch_op.create_index(batch_op.f('ix_cases_topic_id'), ['topic_id'], unique=False)

