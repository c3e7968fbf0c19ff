"""Keep each case's stored due date in step with its events (the clock itself is pure domain)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from requests_service.db.models import Case
from requests_service.domain.calendar import WorkingCalendar, load_bundled_arrangements
from requests_service.domain.deadlines import Clock, ClockEvent, ClockEventType, compute_clock
from requests_service.services.history import case_events

SHANGHAI = ZoneInfo("Asia/Shanghai")


def legal_today(now: datetime | None = None) -> date:
    """Statutory dates are calendar days in Asia/Shanghai, whatever the server's zone."""
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


def legal_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def load_calendar(session: Session) -> WorkingCalendar:
    """The working-day calendar: the bundled official arrangements (overrides come from the DB)."""
    from requests_service.services.calendar_admin import stored_arrangements

    arrangements = {a.year: a for a in load_bundled_arrangements()}
    for arrangement in stored_arrangements(session):
        arrangements[arrangement.year] = arrangement
    return WorkingCalendar(arrangements.values())


def clock_events_of(session: Session, case: Case) -> list[ClockEvent]:
    events: list[ClockEvent] = []
    for row in case_events(session, case.id):
        spec = (row.data or {}).get("clock_event")
        if not spec:
            continue
        events.append(
            ClockEvent(
                type=ClockEventType(spec["type"]),
                on=date.fromisoformat(spec["on"]),
                extra_working_days=spec.get("extra_working_days"),
                deferred_due=(
                    date.fromisoformat(spec["deferred_due"]) if spec.get("deferred_due") else None
                ),
            )
        )
    events.sort(key=lambda e: e.on)
    return events


def case_clock(
    session: Session,
    case: Case,
    *,
    calendar: WorkingCalendar | None = None,
    extra: list[ClockEvent] | None = None,
    today: date | None = None,
) -> Clock | None:
    if case.receipt_date is None:
        return None
    events = clock_events_of(session, case) + list(extra or [])
    events.sort(key=lambda e: e.on)
    return compute_clock(
        calendar or load_calendar(session),
        case.receipt_date,
        events,
        today=today or legal_today(),
    )


def refresh_due_date(
    session: Session, case: Case, *, calendar: WorkingCalendar | None = None
) -> Clock | None:
    """Recompute and store the due date after an event; lists read the stored column."""
    session.flush()
    clock = case_clock(session, case, calendar=calendar)
    if clock is None:
        case.due_on = None
        case.due_provisional = False
        case.clock_state = None
        return None
    case.due_on = clock.reply_due
    case.due_provisional = clock.provisional
    case.clock_state = clock.state.value
    return clock
