"""letters: when issuing was requested and how many attempts it took (stuck-issue recovery)

Revision ID: i12a_letter_issue_attempts
Revises: i14a_letters_fonts_report
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i12a_letter_issue_attempts"
down_revision: str | None = "i14a_letters_fonts_report"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issue_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("issue_attempts", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_column("issue_attempts")
        batch_op.drop_column("issue_requested_at")
