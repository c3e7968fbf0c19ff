"""Background work on the Redis queue (RQ): rendering and issuing letters off the request path."""

from __future__ import annotations

from typing import Any

LETTER_QUEUE = "letters"


def issue_letter_task(letter_id: int) -> dict[str, Any]:
    """RQ entry point: builds its own app (config from the environment) and issues the letter."""
    from requests_service.app import create_app

    app = create_app()
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


def enqueue_issue(app: Any, letter_id: int) -> bool:
    """Queue the issuing job; returns False when it ran inline (LETTER_QUEUE=inline, tests)."""
    if app.config.get("LETTER_QUEUE", "rq") == "inline":
        run_issue(app, letter_id)
        return False
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from requests_service.db.session import current_session
    from requests_service.domain.errors import Unavailable
    from requests_service.services.letters import revert_issuing

    try:
        queue = Queue(LETTER_QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))
        queue.enqueue(issue_letter_task, letter_id, job_timeout=300, failure_ttl=7 * 24 * 3600)
    except RedisError as exc:
        message = "任务队列暂时不可用，文书未签发，请稍后重试。"
        revert_issuing(current_session(), letter_id, message)
        raise Unavailable(message) from exc
    return True
