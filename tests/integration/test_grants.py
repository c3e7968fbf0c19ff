"""The application's PostgreSQL role cannot UPDATE or DELETE audit rows (issue 15, item 5)."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from requests_service.db.grants import AUDIT_TABLES, app_role_grants


def test_app_role_cannot_rewrite_audit_rows(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("database roles and grants are PostgreSQL's")
    role = f"rs_app_{secrets.token_hex(4)}"
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
            for statement in app_role_grants(role):
                conn.execute(text(statement))
        for table in AUDIT_TABLES:
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                with engine.connect() as conn, conn.begin():
                    conn.execute(text(f"SET LOCAL ROLE {role}"))
                    with pytest.raises(ProgrammingError, match="permission denied"):
                        conn.execute(text(statement))
        with engine.connect() as conn, conn.begin() as transaction:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            # Reading every table and changing ordinary ones stays allowed.
            conn.execute(text("SELECT count(*) FROM case_events"))
            conn.execute(text("UPDATE cases SET id = id"))
            conn.execute(
                text(
                    "INSERT INTO agencies (name, short_name, case_number_prefix, "
                    "is_oversight_office, intake_office_name, intake_address, intake_postcode, "
                    "intake_phone, intake_email, intake_office_hours, online_form_url, "
                    "reconsideration_body, court, correction_period_working_days, "
                    "fee_waiver_allowed, hold_reply_while_filing_pending, topic_min_applicants, "
                    "topic_window_days, active, created_at) VALUES ('授权测试', 'x', 'x', false, "
                    "'', '', '', '', '', '', '', '', '', 15, false, false, 3, 365, true, now())"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO admin_events (agency_id, action, target_type, target_id, "
                    "actor_name, occurred_at) SELECT id, 'test', 'Agency', id, 'x', now() "
                    "FROM agencies WHERE name = '授权测试'"
                )
            )
            transaction.rollback()
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        engine.dispose()


def test_role_names_are_checked() -> None:
    with pytest.raises(ValueError):
        app_role_grants("x; DROP TABLE cases")
