"""more enum columns: outgoing deliveries, job runs, and how applicants receive information

The statuses of webhook deliveries, notifications and job runs, and the delivery form and
method of cases and letters, were bare strings with their labels kept in the API's schemas;
the models now type them with domain enums (domain/delivery_status.py,
domain/reply_delivery.py) and each column gets a named CHECK constraint listing the values.
The stored values do not change.

Revision ID: i11c_delivery_enum_checks
Revises: i11b_status_enum_checks
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i11c_delivery_enum_checks"
down_revision: str | None = "i11b_status_enum_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (a migration must not follow later changes to the enums).
_CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("webhook_deliveries", "status", ("pending", "sending", "succeeded", "dead")),
    ("notifications", "status", ("pending", "sending", "sent", "skipped", "dead")),
    ("job_runs", "status", ("running", "succeeded", "failed")),
    ("cases", "delivery_form", ("paper", "electronic", "on_site")),
    ("cases", "delivery_method", ("post", "email", "pickup", "online", "fax")),
    ("letters", "delivery_method", ("post", "email", "pickup", "online", "fax")),
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
