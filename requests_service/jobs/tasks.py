"""Background work on the Redis queue (RQ): rendering and issuing letters off the request path.

A render job must never be lost or stuck (issue 12):

* the queue name is per installation — ``LETTER_QUEUE_NAME``, by default ``letters-`` plus a
  fingerprint of the database, so two installations on one Redis never take each other's jobs;
* every job carries that fingerprint and a worker refuses a job meant for another database
  (it fails in RQ's failed registry; the letter itself is untouched and recovered below);
* a letter still ``issuing`` after ``LETTER_ISSUE_TIMEOUT`` seconds is queued again, up to
  ``LETTER_ISSUE_MAX_ATTEMPTS`` times, then put back to ``approved`` with the reason
  (``recover_stuck_letters``: run by ``flask letters-worker`` at start and periodically, and by
  ``flask recover-letters``); an approver can retry at once (``POST …/issue-retry``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Set by ``flask letters-worker``: jobs run in that process with its app (no app per job);
# ``requests_service.worker`` builds one per process otherwise.
_WORKER_APP: Any = None


class WrongDatabase(RuntimeError):
    """A job queued by another installation (another database) reached this worker."""


def database_key(database_url: str) -> str:
    """A short fingerprint of the database a URL points at (the password plays no part)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        database = str(Path(database).resolve())
    identity = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{database}"
    return hashlib.sha256(identity.encode()).hexdigest()[:12]


def queue_name(config: Any) -> str:
    """``LETTER_QUEUE_NAME`` when set, else one name per database: installations never share."""
    explicit = (config.get("LETTER_QUEUE_NAME") or "").strip()
    return explicit or f"letters-{database_key(config['DATABASE_URL'])}"


def issue_letter_in(app: Any, letter_id: int, database: str | None = None) -> dict[str, Any]:
    """Issue the letter in ``app`` if the job is for its database (``requests_service.worker``
    calls this for RQ)."""
    own = database_key(app.config["DATABASE_URL"])
    if database is not None and database != own:
        raise WrongDatabase(
            f"job for database {database} reached a worker of database {own}: "
            "give each installation its own LETTER_QUEUE_NAME"
        )
    with app.app_context():
        try:
            return run_issue(app, letter_id)
        except Exception as exc:
            # RQ logs a failed job's traceback, messages included; a driver error's message may
            # quote personal data. Hand RQ a description without messages instead.
            from requests_service.safe_logging import describe_exception

            raise LetterJobFailed(describe_exception(exc)) from None


class LetterJobFailed(RuntimeError):
    """A letter job failed; carries only the exception types and code locations."""


def run_issue(app: Any, letter_id: int) -> dict[str, Any]:
    from requests_service.db.session import current_session
    from requests_service.letters.service_adapter import pdf_renderer
    from requests_service.services.letters import issue_letter

    letter = issue_letter(
        current_session(),
        letter_id,
        upload_dir=app.config["UPLOAD_DIR"],
        render=pdf_renderer(app.config["LETTER_TEMPLATES_DIR"]),
    )
    return {"letter_id": letter.id, "document_number": letter.document_number}


def _queue(app: Any) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(queue_name(app.config), connection=Redis.from_url(app.config["REDIS_URL"]))


def enqueue_issue(app: Any, letter_id: int) -> bool:
    """Queue the issuing job; returns False when it ran inline (LETTER_QUEUE=inline, tests)."""
    if app.config.get("LETTER_QUEUE", "rq") == "inline":
        run_issue(app, letter_id)
        return False
    from redis.exceptions import RedisError

    from requests_service.db.session import current_session
    from requests_service.domain.errors import Unavailable
    from requests_service.services.letters import revert_issuing

    try:
        _queue(app).enqueue(
            # By dotted path: the worker entry module builds the app, and nothing imports it.
            "requests_service.worker.issue_letter_task",
            letter_id,
            database_key(app.config["DATABASE_URL"]),
            job_timeout=max(30, int(app.config["LETTER_ISSUE_TIMEOUT"])),
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError as exc:
        message = "任务队列暂时不可用，文书未签发，请稍后重试。"
        revert_issuing(current_session(), letter_id, message)
        raise Unavailable(message, reason="queue_unavailable") from exc
    return True


def wait_for_issue(app: Any, letter_id: int, seconds: float) -> None:
    """Block up to ``seconds`` until the worker has finished (issued or refused) the letter.

    Each look uses a short session of its own, so no transaction (on SQLite: no write lock)
    is held while the worker needs to commit.
    """
    from requests_service.services.letters import letter_status

    deadline = time.monotonic() + seconds
    factory = app.extensions["db_session_factory"]
    while True:
        with factory() as session:
            status = letter_status(session, letter_id)
        if status != "issuing" or time.monotonic() >= deadline:
            return
        time.sleep(0.1)


def recover_stuck_letters(app: Any) -> dict[str, list[int]]:
    """Requeue or fail letters stuck in ``issuing``; returns the ids of each."""
    from requests_service.db.session import current_session
    from requests_service.services.letters import recover_stuck

    session = current_session()
    outcome = recover_stuck(
        session,
        timeout_seconds=int(app.config["LETTER_ISSUE_TIMEOUT"]),
        max_attempts=int(app.config["LETTER_ISSUE_MAX_ATTEMPTS"]),
    )
    from requests_service.domain.errors import DomainError

    for letter_id in outcome["retried"]:
        try:
            enqueue_issue(app, letter_id)
        except DomainError as exc:  # kept on the letter (render_error); the others go on
            log.warning("letter %s: retry failed: %s", letter_id, exc.message)
    return outcome
