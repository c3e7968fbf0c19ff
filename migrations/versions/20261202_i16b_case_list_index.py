"""case list: (agency_id, id) index for the default newest-first list and its bounded count

Revision ID: i16b_case_list_index
Revises: i16a
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i16b_case_list_index"
down_revision: str | None = "i16a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_agency_id_id", "cases", ["agency_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_agency_id_id", table_name="cases")
