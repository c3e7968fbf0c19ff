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


@dataclass(frozen=True)
class Config:
    DATABASE_URL: str = f"sqlite:///{DEFAULT_INSTANCE / 'requests.sqlite'}"
    SECRET_KEY: str = "dev-only-change-me"
    UPLOAD_DIR: str = str(DEFAULT_INSTANCE / "uploads")
    LETTER_TEMPLATES_DIR: str = str(Path(__file__).resolve().parent.parent / "letter_templates")
    TIMEZONE: str = "Asia/Shanghai"
    SQL_ECHO: bool = False
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    # "rq": letters are rendered by an RQ worker (`rq worker letters`); "inline": in the request.
    LETTER_QUEUE: str = "rq"
    # Events: "rq" wakes an RQ worker (`rq worker events`) after each commit that wrote events;
    # "manual": they wait for `flask deliver-events` or `flask run-scheduler`.
    EVENT_DELIVERY: str = "rq"
    EVENTS_QUEUE: str = "events"
    # Webhooks go only to these hosts ("host" = any port, or "host:port"); comma-separated.
    WEBHOOK_ALLOWED_HOSTS: tuple[str, ...] = ()
    WEBHOOK_MAX_ATTEMPTS: int = 8
    WEBHOOK_BACKOFF_SECONDS: int = 30
    WEBHOOK_TIMEOUT_SECONDS: int = 10
    # Finished events, their deliveries, delivery log and notifications are kept this long.
    EVENT_RETENTION_DAYS: int = 180
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
    API_TITLE: str = "requests-service 政府信息依申请公开办理系统"
    API_VERSION: str = "1.0.0"
    OPENAPI_VERSION: str = "3.0.3"
    OPENAPI_URL_PREFIX: str = "/"
    OPENAPI_JSON_PATH: str = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH: str = "/docs"
    OPENAPI_SWAGGER_UI_URL: str = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
    OPENAPI_REDOC_PATH: str = "/redoc"
    OPENAPI_REDOC_URL: str = "https://cdn.jsdelivr.net/npm/redoc/bundles/redoc.standalone.js"
    API_SPEC_OPTIONS: dict[str, Any] = field(
        default_factory=lambda: {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "info": {
                "description": (
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
            LETTER_TEMPLATES_DIR=os.environ.get(
                "LETTER_TEMPLATES_DIR", defaults.LETTER_TEMPLATES_DIR
            ),
            TIMEZONE=os.environ.get("TIMEZONE", defaults.TIMEZONE),
            SQL_ECHO=os.environ.get("SQL_ECHO", "") not in ("", "0", "false"),
            REDIS_URL=os.environ.get("REDIS_URL", defaults.REDIS_URL),
            LETTER_QUEUE=os.environ.get("LETTER_QUEUE", defaults.LETTER_QUEUE),
            MAX_UPLOAD_BYTES=_int("MAX_UPLOAD_BYTES", defaults.MAX_UPLOAD_BYTES),
            EVENT_DELIVERY=os.environ.get("EVENT_DELIVERY", defaults.EVENT_DELIVERY),
            EVENTS_QUEUE=os.environ.get("EVENTS_QUEUE", defaults.EVENTS_QUEUE),
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
            SMTP_HOST=os.environ.get("SMTP_HOST", defaults.SMTP_HOST),
            SMTP_PORT=_int("SMTP_PORT", defaults.SMTP_PORT),
            SMTP_USERNAME=os.environ.get("SMTP_USERNAME", defaults.SMTP_USERNAME),
            SMTP_PASSWORD=os.environ.get("SMTP_PASSWORD", defaults.SMTP_PASSWORD),
            SMTP_FROM=os.environ.get("SMTP_FROM", defaults.SMTP_FROM),
            SMTP_STARTTLS=os.environ.get("SMTP_STARTTLS", "") not in ("", "0", "false"),
        )

    def as_flask_config(self) -> dict[str, Any]:
        return asdict(self)
