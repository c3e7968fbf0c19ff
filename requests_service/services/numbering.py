"""Gap-free per-agency, per-year sequences (case numbers, letter numbers).

The counter row is incremented with UPDATE … RETURNING inside the caller's transaction: the row
lock makes concurrent registrations queue (PostgreSQL) or the database write lock serialises them
(SQLite), and a rollback gives the number back, so numbers have neither gaps nor duplicates.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from requests_service.db.models import NumberSequence


def next_number(session: Session, *, agency_id: int, year: int, kind: str) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberSequence)
        .values(agency_id=agency_id, year=year, kind=kind, last_value=0)
        .on_conflict_do_nothing()
    )
    value = session.execute(
        update(NumberSequence)
        .where(
            NumberSequence.agency_id == agency_id,
            NumberSequence.year == year,
            NumberSequence.kind == kind,
        )
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    ).scalar_one()
    return int(value)


def format_case_number(prefix: str, year: int, seq: int) -> str:
    """e.g. 市发改依申〔2026〕第0042号 — hexagonal brackets per GB/T 9704-2012."""
    return f"{prefix}〔{year}〕第{seq:04d}号"
