"""Gap-free per-agency, per-year sequences (case numbers, letter numbers).

The counter row is created or incremented by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
inside the caller's transaction: the row lock makes concurrent registrations queue (PostgreSQL)
or the database write lock serialises them (SQLite), and a rollback gives the number back, so
numbers have neither gaps nor duplicates.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from requests_service.db.models import NumberSequence
from requests_service.db.session import dialect_insert


def next_number(session: Session, *, agency_id: int, year: int, kind: str) -> int:
    insert = dialect_insert(session, NumberSequence)
    value = session.execute(
        insert.values(agency_id=agency_id, year=year, kind=kind, last_value=1)
        .on_conflict_do_update(
            index_elements=[NumberSequence.agency_id, NumberSequence.year, NumberSequence.kind],
            set_={"last_value": NumberSequence.last_value + 1},
        )
        .returning(NumberSequence.last_value)
    ).scalar_one()
    return int(value)


def format_case_number(prefix: str, year: int, seq: int) -> str:
    """e.g. 市发改依申〔2026〕第0042号 — hexagonal brackets per GB/T 9704-2012."""
    return f"{prefix}〔{year}〕第{seq:04d}号"
