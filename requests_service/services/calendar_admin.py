"""Official calendar years kept in the database, and re-computing due dates when they change."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Select, Table, Text, bindparam, cast, or_, select, text, update
from sqlalchemy.orm import Session

from requests_service import timekeeping
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
from requests_service.domain.deadlines import ClockState, compute_clock
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
# How far the service clocks of two hosts may disagree (see ``save_year``'s follow-up pass):
# the follow-up re-reads the open cases written since the recompute began, less this much.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


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
    # Before the recompute reads anything; on the service clock that stamps ``updated_at``.
    began = timekeeping.utcnow()
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
    changed += recompute_written_since(session, began, affected_year=year)
    return CalendarUpdate(year=year, cases_recomputed=recomputed, cases_changed=changed)


def recompute_written_since(
    session: Session, began: datetime, *, affected_year: int | None = None
) -> int:
    """The follow-up pass after a calendar change has committed; returns the cases it changed.

    Its own transaction, on the calendar as committed (read fresh). It re-computes the open
    cases written (``updated_at``, which registration also sets) at or after ``began`` — when
    the change's recompute started — less ``CLOCK_SKEW_ALLOWANCE``, with the same
    version-checked write as the recompute. Those are the only cases a writer can have stored
    on the old calendar behind the recompute's back: a transition or registration that read the
    old calendar before the change committed, and wrote a case the recompute had already passed
    (or could not see yet). One pass suffices: from the change's commit on, every use case that
    stores a calendar-derived date reads the calendar's version in its own transaction
    (``load_calendar(session, fresh=True)``), so no writer starting after the commit uses the
    old calendar, and the writers that started before it and have committed by now carry an
    ``updated_at`` after ``began``. A writer that read the old calendar before the commit and
    commits only after this pass has read its case is not covered (its own transaction's
    length, milliseconds, against the recompute's seconds before).

    Why the service clock and an allowance: ``updated_at`` is stamped by each writer's service
    clock (``timekeeping``), not by the database, so the mark must be on the same clock — the
    database's ``now()`` would compare another host's clock, and would miss every write under a
    fixed clock (tests, replays); versions are per case and cannot order writes across cases.
    The allowance absorbs skew between hosts; taking more rows costs only their reading: rows
    already right compute equal and are not written, so the pass is idempotent and a change
    with no racing writer writes nothing (the recompute's own writes stamp ``updated_at`` like
    every write, so the pass reads them again and leaves them alone).
    Audited as the recompute is: its writes
    belong to the calendar change already recorded (``CalendarChange``); they are counted in
    the answer's ``cases_changed``.
    """
    with UnitOfWork(session) as uow:
        _, changed = recompute_due_dates(
            session,
            affected_year=affected_year,
            calendar=load_calendar(session, fresh=True),
            changed_since=began - CLOCK_SKEW_ALLOWANCE,
        )
        uow.commit()
    return changed


def recompute_due_dates(
    session: Session,
    *,
    affected_year: int | None = None,
    calendar: WorkingCalendar | None = None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    changed_since: datetime | None = None,
) -> tuple[int, int]:
    """Re-compute the stored due dates of open cases; returns (cases computed, cases changed).

    ``progress(computed, changed)`` is called after every batch (the CLI prints it).
    ``changed_since`` limits the run to cases written at or after it (``save_year``'s
    follow-up pass, ``recompute_written_since``).

    Reads only the case rows (receipt date, the projected clock inputs and the row's version)
    through Core, in batches. Many cases share the same receipt date and events, so each
    distinct pair is computed once per run. Only rows whose due date, provisional flag or clock
    state moved are written, one set-based UPDATE per batch on PostgreSQL. The caller commits.

    Concurrent transitions (optimistic, not locking): the rows are read without a lock, so under
    PostgreSQL's READ COMMITTED a transition (an extension, a correction notice stopping the
    clock, the correction restarting it) may commit between a batch's read and its UPDATE. The
    UPDATE therefore writes a row only if its ``version`` is still the one read (every ORM write
    to a case bumps it: ``version_id_col``), and the rows it skipped are read again and
    recomputed from what was committed, until none is skipped; otherwise a due date worked out
    from the old clock inputs would overwrite the transition's (a lost update of a legal
    deadline). A transition holding the case's lock makes the UPDATE wait for its commit, then
    skip the row (PostgreSQL re-checks the condition on the committed row), so its date —
    possibly on the calendar before this change, read before the change committed — is
    recomputed on the new one. A transition on a case this run has already passed without
    writing it (its clock had not moved), or a case registered after the run's read began, may
    still store a date on the calendar before the change: ``save_year`` runs a follow-up pass
    over the cases written since the run began, after the change commits
    (``recompute_written_since``). Chosen over ``SELECT … FOR
    UPDATE`` per batch (locks thousands of rows per batch, waits behind every open transition,
    and deadlocks with use cases that lock two cases) and over an advisory lock (transitions
    lock the case before they read the calendar: waiting for the calendar while holding the case
    deadlocks with this UPDATE). The cost is one more integer column read and compared, and a
    re-read only for rows that really changed under it. The written rows' ``version`` is bumped
    as before, so an ETag taken before a recompute that moved the due date is stale (If-Match
    answers 412).
    """
    moved = _mover(calendar or load_calendar(session), today or legal_today())
    rows_of_open_cases = _clock_rows()
    query = rows_of_open_cases
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
    if changed_since is not None:
        query = query.where(Case.updated_at >= changed_since)
    write = _batch_writer(session)
    connection = session.connection()
    computed = changed = 0
    result = connection.execute(query.execution_options(yield_per=BATCH))
    for rows in result.partitions(BATCH):
        computed += len(rows)
        updates = moved(rows)
        while updates:
            written, skipped = write(updates)
            changed += written
            if not skipped:
                break
            # Changed since read: read what was committed and compute again.
            again = connection.execute(rows_of_open_cases.where(Case.id.in_(skipped))).all()
            updates = moved(again)
        if progress is not None:
            progress(computed, changed)
    return computed, changed


ClockRows = Select[int, date | None, str, date | None, bool, ClockState | None, int]


def _clock_rows() -> ClockRows:
    """Open registered cases' clock rows: (id, receipt date, clock inputs as text, due date,
    provisional flag, clock state, version)."""
    return select(
        Case.id,
        Case.receipt_date,
        cast(Case.clock_inputs, Text),
        Case.due_on,
        Case.due_provisional,
        Case.clock_state,
        Case.version,
    ).where(Case.state.in_(OPEN_STATES), Case.receipt_date.is_not(None))


def _mover(
    calendar: WorkingCalendar, today: date
) -> Callable[[Sequence[Any]], list[tuple[Any, ...]]]:
    """Picks the clock rows whose stored clock moved: (id, version read, due, provisional,
    state). Each distinct (receipt date, clock inputs) is computed once per run."""
    memo: dict[tuple[date, str], tuple[date | None, bool, str]] = {}

    def moved(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
        updates = []
        for case_id, receipt, inputs, due_on, provisional, state, version in rows:
            key = (receipt, inputs or "[]")
            outcome = memo.get(key)  # inline: one call per row costs more than the lookup
            if outcome is None:
                clock = compute_clock(
                    calendar, receipt, clock_events_from(json.loads(key[1])), today=today
                )
                outcome = memo[key] = (clock.reply_due, clock.provisional, clock.state.value)
            if outcome != (due_on, provisional, state):
                updates.append((case_id, version, *outcome))
        return updates

    return moved


Writer = Callable[[list[tuple[Any, ...]]], tuple[int, list[Any]]]


def _batch_writer(session: Session) -> Writer:
    """Writes (id, version read, due, provisional, state) rows whose version is still the one
    read; returns (rows written, ids to read again)."""
    connection = session.connection()
    table = cast_type(Table, Case.__table__)
    if connection.dialect.name == "postgresql":
        statement = text(
            "UPDATE cases AS c SET due_on = u.due, due_provisional = u.provisional, "
            "clock_state = u.state, version = c.version + 1, updated_at = :now "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:versions AS integer[]), "
            "CAST(:dues AS date[]), CAST(:provisionals AS boolean[]), "
            "CAST(:states AS varchar[])) "
            "AS u(id, version, due, provisional, state) "
            "WHERE c.id = u.id AND c.version = u.version RETURNING c.id"
        )

        def write_pg(updates: list[tuple[Any, ...]]) -> tuple[int, list[Any]]:
            ids, versions, dues, provisionals, states = (
                list(col) for col in zip(*updates, strict=True)
            )
            written = set(
                connection.execute(
                    statement,
                    {
                        "ids": ids,
                        "versions": versions,
                        "dues": dues,
                        "provisionals": provisionals,
                        "states": states,
                        # As the ORM's ``onupdate`` stamps it on SQLite (and every other write).
                        "now": utcnow(),
                    },
                ).scalars()
            )
            return len(written), [i for i in ids if i not in written]

        return write_pg
    statement_core = (
        update(table)
        .where(table.c.id == bindparam("case_id"), table.c.version == bindparam("read_version"))
        .values(
            due_on=bindparam("new_due"),
            due_provisional=bindparam("new_provisional"),
            clock_state=bindparam("new_state"),
            version=table.c.version + 1,
        )
    )

    def write_rows(updates: list[tuple[Any, ...]]) -> tuple[int, list[Any]]:
        written = connection.execute(
            statement_core,
            [
                {
                    "case_id": i,
                    "read_version": v,
                    "new_due": d,
                    "new_provisional": p,
                    "new_state": st,
                }
                for i, v, d, p, st in updates
            ],
        ).rowcount
        # SQLite runs one writer at a time (transactions begin IMMEDIATE), so nothing changes
        # under the recompute; should a row have been skipped all the batch is read again: the
        # rows written compare equal and are left alone.
        return written, [] if written == len(updates) else [u[0] for u in updates]

    return write_rows
