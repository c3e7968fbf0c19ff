"""Configuration from environment variables, with working defaults.

This is the only module that reads ``os.environ``; the domain never sees configuration.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_INSTANCE = Path(os.environ.get("REQUESTS_SERVICE_INSTANCE", Path.cwd() / "instance"))


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses NaN
        raise ValueError(f"{name} must be a number of seconds >= 0, not {raw!r}")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (os.environ.get(name) or "").strip() or default
    if raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


@dataclass(frozen=True)
class Config:
    DATABASE_URL: str = f"sqlite:///{DEFAULT_INSTANCE / 'requests.sqlite'}"
    SECRET_KEY: str = "dev-only-change-me"
    UPLOAD_DIR: str = str(DEFAULT_INSTANCE / "uploads")
    # Licensed official fonts an agency may point to (仿宋_GB2312, 方正小标宋); empty: uploads only.
    FONT_DIR: str = ""
    LETTER_TEMPLATES_DIR: str = str(Path(__file__).resolve().parent.parent / "letter_templates")
    SQL_ECHO: bool = False
    # PostgreSQL connection pool, per gunicorn worker process. A sync worker serves one request
    # at a time on one connection; the overflow covers a background thread or a nested session.
    # Size the server for workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW) connections per host.
    DB_POOL_SIZE: int = 2
    DB_MAX_OVERFLOW: int = 3
    # Waiting longer than this for a free connection answers 503 instead of hanging.
    DB_POOL_TIMEOUT: int = 10
    # Connections are replaced after this many seconds, before firewalls or PgBouncer drop them
    # as idle; -1 never.
    DB_POOL_RECYCLE: int = 1800
    # A round trip before every checkout; off by default (it cost each request one). After a
    # database restart the first request on a dead connection gets 503 and SQLAlchemy discards
    # the whole pool. Turn it on where idle connections are cut unpredictably.
    DB_POOL_PRE_PING: bool = False
    # Each worker keeps the built working-day calendar and re-reads its version (one indexed
    # SELECT) at most this often; a calendar change by another worker or host is used by every
    # call starting this many seconds after its commit (the worker that made it: at once).
    # 0: read the version on every call that uses the calendar.
    CALENDAR_VERSION_CHECK_SECONDS: float = 2.0
    # Each worker may answer a GET/HEAD for a bearer token it resolved less than this many
    # seconds ago (keyed by the token's hash, at most 1,024 tokens, never past the token's
    # expiry). A token revoked, or a user deactivated or given other roles, by another worker
    # or host can still read for up to this long; writes (POST/PUT/PATCH/DELETE) always
    # resolve the token from the database, and the worker that made the change forgets its
    # cached actors at once. 0: resolve the token on every request.
    ACTOR_CACHE_SECONDS: float = 2.0
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    # "rq": letters are rendered by an RQ worker (`rq worker letters`); "inline": in the request.
    LETTER_QUEUE: str = "rq"
    # The RQ queue of this installation; empty: "letters-" + a fingerprint of DATABASE_URL, so
    # two installations sharing a Redis never take each other's jobs.
    LETTER_QUEUE_NAME: str = ""
    # Seconds a letter may stay "issuing" before it is queued again (also the job's time limit),
    # and how many attempts before it goes back to "approved" with the reason.
    LETTER_ISSUE_TIMEOUT: int = 120
    LETTER_ISSUE_MAX_ATTEMPTS: int = 3
    # Longest wait a client may ask for with `Prefer: wait=N` on issuing calls.
    MAX_PREFER_WAIT: int = 60
    # Lifetime of signed letter download links handed to applicants.
    SIGNED_LINK_SECONDS: int = 15 * 60
    # Demo mode (./scripts/serve): demo users, tokens and cases exist only when it is on.
    DEMO: bool = False
    # Events: "rq" wakes an RQ worker (`rq worker events`) after each commit that wrote events;
    # "manual": they wait for `flask deliver-events` or `flask run-scheduler`.
    EVENT_DELIVERY: str = "rq"
    # The RQ queue for events and daily jobs; empty: "events-" + a fingerprint of DATABASE_URL.
    EVENTS_QUEUE: str = ""
    # Similar-request topic placement of a new application: "inline" in the intake's own
    # transaction; "queue": the case is written unplaced (``topic_pending``) and an RQ job on
    # TOPIC_PLACEMENT_QUEUE places the agency's pending cases in arrival order after the
    # commit; the scheduler's tick and `flask place-topics` place whatever a lost kick left.
    TOPIC_PLACEMENT: str = "inline"
    # The RQ queue of placement jobs; empty: "placement-" + a fingerprint of DATABASE_URL.
    TOPIC_PLACEMENT_QUEUE: str = ""
    # Webhooks go only to these hosts ("host" = any port, or "host:port"); comma-separated.
    WEBHOOK_ALLOWED_HOSTS: tuple[str, ...] = ()
    WEBHOOK_MAX_ATTEMPTS: int = 8
    WEBHOOK_BACKOFF_SECONDS: int = 30
    WEBHOOK_TIMEOUT_SECONDS: int = 10
    # Finished events, their deliveries, delivery log and notifications are kept this long.
    EVENT_RETENTION_DAYS: int = 180
    # Append-only file (ideally on another machine or a write-once mount) that the daily
    # "anchor-audit" job appends the audit chains' heads to; empty: no daily anchor.
    AUDIT_ANCHOR_FILE: str = ""
    # E-mail to applicants and handlers; without SMTP_HOST messages are only logged (masked).
    SMTP_HOST: str = ""
    SMTP_PORT: int = 25
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_FROM: str = "noreply@example.gov.cn"
    SMTP_STARTTLS: bool = False
    # Uploads: 20 MiB per file is enough for scanned ID cards and signed forms.
    MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024
    ALLOWED_UPLOAD_TYPES: tuple[str, ...] = (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    )
    # ASCII: generated clients derive their package name from it (pip refuses non-ASCII).
    API_TITLE: str = "requests-service"
    # Abuse limits (requests_service/api/limits.py); Redis in production, e.g. redis://…/1.
    # Empty: REDIS_URL (counters shared by all workers); "memory://" only for one process.
    RATELIMIT_STORAGE_URI: str = ""
    RATELIMIT_SUBMIT: str = "10/minute;200/day"
    RATELIMIT_TRACKING: str = "60/minute"
    RATELIMIT_TRACKING_FAILURES: str = "10/minute"
    RATELIMIT_FORM_PDF: str = "10/minute"
    RATELIMIT_AUTH_FAILURES: str = "20/minute"
    # Namespaces the counters, e.g. when several installations share one Redis.
    RATELIMIT_KEY_PREFIX: str = ""
    # Bearer tokens expire; enrolment codes (an admin hands one to a new officer) even sooner.
    TOKEN_TTL_DAYS: int = 90
    ENROLMENT_TTL_HOURS: int = 72
    API_VERSION: str = "1.0.0"
    OPENAPI_VERSION: str = "3.0.3"
    OPENAPI_URL_PREFIX: str = "/"
    OPENAPI_JSON_PATH: str = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH: str = "/docs"
    # Both served by this app (no CDN: government networks are usually closed): Swagger UI from
    # the pinned swagger-ui-bundle package, ReDoc vendored under requests_service/static/redoc.
    OPENAPI_SWAGGER_UI_URL: str = "/docs/assets/"
    OPENAPI_REDOC_PATH: str = "/redoc"
    OPENAPI_REDOC_URL: str = "/static/redoc/redoc.standalone.js"
    API_SPEC_OPTIONS: dict[str, Any] = field(
        default_factory=lambda: {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "info": {
                "description": (
                    "政府信息依申请公开办理系统。"
                    "依据《中华人民共和国政府信息公开条例》（2019年修订）办理政府信息公开申请："
                    "收件、登记、审核、办理、答复、归档。"
                )
            },
        }
    )

    @classmethod
    def from_env(cls) -> Config:
        defaults = cls()
        return cls(
            DATABASE_URL=os.environ.get("DATABASE_URL", defaults.DATABASE_URL),
            SECRET_KEY=os.environ.get("SECRET_KEY", defaults.SECRET_KEY),
            UPLOAD_DIR=os.environ.get("UPLOAD_DIR", defaults.UPLOAD_DIR),
            FONT_DIR=os.environ.get("FONT_DIR", defaults.FONT_DIR),
            LETTER_TEMPLATES_DIR=os.environ.get(
                "LETTER_TEMPLATES_DIR", defaults.LETTER_TEMPLATES_DIR
            ),
            SQL_ECHO=os.environ.get("SQL_ECHO", "") not in ("", "0", "false"),
            DB_POOL_SIZE=_int("DB_POOL_SIZE", defaults.DB_POOL_SIZE),
            DB_MAX_OVERFLOW=_int("DB_MAX_OVERFLOW", defaults.DB_MAX_OVERFLOW),
            DB_POOL_TIMEOUT=_int("DB_POOL_TIMEOUT", defaults.DB_POOL_TIMEOUT),
            DB_POOL_RECYCLE=_int("DB_POOL_RECYCLE", defaults.DB_POOL_RECYCLE),
            DB_POOL_PRE_PING=os.environ.get("DB_POOL_PRE_PING", "") not in ("", "0", "false"),
            CALENDAR_VERSION_CHECK_SECONDS=_seconds(
                "CALENDAR_VERSION_CHECK_SECONDS", defaults.CALENDAR_VERSION_CHECK_SECONDS
            ),
            ACTOR_CACHE_SECONDS=_seconds("ACTOR_CACHE_SECONDS", defaults.ACTOR_CACHE_SECONDS),
            REDIS_URL=os.environ.get("REDIS_URL", defaults.REDIS_URL),
            LETTER_QUEUE=os.environ.get("LETTER_QUEUE", defaults.LETTER_QUEUE),
            MAX_UPLOAD_BYTES=_int("MAX_UPLOAD_BYTES", defaults.MAX_UPLOAD_BYTES),
            LETTER_QUEUE_NAME=os.environ.get("LETTER_QUEUE_NAME", ""),
            LETTER_ISSUE_TIMEOUT=_int("LETTER_ISSUE_TIMEOUT", defaults.LETTER_ISSUE_TIMEOUT),
            LETTER_ISSUE_MAX_ATTEMPTS=_int(
                "LETTER_ISSUE_MAX_ATTEMPTS", defaults.LETTER_ISSUE_MAX_ATTEMPTS
            ),
            MAX_PREFER_WAIT=_int("MAX_PREFER_WAIT", defaults.MAX_PREFER_WAIT),
            SIGNED_LINK_SECONDS=_int("SIGNED_LINK_SECONDS", defaults.SIGNED_LINK_SECONDS),
            DEMO=os.environ.get("DEMO", "") not in ("", "0", "false"),
            EVENT_DELIVERY=os.environ.get("EVENT_DELIVERY", defaults.EVENT_DELIVERY),
            EVENTS_QUEUE=os.environ.get("EVENTS_QUEUE", defaults.EVENTS_QUEUE),
            TOPIC_PLACEMENT=_choice(
                "TOPIC_PLACEMENT", defaults.TOPIC_PLACEMENT, ("inline", "queue")
            ),
            TOPIC_PLACEMENT_QUEUE=os.environ.get(
                "TOPIC_PLACEMENT_QUEUE", defaults.TOPIC_PLACEMENT_QUEUE
            ),
            WEBHOOK_ALLOWED_HOSTS=tuple(
                h.strip()
                for h in os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",")
                if h.strip()
            ),
            WEBHOOK_MAX_ATTEMPTS=_int("WEBHOOK_MAX_ATTEMPTS", defaults.WEBHOOK_MAX_ATTEMPTS),
            WEBHOOK_BACKOFF_SECONDS=_int(
                "WEBHOOK_BACKOFF_SECONDS", defaults.WEBHOOK_BACKOFF_SECONDS
            ),
            WEBHOOK_TIMEOUT_SECONDS=_int(
                "WEBHOOK_TIMEOUT_SECONDS", defaults.WEBHOOK_TIMEOUT_SECONDS
            ),
            EVENT_RETENTION_DAYS=_int("EVENT_RETENTION_DAYS", defaults.EVENT_RETENTION_DAYS),
            AUDIT_ANCHOR_FILE=os.environ.get("AUDIT_ANCHOR_FILE", defaults.AUDIT_ANCHOR_FILE),
            SMTP_HOST=os.environ.get("SMTP_HOST", defaults.SMTP_HOST),
            SMTP_PORT=_int("SMTP_PORT", defaults.SMTP_PORT),
            SMTP_USERNAME=os.environ.get("SMTP_USERNAME", defaults.SMTP_USERNAME),
            SMTP_PASSWORD=os.environ.get("SMTP_PASSWORD", defaults.SMTP_PASSWORD),
            SMTP_FROM=os.environ.get("SMTP_FROM", defaults.SMTP_FROM),
            SMTP_STARTTLS=os.environ.get("SMTP_STARTTLS", "") not in ("", "0", "false"),
            RATELIMIT_STORAGE_URI=os.environ.get(
                "RATELIMIT_STORAGE_URI", defaults.RATELIMIT_STORAGE_URI
            ),
            **{
                name: os.environ.get(name, getattr(defaults, name))
                for name in (
                    "RATELIMIT_SUBMIT",
                    "RATELIMIT_TRACKING",
                    "RATELIMIT_TRACKING_FAILURES",
                    "RATELIMIT_FORM_PDF",
                    "RATELIMIT_AUTH_FAILURES",
                    "RATELIMIT_KEY_PREFIX",
                )
            },
            TOKEN_TTL_DAYS=_int("TOKEN_TTL_DAYS", defaults.TOKEN_TTL_DAYS),
            ENROLMENT_TTL_HOURS=_int("ENROLMENT_TTL_HOURS", defaults.ENROLMENT_TTL_HOURS),
        )

    def as_flask_config(self) -> dict[str, Any]:
        return asdict(self)
