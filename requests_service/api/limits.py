"""Abuse limits (issue 15, item 6): flask-limiter on the public and authentication surfaces.

Limits are per client address. Storage: ``RATELIMIT_STORAGE_URI``, by default ``REDIS_URL``
(shared by every gunicorn worker), with an in-memory fallback while Redis is unreachable. A
refused request gets 429 in the common error shape with ``Retry-After``.

No ``X-RateLimit-*`` headers on answers that were let through (``RATELIMIT_HEADERS_ENABLED``,
off by default): writing them costs every request one more read of the counters (a Redis round
trip), and on most endpoints the only limit in force is the failed-authentication one, whose
"remaining" would tell a guesser how many tries are left. ``Retry-After`` on a 429 is computed
from the limit that refused, only then (:func:`retry_after_seconds`).

- ``POST /public/applications``: ``RATELIMIT_SUBMIT`` (10/minute;200/day), every submission;
- ``/public/tracking/…``: ``RATELIMIT_TRACKING`` (60/minute), every request;
- wrong tracking code or secret, wrong enrolment code: ``RATELIMIT_TRACKING_FAILURES``
  (10/minute), counting 404 answers only;
- ``GET /public/agencies/{id}/application-form`` (PDF, 0.2–1 s of CPU): ``RATELIMIT_FORM_PDF``
  (10/minute);
- failed bearer authentication on any endpoint: ``RATELIMIT_AUTH_FAILURES`` (20/minute), one
  application-wide counter per address counting 401 answers only; beyond it the address is
  refused everywhere until the window passes.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)  # headers: RATELIMIT_HEADERS_ENABLED


def _config(name: str) -> Any:
    return lambda: current_app.config[name]


def _failed(*statuses: int) -> Any:
    return lambda response: response.status_code in statuses


submission_limit = limiter.limit(_config("RATELIMIT_SUBMIT"), methods=["POST"])
tracking_limit = limiter.shared_limit(_config("RATELIMIT_TRACKING"), scope="tracking")
tracking_failure_limit = limiter.shared_limit(
    _config("RATELIMIT_TRACKING_FAILURES"), scope="tracking-failures", deduct_when=_failed(404)
)
form_pdf_limit = limiter.limit(_config("RATELIMIT_FORM_PDF"))


@limiter.request_filter
def _inactive() -> bool:
    """``RATELIMIT_ACTIVE = False`` exempts one app (the test suite's shared apps)."""
    return not current_app.config.get("RATELIMIT_ACTIVE", True)


def retry_after_seconds() -> int | None:
    """Seconds until the limit that refused this request lets the caller in again (at least 1);
    None when no limit refused it. One read of that limit's counter, on 429 answers only."""
    refused = limiter.current_limit
    if refused is None or not refused.breached:
        return None
    return max(1, int(refused.reset_at - time.time()))


def init_app(app: Flask) -> None:
    # Counters live in Redis, shared by every worker and host (a per-process memory store would
    # multiply each limit by the number of workers); if Redis is unreachable the limiter falls
    # back to memory until it returns, rather than failing requests.
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # Failed bearer authentication (401) on any endpoint counts against one application-wide
    # limit per address, so guesses cannot be spread over many endpoints.
    app.config.setdefault("RATELIMIT_APPLICATION_DEDUCT_WHEN", _failed(401))
    app.config.setdefault("RATELIMIT_APPLICATION", app.config["RATELIMIT_AUTH_FAILURES"])
    limiter.init_app(app)
