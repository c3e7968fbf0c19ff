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
    # Abuse limits (requests_service/api/limits.py); Redis in production, e.g. redis://…/1.
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_SUBMIT: str = "10/minute;200/day"
    RATELIMIT_TRACKING: str = "60/minute"
    RATELIMIT_TRACKING_FAILURES: str = "10/minute"
    RATELIMIT_FORM_PDF: str = "10/minute"
    RATELIMIT_AUTH_FAILURES: str = "20/minute"
    # Demo mode (scripts/serve) may run with the built-in SECRET_KEY; nothing else may.
    DEMO_MODE: bool = False
    # Bearer tokens expire; enrolment codes (an admin hands one to a new officer) even sooner.
    TOKEN_TTL_DAYS: int = 90
    ENROLMENT_TTL_HOURS: int = 72
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
            RATELIMIT_STORAGE_URI=os.environ.get(
                "RATELIMIT_STORAGE_URI", defaults.RATELIMIT_STORAGE_URI
            ),
            DEMO_MODE=os.environ.get("DEMO_MODE", "") not in ("", "0", "false"),
            TOKEN_TTL_DAYS=_int("TOKEN_TTL_DAYS", defaults.TOKEN_TTL_DAYS),
            ENROLMENT_TTL_HOURS=_int("ENROLMENT_TTL_HOURS", defaults.ENROLMENT_TTL_HOURS),
        )

    def as_flask_config(self) -> dict[str, Any]:
        return asdict(self)
