"""requests-service: case management for government information disclosure on application.

The package itself imports nothing, so ``requests_service.domain`` loads without Flask. The app
factory lives in :mod:`requests_service.app`; ``create_app`` is resolved lazily here so that
``gunicorn "requests_service:create_app()"`` and ``flask --app requests_service`` keep working.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from requests_service.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
