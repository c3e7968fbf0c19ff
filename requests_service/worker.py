"""Entry points of background work: RQ jobs and ``rq cron``.

The composition root of worker processes, as ``app.py`` is of web processes. Jobs are enqueued
by the dotted path of these functions, so no module of the package imports this one and the
app never (even lazily) imports itself through the jobs it enqueues.
"""

from __future__ import annotations

import os
from typing import Any

from requests_service.app import create_app
from requests_service.jobs import events, placement, schedule, tasks

_apps: dict[str | None, Any] = {}


def worker_app() -> Any:
    """The app jobs run in: the one ``flask letters-worker`` set, else one built per process
    from the environment and kept (building one per job would dominate small jobs); a changed
    ``DATABASE_URL`` gets an app of its own."""
    if tasks._WORKER_APP is not None:
        return tasks._WORKER_APP
    key = os.environ.get("DATABASE_URL")
    if key not in _apps:
        _apps[key] = create_app()
    return _apps[key]


def issue_letter_task(letter_id: int, database: str | None = None) -> dict[str, Any]:
    return tasks.issue_letter_in(worker_app(), letter_id, database)


def drain_events_task() -> dict[str, int]:
    return events.drain_events_in(worker_app())


def place_topics_task() -> dict[str, int]:
    return placement.place_topics_in(worker_app())


def scheduled_job_task(name: str) -> dict[str, Any]:
    return schedule.scheduled_job_in(worker_app(), name)


def daily_jobs_task() -> dict[str, Any]:
    return schedule.daily_jobs_in(worker_app())
