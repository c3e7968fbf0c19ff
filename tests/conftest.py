"""Test fixtures. Every database test runs twice: on SQLite and on PostgreSQL.

PostgreSQL is at 127.0.0.1:5432 (user postgres, trust auth); each run creates a throwaway
database and drops it at the end. Without PostgreSQL its tests are skipped — unless ``CI`` or
``REQUIRE_POSTGRES`` is set, where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from requests_service.app import create_app
from requests_service.db import migrate
from requests_service.db.base import Base

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


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
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url = _migrated(request, request.param)
    try:
        yield url
    finally:
        _wipe(url)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "TESTING": True,
            "MAX_UPLOAD_BYTES": 256 * 1024,
            "MAX_CONTENT_LENGTH": 512 * 1024,
        }
    )
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()
