"""Official calendar years kept in the database, and re-computing due dates when they change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import CalendarChange, CalendarYear, Case
from requests_service.domain.calendar import (
    WorkingCalendar,
    YearArrangement,
    horizon_warning,
    load_bundled_arrangements,
    validate_arrangement,
)
from requests_service.domain.deadlines import compute_clock
from requests_service.domain.errors import RuleViolation
from requests_service.domain.lifecycle import OPEN_STATES
from requests_service.services.access import Actor
from requests_service.services.clock import clock_events_from, legal_today, load_calendar
from requests_service.services.unit_of_work import UnitOfWork

BATCH = 5000


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


def calendar_overview(session: Session, today: date | None = None) -> dict[str, Any]:
    today = today or legal_today()
    calendar = load_calendar(session)
    stored = {a.year for a in stored_arrangements(session)}
    bundled = {a.year for a in load_bundled_arrangements()}
    years = []
    for year in sorted(calendar.official_years | {today.year, today.year + 1}):
        official = year in calendar.official_years
        years.append(
            {
                "year": year,
                "official": official,
                "provisional": not official,
                "source": "database" if year in stored else "bundled" if official else None,
            }
        )
    warning = horizon_warning(calendar, today)
    return {
        "today": today,
        "horizon": calendar.horizon,
        "years": years,
        "warnings": [warning] if warning else [],
        "bundled_years": sorted(bundled),
    }


@dataclass(frozen=True)
class CalendarUpdate:
    year: int
    cases_recomputed: int
    cases_changed: int


def save_year(session: Session, actor: Actor, year: int, data: Mapping[str, Any]) -> CalendarUpdate:
    """Load or correct one year's official arrangement; audit it; re-compute open due dates."""
    if data.get("year") not in (None, year):
        raise RuleViolation("请求体中的年份与地址中的年份不一致。", fields={"year": ["不一致。"]})
    arrangement = YearArrangement.from_dict({**data, "year": year})
    validate_arrangement(arrangement)
    with UnitOfWork(session) as uow:
        row = session.get(CalendarYear, year)
        before = (
            {
                "source_ref": row.source_ref,
                "days_off": row.days_off,
                "makeup_workdays": row.makeup_workdays,
            }
            if row
            else None
        )
        after = arrangement.to_dict()
        if row is None:
            row = CalendarYear(year=year)
            session.add(row)
        row.source_ref = arrangement.source_ref
        row.days_off = after["days_off"]
        row.makeup_workdays = after["makeup_workdays"]
        row.updated_at = utcnow()
        row.updated_by_user_id = actor.user_id
        session.flush()
        recomputed, changed = recompute_due_dates(session, affected_year=year)
        session.add(
            CalendarChange(
                year=year,
                actor_user_id=actor.user_id,
                actor_name=actor.name,
                before=before,
                after=after,
                cases_recomputed=recomputed,
            )
        )
        uow.commit()
        return CalendarUpdate(year=year, cases_recomputed=recomputed, cases_changed=changed)


def recompute_due_dates(
    session: Session,
    *,
    affected_year: int | None = None,
    calendar: WorkingCalendar | None = None,
    today: date | None = None,
) -> tuple[int, int]:
    """Re-compute the stored due dates of open cases; returns (cases computed, cases changed).

    Reads only the case rows (receipt date and the projected clock inputs), computes in batches
    and writes back only the rows whose due date or provisional flag moved. The caller commits.
    """
    calendar = calendar or load_calendar(session)
    today = today or legal_today()
    query = select(
        Case.id, Case.receipt_date, Case.clock_inputs, Case.due_on, Case.due_provisional
    ).where(Case.state.in_(OPEN_STATES), Case.receipt_date.is_not(None))
    if affected_year is not None:
        # A year's calendar can only move due dates of cases received before its end whose
        # clock is still running into it (or was provisional because of it).
        query = query.where(
            Case.receipt_date <= date(affected_year, 12, 31),
            or_(
                Case.due_on.is_(None),
                Case.due_on >= date(affected_year - 1, 12, 1),
                Case.due_provisional.is_(True),
            ),
        )
    statement = (
        update(Case.__table__)
        .where(Case.__table__.c.id == bindparam("case_id"))
        .values(
            due_on=bindparam("new_due"),
            due_provisional=bindparam("new_provisional"),
            clock_state=bindparam("new_state"),
            version=Case.__table__.c.version + 1,
        )
    )
    computed = changed = 0
    result = session.execute(query.execution_options(yield_per=BATCH))
    for rows in result.partitions(BATCH):
        updates = []
        for case_id, receipt, inputs, due_on, provisional in rows:
            clock = compute_clock(calendar, receipt, clock_events_from(inputs or []), today=today)
            computed += 1
            if clock.reply_due != due_on or clock.provisional != provisional:
                updates.append(
                    {
                        "case_id": case_id,
                        "new_due": clock.reply_due,
                        "new_provisional": clock.provisional,
                        "new_state": clock.state.value,
                    }
                )
        if updates:
            changed += len(updates)
            session.connection().execute(statement, updates)
    return computed, changed
