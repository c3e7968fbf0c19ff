"""Topic placement on the queue (``TOPIC_PLACEMENT=queue``, issue 16).

After an intake that wrote a case unplaced, the web process *kicks* a placement worker the way
``jobs/events.py`` kicks the outbox drain: it sets a Redis flag and, if the flag was not set
already, enqueues one placement job on this installation's placement queue. The job clears the
flag before it starts, so a case committed during a run gets a run of its own. A kick that fails
(Redis down) loses nothing and pauses kicks for a while: the cases stay marked
``topic_pending`` until the scheduler's tick (``flask run-scheduler``, the ten-minute ``rq
cron`` tick) or ``flask place-topics`` places them. Intake never waits for Redis beyond the
first failed connection.
"""

from __future__ import annotations

from typing import Any

from requests_service.services.topic_placement import place_pending


def deferred(app: Any) -> bool:
    """Whether this app leaves placement to the queue."""
    return bool(app.config.get("TOPIC_PLACEMENT", "inline") == "queue")


def queue_name_for(config: Any) -> str:
    """``TOPIC_PLACEMENT_QUEUE`` when set, else one queue per database (like the events and
    letter queues), so installations sharing a Redis never place each other's cases.  A queue
    of its own: placement must not wait behind webhook deliveries."""
    from requests_service.jobs.tasks import database_key

    explicit = (config.get("TOPIC_PLACEMENT_QUEUE") or "").strip()
    return explicit or f"placement-{database_key(config['DATABASE_URL'])}"


def queue_name(app: Any) -> str:
    return queue_name_for(app.config)


def kick_flag(app: Any) -> str:
    return f"requests-service:placement:kick:{queue_name(app)}"


def place(app: Any, *, agency_id: int | None = None) -> int:
    """Place every pending case in this process (the CLI, the scheduler, the RQ task)."""
    session = app.extensions["db_session_factory"]()
    try:
        return place_pending(session, agency_id=agency_id)
    finally:
        session.close()


def place_topics_in(app: Any) -> dict[str, int]:
    """Clear the wake-up flag, then place (``requests_service.worker`` calls this for RQ)."""
    from requests_service.jobs.events import clear_flag

    clear_flag(app, kick_flag(app), "placement")
    return {"placed": place(app)}


def kick(app: Any) -> bool:
    """Wake a placement worker; True if a job was enqueued by this call.  Never raises."""
    from requests_service.jobs.events import wake

    return wake(
        app,
        flag=kick_flag(app),
        queue=queue_name(app),
        task="requests_service.worker.place_topics_task",
        paused_key="placement_kick_paused_until",
        what="placement",
    )
