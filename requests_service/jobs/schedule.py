"""The daily jobs and how they are scheduled.

With Redis: ``rq cron requests_service.jobs.cron_config`` enqueues the daily jobs (in order, as
one RQ job) on the ``events`` queue every ten minutes and the outbox drain every minute; ``rq
worker events`` runs them. Each daily job runs once per legal day
(``services.scheduled.run_once``), so the ten-minute tick only catches up after downtime or a
failure, and two cron processes or workers do no harm.
Without Redis: ``flask run-scheduler`` does the same in one process (several are safe too).
Both first place the applications whose topic placement is still pending
(``TOPIC_PLACEMENT=queue`` when a kick was lost).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from requests_service.db.models import JobRun
from requests_service.services import scheduled
from requests_service.services.clock import legal_today

log = logging.getLogger(__name__)


def _close_lapsed(session: Any, day: date, config: Any) -> dict[str, Any]:
    from requests_service.services.lapses import close_lapsed_cases

    report = close_lapsed_cases(session, today=day)
    return {
        "closed_no_correction": len(report.closed_no_correction),
        "closed_fee_unpaid": len(report.closed_fee_unpaid),
        "failed": len(report.failed),
    }


def _recompute(session: Any, day: date, config: Any) -> dict[str, Any]:
    from requests_service.services.calendar_admin import recompute_due_dates
    from requests_service.services.unit_of_work import UnitOfWork

    with UnitOfWork(session) as uow:
        computed, changed = recompute_due_dates(session, today=day)
        uow.commit()
    return {"computed": computed, "changed": changed}


def _deadline_events(session: Any, day: date, config: Any) -> dict[str, Any]:
    return scheduled.publish_deadline_events(session, day)


def _digest(session: Any, day: date, config: Any) -> dict[str, Any]:
    from requests_service.services.notifications import plan_handler_digests

    return {"digests": plan_handler_digests(session, day=day)}


def _prune(session: Any, day: date, config: Any) -> dict[str, Any]:
    from datetime import UTC, datetime, time, timedelta

    from requests_service.services.delivery import prune

    days = int(config.get("EVENT_RETENTION_DAYS") or 180)
    return prune(session, before=datetime.combine(day - timedelta(days=days), time(), UTC))


def _anchor(session: Any, day: date, config: Any) -> dict[str, Any]:
    from requests_service.services.audit import append_anchor

    path = config.get("AUDIT_ANCHOR_FILE") or ""
    if not path:
        return {"anchored": 0, "reason": "AUDIT_ANCHOR_FILE not set"}
    return {"anchored": append_anchor(session, path, config["SECRET_KEY"])}


# In this order: closures first, then due dates, then the events and digests that read them.
DAILY_JOBS: dict[str, Callable[[Any, date, Any], dict[str, Any]]] = {
    "close-lapsed": _close_lapsed,
    "recompute-deadlines": _recompute,
    "deadline-events": _deadline_events,
    "handler-digest": _digest,
    "prune-events": _prune,
    "anchor-audit": _anchor,
}


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(app: Any, name: str, *, day: date | None = None) -> JobRun | None:
    """Run one daily job for ``day`` (default today) unless it already ran; None if skipped."""
    body = DAILY_JOBS[name]
    day = day or legal_today()
    session = app.extensions["db_session_factory"]()
    try:
        run = scheduled.run_once(
            session,
            name,
            day.isoformat(),
            lambda: body(session, day, app.config),
            runner=runner_name(),
        )
        if run is not None:
            log.info("job %s for %s: %s %s", name, day, run.status, run.outcome)
        return run
    finally:
        session.close()


def run_due_jobs(app: Any, *, day: date | None = None) -> list[JobRun]:
    return [run for name in DAILY_JOBS if (run := run_job(app, name, day=day)) is not None]


def scheduled_job_in(app: Any, name: str) -> dict[str, Any]:
    """One daily job, then wake the event worker (``requests_service.worker`` calls this)."""
    from requests_service.jobs.events import kick

    run = run_job(app, name)
    if run is not None and name == "deadline-events":
        kick(app)
    return {"job": name, "ran": run is not None, "status": run.status if run else "skipped"}


def daily_jobs_in(app: Any) -> dict[str, Any]:
    """Every daily job not yet run today, in order (closures before due dates before deadline
    events and digests); ``requests_service.worker`` calls this for ``rq cron``.  First, the
    cases whose topic placement a lost kick left pending (``TOPIC_PLACEMENT=queue``)."""
    from requests_service.jobs.events import kick

    place_pending_topics(app)
    runs = run_due_jobs(app)
    if runs:
        kick(app)  # deliver the deadline events and digests now
    return {run.job: run.status for run in runs}


def place_pending_topics(app: Any) -> int:
    """The scheduler's fallback for topic placement: whatever is still pending (nothing, unless
    a kick was lost, no placement worker runs, or the installation went back to ``inline``).
    Its failure is logged and never stops the tick: the statutory daily jobs after it (lapses,
    deadline events) must run whatever happens to placement."""
    from requests_service.jobs.placement import place

    try:
        placed = place(app)
    except Exception:
        log.exception("pending topic placements failed; they are tried again at the next tick")
        return 0
    if placed:
        log.info("placed %d pending application(s) in their topics", placed)
    return placed


def run_scheduler(app: Any, *, interval: float = 60.0, once: bool = False) -> None:
    """The scheduler without Redis: pending topic placements, daily jobs when due, and the
    outbox drain, every tick."""
    from requests_service.jobs.events import drain

    while True:
        place_pending_topics(app)
        for run in run_due_jobs(app):
            log.info("ran %s: %s", run.job, run.status)
        report = drain(app)
        if any(report.as_dict().values()):
            log.info("events: %s", report.as_dict())
        if once:
            return
        time.sleep(interval)
