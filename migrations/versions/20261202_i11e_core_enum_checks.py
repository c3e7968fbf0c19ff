"""CHECK constraints on the remaining enum columns: case state, channel, outcome, roles, IDs

i11b and i11c gave the workflow statuses named CHECK constraints; the oldest enum columns (a
case's state, channel and outcome, the audit trail's states and role, users' roles, the
applicant's type and ID type, the negative list's outcome and the fee method) were still only
checked by the application.  Every enum column now has one, so a value written outside the
service (a report tool, a hand-run UPDATE) cannot leave a case in a state the code does not
know.  The stored values do not change.

Revision ID: i11e_core_enum_checks
Revises: i11c_delivery_enum_checks
Create Date: 2026-12-02 22:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i11e_core_enum_checks"
down_revision: str | None = "i11c_delivery_enum_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (a migration must not follow later changes to the enums).
_STATES = (
    "received",
    "registered",
    "under_review",
    "awaiting_correction",
    "in_handling",
    "third_party_consultation",
    "secrecy_review",
    "awaiting_fee_payment",
    "reason_requested",
    "reply_drafted",
    "replied",
    "delivered",
    "archived",
    "withdrawn",
    "closed_no_correction",
    "closed_fee_unpaid",
)
_ROLES = ("registrar", "handler", "approver", "agency_admin", "oversight", "applicant", "system")
_OUTCOMES = (
    "disclosed",
    "partially_disclosed",
    "withheld_state_secret",
    "withheld_law_prohibits",
    "withheld_security_stability",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_file",
    "withheld_special_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_still_unclear",
    "not_processed_petition",
    "not_processed_repeat",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirm_reissue",
    "other_no_correction",
    "other_fee_unpaid",
    "other",
)
_CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cases", "state", _STATES),
    ("cases", "channel", ("in_person", "post_signed", "ordinary_mail", "online", "fax", "email")),
    ("cases", "outcome", _OUTCOMES),
    ("case_events", "from_state", _STATES),
    ("case_events", "to_state", _STATES),
    ("case_events", "actor_role", _ROLES),
    ("user_roles", "role", _ROLES),
    ("applicants", "applicant_type", ("natural_person", "legal_person")),
    (
        "applicants",
        "organisation_type",
        (
            "commercial_enterprise",
            "research_institution",
            "social_welfare_organisation",
            "legal_service_organisation",
            "other",
        ),
    ),
    (
        "applicants",
        "id_type",
        (
            "resident_id",
            "passport",
            "hk_macao_permit",
            "taiwan_permit",
            "foreign_permanent_resident_id",
            "unified_social_credit_code",
            "other",
        ),
    ),
    ("negative_list_entries", "outcome", _OUTCOMES),
    ("fee_assessments", "method", ("per_piece", "per_volume")),
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
