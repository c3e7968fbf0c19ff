"""PostgreSQL privileges for the application's database role (issue 15, item 5).

The schema is owned by a migration role; the service connects as an application role that may
read and write its tables but can never rewrite history: no UPDATE, DELETE or TRUNCATE on the
audit tables. Apply with ``flask --app requests_service grant-app-role --role rs_app`` (as the
owner), then set ``DATABASE_URL`` to connect as ``rs_app``.
"""

from __future__ import annotations

import re

AUDIT_TABLES = (
    "case_events",
    "admin_events",
    "filing_events",
    "topic_events",
    "calendar_changes",
    "applicant_links",
)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_grants(role: str) -> list[str]:
    """SQL statements giving ``role`` the application's privileges (append-only audit)."""
    if not _ROLE_NAME.match(role):
        raise ValueError("role names are lower-case letters, digits and underscores")
    audit = ", ".join(AUDIT_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {audit} FROM {role}",
        f"REVOKE ALL ON alembic_version FROM {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
    ]
