"""Keep each case's stored due date in step with its events (the clock itself is pure domain)."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, event, select
from sqlalchemy.orm import Session, SessionTransaction

from requests_service.db.models import CalendarChange, CalendarYear, Case
from requests_service.domain.calendar import (
    WorkingCalendar,
    YearArrangement,
    load_bundled_arrangements,
)
from requests_service.domain.deadlines import Clock, ClockEvent, ClockEventType, compute_clock
from requests_service.services.views import Record
from requests_service.timekeeping import LEGAL_ZONE as SHANGHAI
from requests_service.timekeeping import legal_date, legal_today

__all__ = [
    "DEFAULT_VERSION_CHECK_SECONDS",
    "SHANGHAI",
    "CalendarCache",
    "build_calendar",
    "calendar_cache",
    "calendar_changed",
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


# Seconds between two reads of the calendar's version in a process that did not change the
# calendar itself (``Config.CALENDAR_VERSION_CHECK_SECONDS``; 0: read it on every call).
DEFAULT_VERSION_CHECK_SECONDS = 2.0

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


Version = tuple[int, str] | None


class CalendarCache:
    """One process's built calendar for one database, and when its version was last read.

    Building a calendar takes ~40 ms, so it is kept and rebuilt only when the stored version
    (the head of the calendar-change chain) moved. The version is read again only when
    ``check_seconds`` have passed on the monotonic clock since the last read began; in between
    no statement is sent.

    Why a calendar may be up to ``check_seconds`` (2 s by default) old in *another* process:
    calendar changes are rare administrative acts (loading the year's arrangement after the
    State Council's yearly notice, or correcting one). A deadline computed within 2 s of an
    administrator publishing a new year's holidays is the answer the user would have got by
    clicking 2 s earlier, before the change existed: it is not a wrong answer under the
    Regulations (Art. 33 counts working days on the calendar in force), only one taken a moment
    sooner. The bound is strict: a change committed at T is used by every call that starts
    after T + ``check_seconds`` in every worker and host, because the last read the cache
    relies on began at most ``check_seconds`` before the call, and so after T (a read sees what
    was committed when it began: a statement snapshot under PostgreSQL's READ COMMITTED; SQLite
    transactions begin IMMEDIATE, one at a time).

    The process that makes a change does not wait: ``calendar_changed`` makes the transaction
    that changes the calendar use its own new calendar at once (case clocks written in the
    same use case), and its end (commit or rollback) sends this process's next call back to
    the database. ``check_seconds <= 0`` reads the version on every call.
    """

    def __init__(
        self,
        check_seconds: float = DEFAULT_VERSION_CHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_seconds = check_seconds
        self.monotonic = monotonic  # injectable: tests move time without sleeping
        # (version, calendar, monotonic time its version read began; None: read it next call)
        self._entry: tuple[Version, WorkingCalendar, float | None] | None = None
        # Moves with every invalidation, so a read that began before one cannot store an
        # answer as fresh (a worker thread racing the commit of a change in this process).
        self._generation = 0

    def calendar(self, session: Session, *, fresh: bool = False) -> WorkingCalendar:
        """The calendar; ``fresh`` reads the version now whatever the interval (one index
        lookup; the calendar is rebuilt only if the version moved)."""
        entry = self._entry
        started = self.monotonic()
        if (
            not fresh
            and entry is not None
            and entry[2] is not None
            and started - entry[2] < self.check_seconds
        ):
            return entry[1]
        generation = self._generation
        version = calendar_version(session)
        if entry is not None and entry[0] == version:
            calendar = entry[1]
        else:
            calendar = build_calendar(session)
        # Only one tuple assignment: threads read a whole entry or the one before it.
        self._entry = (version, calendar, started if generation == self._generation else None)
        return calendar

    def invalidate(self) -> None:
        """The next call reads the version again (the calendar is rebuilt only if it moved)."""
        self._generation += 1
        entry = self._entry
        if entry is not None:
            self._entry = (entry[0], entry[1], None)


# One cache per engine (per database) in this process. Keyed weakly, so an app's engine that
# goes away takes its calendar with it.
_CACHES: weakref.WeakKeyDictionary[Engine, CalendarCache] = weakref.WeakKeyDictionary()


def calendar_cache(engine: Engine) -> CalendarCache:
    """This process's calendar cache for ``engine``'s database (made on first use; the app
    factory sets its ``check_seconds`` from the configuration)."""
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES.setdefault(engine, CalendarCache())
    return cache


# Marks a session whose transaction changed the calendar; holds that transaction's own calendar
# (None until built).
_CHANGED_IN_SESSION = "calendar_changed_in_transaction"
_LISTENING = "calendar_change_listener"


def load_calendar(session: Session, *, fresh: bool = False) -> WorkingCalendar:
    """The working-day calendar: bundled official years, overridden by years stored in the DB.

    Kept per process and database (``CalendarCache``): no statement inside the version-check
    interval, one index lookup after it, a rebuild only when the version moved. A transaction
    that has changed the calendar (``calendar_changed``) gets the calendar it sees itself,
    never the process's, so clocks written in the same use case use the new calendar.

    ``fresh=True`` is for use cases that *store* a date worked out on the calendar (a case's
    due date, a correction, fee or reasons period, a date printed in a letter): they read the
    version in their own transaction. The interval is only safe for answers that are shown and
    recomputed on the next read: a calendar change's own recompute corrects the cases that
    existed when it ran, so a date stored by another worker just after the commit on a calendar
    up to 2 s old would stay wrong (a case registered one second after 2026-03-16 became a day
    off kept 2026-03-30 instead of 2026-03-31).
    """
    info = session.info
    if _CHANGED_IN_SESSION in info:
        own: WorkingCalendar | None = info[_CHANGED_IN_SESSION]
        if own is None:
            own = info[_CHANGED_IN_SESSION] = build_calendar(session)
        return own
    return calendar_cache(session.get_bind().engine).calendar(session, fresh=fresh)


def calendar_changed(session: Session) -> None:
    """Record that ``session``'s transaction has changed a stored calendar year (flushed).

    Until that transaction ends, ``load_calendar`` in the session builds from what the session
    sees (its own change included). When it ends — committed or rolled back — this process's
    cache for the database is invalidated, so this process's next call uses the committed
    calendar at once; other processes follow within their version-check interval.
    """
    info = session.info
    info[_CHANGED_IN_SESSION] = None  # built on first use (again, after a further change)
    if _LISTENING in info:
        return
    info[_LISTENING] = True
    engine = session.get_bind().engine

    def _ended(ended: Session, transaction: SessionTransaction) -> None:
        # The session's whole transaction, not a savepoint inside it.
        if transaction.parent is None and _CHANGED_IN_SESSION in ended.info:
            del ended.info[_CHANGED_IN_SESSION]
            calendar_cache(engine).invalidate()

    event.listen(session, "after_transaction_end", _ended)


def build_calendar(session: Session) -> WorkingCalendar:
    """The calendar from what this session sees now, uncached (``load_calendar`` caches it)."""
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
    case: Case | Record,
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
    clock = case_clock(session, case, calendar=calendar or load_calendar(session, fresh=True))
    if clock is None:
        case.due_on = None
        case.due_provisional = False
        case.clock_state = None
        return None
    case.due_on = clock.reply_due
    case.due_provisional = clock.provisional
    case.clock_state = clock.state
    return clock
