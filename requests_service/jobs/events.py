"""Event delivery jobs: drain the outbox on the RQ ``events`` queue, or inline without Redis.

After a commit that wrote events, the app *kicks* the worker: it sets a Redis flag and, if the
flag was not already set, enqueues one drain job. The drain clears the flag before it starts, so
an event committed during a drain gets a drain of its own. A kick that fails (Redis down) loses
nothing: the events wait in the outbox for the scheduler's periodic drain or `flask
deliver-events`.
"""

from __future__ import annotations

import logging
from typing import Any

from requests_service.outbound.senders import senders_from_config
from requests_service.services.delivery import Drainer
from requests_service.services.delivery_settings import DeliverySettings, DrainReport

KICK_BACKOFF_SECONDS = 30.0


def kick_flag(app: Any) -> str:
    return f"requests-service:outbox:kick:{queue_name(app)}"


def queue_name_for(config: Any) -> str:
    """``EVENTS_QUEUE`` when set, else one queue per database (like the letter queue), so two
    installations sharing a Redis never drain each other's outbox."""
    from requests_service.jobs.tasks import database_key

    explicit = (config.get("EVENTS_QUEUE") or "").strip()
    return explicit or f"events-{database_key(config['DATABASE_URL'])}"


def queue_name(app: Any) -> str:
    return queue_name_for(app.config)


log = logging.getLogger(__name__)


def drainer_for(app: Any) -> Drainer:
    return Drainer(
        settings=DeliverySettings.from_config(app.config),
        senders=app.extensions.get("senders") or senders_from_config(app.config),
    )


def drain(app: Any) -> DrainReport:
    """One drain in this process (the CLI, the scheduler without Redis, the RQ task)."""
    session = app.extensions["db_session_factory"]()
    try:
        return drainer_for(app).drain(session)
    finally:
        session.close()


def drain_events_in(app: Any) -> dict[str, int]:
    """Clear the wake-up flag, then drain (``requests_service.worker`` calls this for RQ)."""
    clear_flag(app, kick_flag(app), "outbox")
    return drain(app).as_dict()


def _redis(app: Any) -> Any:
    from redis import Redis

    connection = app.extensions.get("events_redis")
    if connection is None:
        connection = app.extensions["events_redis"] = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2
        )
    return connection


def clear_flag(app: Any, flag: str, what: str) -> None:
    """A job clears its wake-up flag before it starts, so work committed while it runs gets a
    run of its own."""
    try:
        _redis(app).delete(flag)
    except Exception:
        log.warning("could not clear the %s kick flag", what)


def wake(app: Any, *, flag: str, queue: str, task: str, paused_key: str, what: str) -> bool:
    """Set ``flag`` and, if it was not set already, enqueue one ``task`` on ``queue``; True if
    this call enqueued it.  Never raises: after a failure, calls stop trying for
    ``KICK_BACKOFF_SECONDS`` (``app.extensions[paused_key]``) — with Redis unreachable every
    commit would otherwise wait for the connect timeout — and the scheduler covers the gap."""
    import time

    from redis.exceptions import RedisError
    from rq import Queue

    if time.monotonic() < app.extensions.get(paused_key, 0.0):
        return False
    try:
        connection = _redis(app)
        if not connection.set(flag, "1", nx=True, ex=300):
            return False
        Queue(queue, connection=connection).enqueue(
            task, job_timeout=600, result_ttl=600, failure_ttl=7 * 24 * 3600
        )
        return True
    except (RedisError, OSError):
        app.extensions[paused_key] = time.monotonic() + KICK_BACKOFF_SECONDS
        log.warning("%s queue unavailable; the work waits for the scheduler", what)
        return False


def kick(app: Any) -> bool:
    """Wake a worker to drain the outbox; True if a drain job was enqueued by this call."""
    return wake(
        app,
        flag=kick_flag(app),
        queue=queue_name(app),
        task="requests_service.worker.drain_events_task",
        paused_key="events_kick_paused_until",
        what="event",
    )


def install_kick(app: Any) -> None:
    """Sessions made by the app's factory wake the worker after committing events."""
    if app.config.get("EVENT_DELIVERY", "rq") != "rq":
        return
    app.extensions["db_session_factory"].configure(info={"outbox_kick": lambda: kick(app)})
