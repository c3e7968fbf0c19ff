from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from requests_service.api.limits import limiter
from tests.factories import World, build_world


@pytest.fixture
def world(app: Any) -> World:
    session = app.extensions["db_session_factory"]()
    try:
        return build_world(session)
    finally:
        session.close()


@pytest.fixture
def limited(app: Any) -> Iterator[Any]:
    """The abuse limits switched on with small windows (the test config turns them off); every
    RATELIMIT_* setting and the counters are restored afterwards."""
    saved = {k: app.config[k] for k in app.config if k.startswith("RATELIMIT_")}
    app.config.update(
        RATELIMIT_ACTIVE=True,
        RATELIMIT_SUBMIT="3/minute",
        RATELIMIT_TRACKING="5/minute",
        RATELIMIT_TRACKING_FAILURES="3/minute",
        RATELIMIT_FORM_PDF="2/minute",
    )
    limiter.reset()
    try:
        yield app
    finally:
        limiter.reset()
        app.config.update(saved)


@pytest.fixture
def redis_url() -> str:
    """A Redis for the tests that start RQ workers: skipped without one, except in CI."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        Redis.from_url(url).ping()
    except RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis unreachable (CI requires it)")
        pytest.skip("Redis unreachable")
    return url
