"""Keep each case's stored due date in step with its events (the clock itself is pure domain)."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from requests_service.db.models import CalendarChange, CalendarYear, Case
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
    "build_calendar",
    "calendar_version",
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


# One built calendar per engine (per database) in this process, with the version it was built
# from. Keyed weakly, so an app's engine that goes away takes its calendar with it.
_CALENDARS: weakref.WeakKeyDictionary[Engine, tuple[tuple[int, str] | None, WorkingCalendar]] = (
    weakref.WeakKeyDictionary()
)


_CHANGES = CalendarChange.__table__.c
# Built once: a statement built per call costs more CPU than its round trip (the hot paths are
# read per request; issue 16). Core columns: plain rows, no ORM result processing.
_VERSION: Select[int, str] = (
    select(_CHANGES.seq, _CHANGES.hash)
    .where(_CHANGES.seq.is_not(None))
    .order_by(_CHANGES.seq.desc())
    .limit(1)
)


def calendar_version(session: Session) -> tuple[int, str] | None:
    """The calendar's version: the head of the calendar-change chain (its seq and hash).

    Every change of a stored year goes through ``calendar_admin.save_year``, which appends a
    sealed change in the same transaction, so the head moves with every change, never repeats
    (the hash covers the change and its time) and rolls back with it. One index lookup.
    """
    row = session.execute(_VERSION).first()
    return (int(row.seq), str(row.hash)) if row else None


def load_calendar(session: Session) -> WorkingCalendar:
    """The working-day calendar: bundled official years, overridden by years stored in the DB.

    Building one takes ~40 ms, so it is kept per process and database and rebuilt only when
    the stored version moved: each call costs one cheap statement, and a change made through
    any worker or host is seen by every other one on its next call.
    """
    engine = session.get_bind().engine
    version = calendar_version(session)
    cached = _CALENDARS.get(engine)
    if cached is not None and cached[0] == version:
        return cached[1]
    calendar = build_calendar(session)
    _CALENDARS[engine] = (version, calendar)
    return calendar


def build_calendar(session: Session) -> WorkingCalendar:
    """The calendar from what this session sees now, uncached: for a transaction that has just
    changed a year and not yet recorded the change (so the version has not moved yet)."""
    arrangements = {a.year: a for a in load_bundled_arrangements()}
    for arrangement in stored_arrangements(session):
        arrangements[arrangement.year] = arrangement
    return WorkingCalendar(arrangements.values())


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
