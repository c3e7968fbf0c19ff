"""Official calendar years kept in the database (admins load or correct them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import CalendarYear
from requests_service.domain.calendar import YearArrangement


def stored_arrangements(session: Session) -> list[YearArrangement]:
    rows = session.scalars(select(CalendarYear).order_by(CalendarYear.year))
    return [
        YearArrangement.from_dict(
            {
                "year": row.year,
                "source_ref": row.source_ref,
                "days_off": row.days_off,
                "makeup_workdays": row.makeup_workdays,
            }
        )
        for row in rows
    ]
