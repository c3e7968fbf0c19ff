"""Official calendar years kept in the database, and re-computing due dates when they change."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, Text, bindparam, cast, or_, select, text, update
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Agency, CalendarChange, CalendarYear, Case
from requests_service.domain.calendar import (
    WorkingCalendar,
    YearArrangement,
    horizon_warning,
    load_bundled_arrangements,
    validate_arrangement,
)
from requests_service.domain.deadline_calculator import evaluate_deadline_vector
from requests_service.domain.deadlines import compute_clock
from requests_service.domain.errors import Forbidden, NotFound, RuleViolation
from requests_service.domain.lifecycle import OPEN_STATES
from requests_service.services.access import Actor
from requests_service.services.audit import seal_calendar_change
from requests_service.services.clock import (
    calendar_changed,
    clock_events_from,
    legal_today,
    load_calendar,
    stored_arrangements,
)
from requests_service.services.unit_of_work import UnitOfWork

BATCH = 5000


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


def evaluate_deadline(session: Session, data: Mapping[str, Any]) -> dict[str, Any]:
    """The public due-date calculator on the calendar in force."""
    return evaluate_deadline_vector(load_calendar(session), data)


@dataclass(frozen=True)
class CalendarUpdate:
    year: int
    cases_recomputed: int
    cases_changed: int


YEAR_RANGE = range(2000, 2101)


def official_year(session: Session, year: int) -> YearArrangement:
    """The official arrangement in force for ``year``: stored first, then bundled."""
    for arrangement in (*stored_arrangements(session), *load_bundled_arrangements()):
        if arrangement.year == year:
            return arrangement
    raise NotFound(f"{year}年尚未载入国务院节假日安排，按暂定日历计算。")


def recent_changes(session: Session, limit: int = 200) -> list[CalendarChange]:
    """The calendar's audit trail, newest first."""
    return list(
        session.scalars(select(CalendarChange).order_by(CalendarChange.id.desc()).limit(limit))
    )


def _require_national_admin(session: Session, actor: Actor) -> None:
    agency = session.get(Agency, actor.agency_id) if actor.agency_id is not None else None
    if agency is None or agency.parent_id is not None:
        # The calendar is national: only administrators of a top-level body may change it.
        raise Forbidden("只有最上级机关的管理员可以维护全国工作日历。")


@dataclass(frozen=True)
class SaveYear:
    """One year's official arrangement as an administrator enters it (dates as ISO strings,
    parsed with the bundled files' rules so both report the same errors)."""

    source_ref: str
    days_off: Sequence[str]
    makeup_workdays: Sequence[str]
    # Optional in the body; when given it must repeat the year of the address.
    year: int | None = None


def save_year(session: Session, actor: Actor, year: int, command: SaveYear) -> CalendarUpdate:
    """Load or correct one year's official arrangement; audit it; re-compute open due dates."""
    _require_national_admin(session, actor)
    if year not in YEAR_RANGE:
        raise RuleViolation("年份应在2000至2100之间。", fields={"year": ["超出范围。"]})
    if command.year not in (None, year):
        raise RuleViolation("请求体中的年份与地址中的年份不一致。", fields={"year": ["不一致。"]})
    arrangement = YearArrangement.from_dict(
        {
            "year": year,
            "source_ref": command.source_ref,
            "days_off": list(command.days_off),
            "makeup_workdays": list(command.makeup_workdays),
        }
    )
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
        # From here this transaction computes on its own new calendar (the due dates below,
        # and any clock a composing use case writes); when it ends, this process's cached
        # calendar is invalidated at once, other processes follow within their check interval.
        calendar_changed(session)
        recomputed, changed = recompute_due_dates(session, affected_year=year)
        change = CalendarChange(
            year=year,
            actor_user_id=actor.user_id,
            actor_name=actor.name,
            before=before,
            after=after,
            cases_recomputed=recomputed,
        )
        seal_calendar_change(session, change)
        session.add(change)
        uow.commit()
        return CalendarUpdate(year=year, cases_recomputed=recomputed, cases_changed=changed)


def recompute_due_dates(
    session: Session,
    *,
    affected_year: int | None = None,
    calendar: WorkingCalendar | None = None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Re-compute the stored due dates of open cases; returns (cases computed, cases changed).

    ``progress(computed, changed)`` is called after every batch (the CLI prints it).

    Reads only the case rows (receipt date and the projected clock inputs) through Core, in
    batches. Many cases share the same receipt date and events, so each distinct pair is
    computed once per run. Only rows whose due date, provisional flag or clock state moved are
    written, one set-based UPDATE per batch on PostgreSQL. The caller commits.
    """
    calendar = calendar or load_calendar(session)
    today = today or legal_today()
    inputs_text = cast(Case.clock_inputs, Text)
    query = select(
        Case.id,
        Case.receipt_date,
        inputs_text,
        Case.due_on,
        Case.due_provisional,
        Case.clock_state,
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
    memo: dict[tuple[date, str], tuple[date | None, bool, str]] = {}
    write = _batch_writer(session)
    computed = changed = 0
    result = session.connection().execute(query.execution_options(yield_per=BATCH))
    for rows in result.partitions(BATCH):
        updates = []
        for case_id, receipt, inputs, due_on, provisional, state in rows:
            if receipt is None:  # the query selects registered cases only
                continue
            key = (receipt, inputs or "[]")
            outcome = memo.get(key)
            if outcome is None:
                clock = compute_clock(
                    calendar, receipt, clock_events_from(json.loads(key[1])), today=today
                )
                outcome = (clock.reply_due, clock.provisional, clock.state.value)
                memo[key] = outcome
            computed += 1
            if outcome != (due_on, provisional, state):
                updates.append((case_id, *outcome))
        if updates:
            changed += len(updates)
            write(updates)
        if progress is not None:
            progress(computed, changed)
    return computed, changed


def _batch_writer(session: Session) -> Callable[[list[tuple[Any, ...]]], None]:
    connection = session.connection()
    table = cast_type(Table, Case.__table__)
    if connection.dialect.name == "postgresql":
        statement = text(
            "UPDATE cases AS c SET due_on = u.due, due_provisional = u.provisional, "
            "clock_state = u.state, version = c.version + 1 "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:dues AS date[]), "
            "CAST(:provisionals AS boolean[]), CAST(:states AS varchar[])) "
            "AS u(id, due, provisional, state) WHERE c.id = u.id"
        )

        def write_pg(updates: list[tuple[Any, ...]]) -> None:
            ids, dues, provisionals, states = (list(col) for col in zip(*updates, strict=True))
            connection.execute(
                statement,
                {"ids": ids, "dues": dues, "provisionals": provisionals, "states": states},
            )

        return write_pg
    statement_core = (
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .values(
            due_on=bindparam("new_due"),
            due_provisional=bindparam("new_provisional"),
            clock_state=bindparam("new_state"),
            version=table.c.version + 1,
        )
    )

    def write_rows(updates: list[tuple[Any, ...]]) -> None:
        connection.execute(
            statement_core,
            [
                {"case_id": i, "new_due": d, "new_provisional": p, "new_state": st}
                for i, d, p, st in updates
            ],
        )

    return write_rows
