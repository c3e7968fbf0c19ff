"""cases.topic_pending: topic placement deferred to the queue (TOPIC_PLACEMENT=queue), with a
partial index of the pending cases per agency in arrival order

Revision ID: i16q_topic_pending
Revises: i11e_core_enum_checks
Create Date: 2026-12-03 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i16q_topic_pending"
down_revision: str | None = "i11e_core_enum_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing case is placed, or was never to be (no case was deferred before this).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topic_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_cases_topic_pending",
        "cases",
        ["agency_id", "id"],
        unique=False,
        postgresql_where=sa.text("topic_pending"),
        sqlite_where=sa.text("topic_pending"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_cases_topic_pending",
        table_name="cases",
        postgresql_where=sa.text("topic_pending"),
        sqlite_where=sa.text("topic_pending"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("topic_pending")
