"""On the real Redis: the RQ worker drains the outbox; two workers deliver each event once and
run each scheduled job once per day."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from requests_service.db.models import JobRun, OutboxEvent, WebhookDelivery
from requests_service.jobs import events as event_jobs
from requests_service.jobs.schedule import DAILY_JOBS
from requests_service.worker import daily_jobs_task, scheduled_job_task
from tests.factories import World
from tests.helpers import register
from tests.receiver import Receiver, running

RQ = str(Path(sys.executable).with_name("rq"))


@pytest.fixture
def queue_app(app: Any, redis_url: str) -> Iterator[Any]:
    """The app waking RQ workers on a queue of its own (other test runs share the Redis)."""
    from redis import Redis
    from rq import Queue

    name = f"events-test-{uuid.uuid4().hex[:8]}"
    app.config.update(
        EVENT_DELIVERY="rq",
        REDIS_URL=redis_url,
        EVENTS_QUEUE=name,
        WEBHOOK_ALLOWED_HOSTS=("127.0.0.1",),
        WEBHOOK_BACKOFF_SECONDS=0,
    )
    app.extensions.pop("events_redis", None)
    event_jobs.install_kick(app)
    yield app
    connection = Redis.from_url(redis_url)
    Queue(name, connection=connection).delete(delete_jobs=True)
    connection.delete(event_jobs.kick_flag(app))
    app.extensions.pop("events_redis", None)


def worker_env(app: Any, database_url: str) -> dict[str, str]:
    """A worker builds its own app from the environment, like `rq worker events` does."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "REDIS_URL": app.config["REDIS_URL"],
        "EVENTS_QUEUE": app.config["EVENTS_QUEUE"],
        "EVENT_DELIVERY": "rq",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_BACKOFF_SECONDS": "0",
    }


def run_workers(app: Any, database_url: str, count: int = 2) -> None:
    """``count`` RQ worker processes at once, in burst mode (exit when the queue is empty)."""
    command = [
        RQ,
        "worker",
        "--burst",
        "--worker-class",
        "rq.worker.SimpleWorker",
        "--url",
        app.config["REDIS_URL"],
        "--quiet",
        app.config["EVENTS_QUEUE"],
    ]
    env = worker_env(app, database_url)
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(count)
    ]
    for worker in workers:
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output.decode(errors="replace")[-2000:]


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


@pytest.mark.commits
def test_commit_wakes_the_worker_and_two_workers_deliver_each_event_once(
    queue_app: Any, client: Any, world: World, database_url: str
) -> None:
    with running(Receiver("", failures=[500, 500])) as receiver:
        created = client.post(
            "/webhooks/subscriptions", json={"url": receiver.url}, headers=world.auth("admin")
        )
        receiver.secret = created.json["secret"]
        cases = [register(client, world)["id"] for _ in range(12)]
        from redis import Redis
        from rq import Queue

        queue = Queue(
            queue_app.config["EVENTS_QUEUE"],
            connection=Redis.from_url(queue_app.config["REDIS_URL"]),
        )
        assert 1 <= queue.count <= 2  # woken once, not once per commit
        run_workers(queue_app, database_url)
        assert receiver.duplicates == 0 and receiver.bad_signatures == 0
        delivered = {e["case"]["id"] for e in receiver.accepted.values()}
        assert delivered == set(cases)
        # The first event failed twice and was retried with the same id.
        assert len(receiver.requests) == len(cases) + 2
    session = _session(queue_app)
    statuses = session.execute(
        select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    ).all()
    assert dict(statuses) == {"succeeded": len(cases)}
    session.close()


@pytest.mark.commits
def test_commit_succeeds_when_redis_is_down_and_a_later_worker_delivers(
    queue_app: Any, client: Any, world: World, database_url: str
) -> None:
    with running(Receiver("")) as receiver:
        created = client.post(
            "/webhooks/subscriptions", json={"url": receiver.url}, headers=world.auth("admin")
        )
        receiver.secret = created.json["secret"]
        redis_url = queue_app.config["REDIS_URL"]
        queue_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
        queue_app.extensions.pop("events_redis", None)
        case = register(client, world)  # the change commits; the wake-up is lost
        session = _session(queue_app)
        pending = session.scalars(
            select(OutboxEvent).where(OutboxEvent.case_id == case["id"])
        ).one()
        assert pending.dispatched_at is None
        session.close()
        # Later: the scheduler's periodic drain (rq cron, another process) queues a drain.
        queue_app.config["REDIS_URL"] = redis_url
        queue_app.extensions.pop("events_redis", None)
        queue_app.extensions.pop("events_kick_paused_until", None)
        assert event_jobs.kick(queue_app)
        run_workers(queue_app, database_url, count=1)
        assert [e["case"]["id"] for e in receiver.accepted.values()] == [case["id"]]


@pytest.mark.commits
def test_two_schedulers_and_two_workers_run_each_daily_job_once(
    queue_app: Any, world: World, database_url: str
) -> None:
    from redis import Redis
    from rq import Queue

    queue = Queue(
        queue_app.config["EVENTS_QUEUE"], connection=Redis.from_url(queue_app.config["REDIS_URL"])
    )
    for _scheduler in range(2):  # two `rq cron` processes offer the daily jobs
        queue.enqueue(daily_jobs_task)
    for name in DAILY_JOBS:  # and one job run by hand on top
        queue.enqueue(scheduled_job_task, name)
    run_workers(queue_app, database_url)
    session = _session(queue_app)
    runs = session.scalars(select(JobRun)).all()
    assert sorted(r.job for r in runs) == sorted(DAILY_JOBS)
    assert all(r.status == "succeeded" for r in runs), [(r.job, r.error) for r in runs]
    assert len({r.period for r in runs}) == 1
    session.close()


@pytest.mark.commits
def test_rolled_back_change_neither_writes_nor_wakes(
    queue_app: Any, client: Any, world: World
) -> None:
    from redis import Redis
    from rq import Queue

    from requests_service.db.models import Case, User
    from requests_service.domain.lifecycle import Action
    from requests_service.services.access import actor_for_user
    from requests_service.services.case_commands import ActionCommand, RequestCorrection
    from requests_service.services.cases import transition_case
    from requests_service.services.unit_of_work import UnitOfWork

    queue = Queue(
        queue_app.config["EVENTS_QUEUE"], connection=Redis.from_url(queue_app.config["REDIS_URL"])
    )
    case_id = register(client, world)["id"]
    queue.empty()
    Redis.from_url(queue_app.config["REDIS_URL"]).delete(event_jobs.kick_flag(queue_app))
    session = _session(queue_app)
    before = session.scalar(select(func.count()).select_from(OutboxEvent))
    actor = actor_for_user(session, session.get(User, world.users["handler"]))
    with pytest.raises(RuntimeError), UnitOfWork(session):
        case = session.get(Case, case_id)
        transition_case(session, actor, case, Action.START_REVIEW, ActionCommand())
        transition_case(
            session,
            actor,
            session.get(Case, case_id),
            Action.REQUEST_CORRECTION,
            RequestCorrection(correction_items=["请写明年份"]),
        )
        raise RuntimeError("the process dies before commit")
    session.close()
    session = _session(queue_app)
    assert session.scalar(select(func.count()).select_from(OutboxEvent)) == before
    session.close()
    assert queue.count == 0  # nothing woke a worker
