"""per-agency threshold and window for proactive-disclosure candidates

Revision ID: 043d9a3b0dbb
Revises: a3008420dee6
Create Date: 2026-11-25 17:35:18.940012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '043d9a3b0dbb'
down_revision: str | None = 'a3008420dee6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_min_applicants', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('topic_window_days', sa.Integer(), nullable=False, server_default='365'))



def downgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('topic_window_days')
        batch_op.drop_column('topic_min_applicants')

