"""Scheduled daily jobs, each run at most once per legal day however many schedulers run.

A run is claimed by inserting ``JobRun(job, period)``: the unique key lets exactly one
scheduler or worker win; the others see the row and skip. A failed run, or one whose runner
died (``running`` for over an hour), is claimed again on the next tick.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Case, JobRun, OutboxEvent
from requests_service.domain.delivery_status import JobRunStatus
from requests_service.domain.events import EventType
from requests_service.domain.lifecycle import OPEN_STATES
from requests_service.services import outbox
from requests_service.services.clock import legal_today, load_calendar
from requests_service.services.queries import PAUSED_STATES
from requests_service.services.unit_of_work import UnitOfWork

DUE_SOON_WORKING_DAYS = 3
STALE_AFTER = timedelta(hours=1)
JOB_LABELS = {
    "close-lapsed": "逾期未补正/未缴费案件自动终止",
    "recompute-deadlines": "重新计算答复期限",
    "deadline-events": "即将到期/已逾期事件",
    "handler-digest": "承办人每日待办提醒",
    "prune-events": "清理已完成的历史事件与投递记录",
    "anchor-audit": "审计链锚点写入库外文件",
}


def publish_deadline_events(session: Session, day: date, *, chunk: int = 500) -> dict[str, int]:
    """``case.due_soon`` (within 3 working days) and ``case.overdue`` events, once per case and
    due date: a recomputed due date is a new fact, the same one again is not."""
    soon = load_calendar(session).add_working_days(day, DUE_SOON_WORKING_DAYS)
    counts = {"due_soon": 0, "overdue": 0}
    last_id = 0
    while True:
        with UnitOfWork(session) as uow:
            cases = list(
                session.scalars(
                    select(Case)
                    .where(
                        Case.state.in_(OPEN_STATES),
                        Case.state.not_in(PAUSED_STATES),
                        Case.due_on <= soon,
                        Case.id > last_id,
                    )
                    .order_by(Case.id)
                    .limit(chunk)
                ).unique()
            )
            if not cases:
                return counts
            last_id = cases[-1].id
            keys = {
                c.id: f"{'overdue' if c.due_on < day else 'due_soon'}:{c.id}:{c.due_on.isoformat()}"
                for c in cases
                if c.due_on is not None
            }
            existing = set(
                session.scalars(
                    select(OutboxEvent.dedupe_key).where(OutboxEvent.dedupe_key.in_(keys.values()))
                )
            )
            for case in cases:
                key = keys.get(case.id)
                if key is None or key in existing:
                    continue
                overdue = key.startswith("overdue")
                assert case.due_on is not None
                outbox.publish(
                    session,
                    EventType.CASE_OVERDUE if overdue else EventType.CASE_DUE_SOON,
                    agency_id=case.agency_id,
                    case=case,
                    data={"due_on": case.due_on, "as_of": day},
                    dedupe_key=key,
                )
                counts["overdue" if overdue else "due_soon"] += 1
            uow.commit()


def claim_run(session: Session, job: str, period: str, runner: str) -> JobRun | None:
    """The run of ``job`` for ``period`` if this caller wins it, else None."""
    try:
        with UnitOfWork(session) as uow:
            run = JobRun(
                job=job, period=period, status=JobRunStatus.RUNNING, runner=runner, outcome={}
            )
            session.add(run)
            uow.commit()
            return run
    except IntegrityError:
        pass
    now = utcnow()
    with UnitOfWork(session) as uow:
        result = session.execute(
            update(JobRun)
            .where(
                JobRun.job == job,
                JobRun.period == period,
                (JobRun.status == JobRunStatus.FAILED)
                | (
                    (JobRun.status == JobRunStatus.RUNNING)
                    & (JobRun.started_at < now - STALE_AFTER)
                ),
            )
            .values(
                status=JobRunStatus.RUNNING,
                runner=runner,
                started_at=now,
                finished_at=None,
                error=None,
            )
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.scalars(select(JobRun).where(JobRun.job == job, JobRun.period == period)).one()


def run_once(
    session: Session,
    job: str,
    period: str,
    body: Callable[[], dict[str, Any]],
    *,
    runner: str = "",
) -> JobRun | None:
    """Run ``body`` if this caller claims the period; record the outcome either way."""
    run = claim_run(session, job, period, runner)
    if run is None:
        return None
    run_id = run.id
    try:
        outcome, status, error = body(), JobRunStatus.SUCCEEDED, None
    except Exception as exc:
        session.rollback()
        outcome, status, error = (
            {},
            JobRunStatus.FAILED,
            "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000],
        )
    with UnitOfWork(session) as uow:
        run = session.get(JobRun, run_id)
        assert run is not None
        run.status = status
        run.outcome = outcome
        run.error = error
        run.finished_at = utcnow()
        uow.commit()
    return run


def today_period(today: date | None = None) -> str:
    return (today or legal_today()).isoformat()


def runs_query() -> Any:
    return select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())


def last_runs(session: Session, jobs: list[str]) -> dict[str, JobRun | None]:
    """Each job's latest run (last run, outcome) for the admin view."""
    result: dict[str, JobRun | None] = {}
    for job in jobs:
        result[job] = session.scalars(
            select(JobRun)
            .where(JobRun.job == job)
            .order_by(JobRun.started_at.desc(), JobRun.id.desc())
            .limit(1)
        ).first()
    return result
