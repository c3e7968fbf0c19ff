"""status enum columns: the database refuses any status, kind or category outside its enum

Fee, letter, filing and topic statuses (and a filing's category, a remedy's kind and result,
a case's clock state) were bare strings; the models now type them with their domain enums and
each column gets a named CHECK constraint listing the enum's values. The stored values (the
lower-case English enum values) do not change.

Revision ID: i11b_status_enum_checks
Revises: i16b_case_list_index
Create Date: 2026-12-02 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i11b_status_enum_checks"
down_revision: str | None = "i16b_case_list_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (a migration must not follow later changes to the enums).
_CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cases", "clock_state", ("running", "paused", "stopped", "met", "overdue")),
    (
        "fee_assessments",
        "status",
        (
            "proposed",
            "declined",
            "notice_issued",
            "paid",
            "waived",
            "abandoned",
            "cancelled",
            "refunded",
        ),
    ),
    ("letters", "status", ("draft", "approved", "issuing", "issued")),
    (
        "difficult_case_filings",
        "category",
        (
            "likely_litigation",
            "complex_legal_question",
            "third_party_dispute",
            "sensitive_topic",
            "mass_or_repeated",
            "other",
        ),
    ),
    ("difficult_case_filings", "status", ("filed", "received", "guidance_given", "closed")),
    (
        "remedy_records",
        "kind",
        ("reconsideration", "litigation_direct", "litigation_after_reconsideration"),
    ),
    ("remedy_records", "result", ("upheld", "corrected", "other", "pending")),
    ("topics", "status", ("open", "candidate", "converted", "declined", "merged")),
)


def _tables() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    by_table: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for table, column, values in _CHECKS:
        by_table.setdefault(table, []).append((column, values))
    return by_table


def upgrade() -> None:
    # One batch per table: SQLite rebuilds the table once with all its new constraints.
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns:
                allowed = ", ".join(f"'{v}'" for v in values)
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), f"{column} IN ({allowed})"
                )


def downgrade() -> None:
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _ in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
