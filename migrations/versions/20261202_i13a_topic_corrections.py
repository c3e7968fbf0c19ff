"""topic corrections: constraints, slot profiles, membership explanations

Revision ID: i13a_topic_corrections
Revises: i15c_more_audit_chains
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

revision: str = "i13a_topic_corrections"
down_revision: str | None = "i15c_more_audit_chains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_explanation", sa.Text(), nullable=True))
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "slot_profile",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    op.create_table(
        "topic_constraints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("case_a_id", sa.Integer(), nullable=False),
        sa.Column("case_b_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_topic_constraints_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_a_id"], ["cases.id"], name=op.f("fk_topic_constraints_case_a_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["case_b_id"], ["cases.id"], name=op.f("fk_topic_constraints_case_b_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_topic_constraints_created_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_constraints")),
        sa.UniqueConstraint("case_a_id", "case_b_id", name="uq_topic_constraints_pair"),
    )
    with op.batch_alter_table("topic_constraints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_constraints_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_topic_constraints_case_a_id"), ["case_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_topic_constraints_case_b_id"), ["case_b_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("topic_constraints")
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_column("slot_profile")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("topic_explanation")
