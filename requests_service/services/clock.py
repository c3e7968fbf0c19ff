"""Keep each case's stored due date in step with its events (the clock itself is pure domain)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import CalendarYear, Case
from requests_service.domain.calendar import (
    WorkingCalendar,
    YearArrangement,
    load_bundled_arrangements,
)
from requests_service.domain.deadlines import Clock, ClockEvent, ClockEventType, compute_clock
from requests_service.timekeeping import LEGAL_ZONE as SHANGHAI
from requests_service.timekeeping import legal_date, legal_today

__all__ = [
    "SHANGHAI",
    "case_clock",
    "clock_events_from",
    "legal_date",
    "legal_today",
    "load_calendar",
    "refresh_due_date",
    "stored_arrangements",
]


def stored_arrangements(session: Session) -> list[YearArrangement]:
    """The years an administrator loaded or corrected; they override the bundled years."""
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


_CALENDARS: dict[tuple[tuple[int, str], ...], WorkingCalendar] = {}


def load_calendar(session: Session) -> WorkingCalendar:
    """The working-day calendar: bundled official years, overridden by years stored in the DB.

    Building one takes ~40 ms, so built calendars are kept per process, keyed by the stored
    years' update stamps read from the database on every call: a change made through another
    worker is seen at once (no case state is cached).
    """
    key = tuple(
        (year, stamp.isoformat())
        for year, stamp in session.execute(
            select(CalendarYear.year, CalendarYear.updated_at).order_by(CalendarYear.year)
        )
    )
    calendar = _CALENDARS.get(key)
    if calendar is None:
        arrangements = {a.year: a for a in load_bundled_arrangements()}
        for arrangement in stored_arrangements(session):
            arrangements[arrangement.year] = arrangement
        calendar = WorkingCalendar(arrangements.values())
        if len(_CALENDARS) > 8:
            _CALENDARS.clear()
        _CALENDARS[key] = calendar
    return calendar


def clock_events_from(inputs: Iterable[Mapping[str, Any]]) -> list[ClockEvent]:
    events = [
        ClockEvent(
            type=ClockEventType(spec["type"]),
            on=date.fromisoformat(spec["on"]),
            extra_working_days=spec.get("extra_working_days"),
            deferred_due=(
                date.fromisoformat(spec["deferred_due"]) if spec.get("deferred_due") else None
            ),
        )
        for spec in inputs
    ]
    events.sort(key=lambda e: e.on)
    return events


def case_clock(
    session: Session,
    case: Case,
    *,
    calendar: WorkingCalendar | None = None,
    today: date | None = None,
) -> Clock | None:
    if case.receipt_date is None:
        return None
    return compute_clock(
        calendar or load_calendar(session),
        case.receipt_date,
        clock_events_from(case.clock_inputs or []),
        today=today or legal_today(),
    )


def refresh_due_date(
    session: Session, case: Case, *, calendar: WorkingCalendar | None = None
) -> Clock | None:
    """Recompute and store the due date after an event; lists read the stored column."""
    clock = case_clock(session, case, calendar=calendar)
    if clock is None:
        case.due_on = None
        case.due_provisional = False
        case.clock_state = None
        return None
    case.due_on = clock.reply_due
    case.due_provisional = clock.provisional
    case.clock_state = clock.state
    return clock
