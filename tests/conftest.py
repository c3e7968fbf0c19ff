"""Test fixtures. Every database test runs twice: on SQLite and on PostgreSQL.

PostgreSQL is at 127.0.0.1:5432 (user postgres, trust auth); each run creates a throwaway
database and drops it at the end. Without PostgreSQL its tests are skipped — unless ``CI`` or
``REQUIRE_POSTGRES`` is set, where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import has_request_context, request
from hypothesis import settings
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from requests_service.api.auth import SAFE_METHODS
from requests_service.app import create_app
from requests_service.db import migrate
from requests_service.db.base import Base
from requests_service.services.access import actor_cache
from requests_service.services.clock import calendar_cache
from requests_service.timekeeping import FixedClock, use_clock

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")

# Property tests check rules, not speed (benchmarks under bench/ do that): no per-example
# deadline, so a loaded CI machine cannot fail them.
settings.register_profile("requests_service", deadline=None)
settings.load_profile("requests_service")


def _postgres_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"rs_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {type(exc).__name__}"
        if _postgres_required():
            pytest.fail(message + " (CI requires PostgreSQL)")
        pytest.skip(message)
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Backends already upgraded to head (lazily, so a pure unit run needs no database)."""
    return {}


def _migrated(request: pytest.FixtureRequest, backend: str) -> str:
    urls: dict[str, str] = request.getfixturevalue("migrated_urls")
    if backend not in urls:
        if backend == "sqlite":
            path = request.getfixturevalue("tmp_path_factory").mktemp("db") / "test.sqlite"
            url = f"sqlite:///{path}"
        else:
            url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
        urls[backend] = url
    return urls[backend]


def _wipe(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A database upgraded to head, shared by the run; tests leave it as they found it."""
    return _migrated(request, request.param)


@pytest.fixture(scope="session")
def _shared_apps() -> Iterator[dict[str, Any]]:
    """One app per backend for the whole run (building one per test dominated the suite)."""
    apps: dict[str, Any] = {}
    yield apps
    for application in apps.values():
        application.extensions["db_engine"].dispose()


def _build_app(database_url: str, upload_dir: Path) -> Any:
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_DIR": str(upload_dir),
            "TESTING": True,
            "MAX_UPLOAD_BYTES": 256 * 1024,
            "MAX_CONTENT_LENGTH": 512 * 1024,
            # Tests drain the outbox themselves (or start RQ workers explicitly).
            "EVENT_DELIVERY": "manual",
            # Abuse limits would throttle the suite (every request comes from 127.0.0.1);
            # tests/api/test_limits.py switches them on.
            "RATELIMIT_ACTIVE": False,
            # Limit tests count in this process only, not in a Redis other runs share.
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    _refuse_writes_in_safe_requests(application.extensions["db_engine"])
    return application


_WRITE = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|MERGE)\b|\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.I | re.S
)


def _refuse_writes_in_safe_requests(engine: Any) -> None:
    """A GET, HEAD or OPTIONS request may run on an actor cached for up to
    ``ACTOR_CACHE_SECONDS`` (``services/access.py``): one that wrote could act for a revoked
    token. Every request any API test makes is checked: a write statement in a safe request
    fails the test."""

    @event.listens_for(engine, "before_cursor_execute")
    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if has_request_context() and request.method in SAFE_METHODS and _WRITE.match(statement):
            raise AssertionError(f"{request.method} {request.path} wrote: {statement[:120]}")


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    _shared_apps: dict[str, Any],
) -> Iterator[Any]:
    """The app, with everything the test writes rolled back afterwards.

    Each test runs inside one outer transaction on one connection; the services' commits become
    SAVEPOINT releases (SQLAlchemy's ``join_transaction_mode="create_savepoint"``), and the outer
    transaction is rolled back at the end. Tests marked ``commits`` (several threads or processes
    must see each other's commits) get an app of their own and the tables are wiped afterwards.
    """
    if request.node.get_closest_marker("commits"):
        application = _build_app(database_url, tmp_path / "uploads")
        try:
            yield application
        finally:
            application.extensions["db_engine"].dispose()
            _wipe(database_url)
        return
    application = _shared_apps.get(database_url)
    if application is None:
        application = _shared_apps[database_url] = _build_app(database_url, tmp_path / "uploads")
    saved_config = dict(application.config)
    saved_factory = application.extensions["db_session_factory"]
    application.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    connection = application.extensions["db_engine"].connect()
    outer = connection.begin()
    application.extensions["db_session_factory"] = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield application
    finally:
        application.extensions["db_session_factory"] = saved_factory
        application.config.clear()
        application.config.update(saved_config)
        if outer.is_active:
            outer.rollback()
        connection.close()
        # The rollback undid commits (a calendar change, tokens and users among them), which
        # production never does: the next test's first calendar use reads the version again,
        # and its first request resolves its token again.
        calendar_cache(application.extensions["db_engine"]).invalidate()
        actor_cache(application.extensions["db_engine"]).clear()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def fixed_clock() -> Iterator[FixedClock]:
    """Fix "now" for everything the test calls: Tuesday 10 March 2026, 10:00 Beijing time."""
    with use_clock(FixedClock.on_legal_date(date(2026, 3, 10))) as clock:
        yield clock
