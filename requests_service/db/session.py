"""Engine and session factory built from ``DATABASE_URL``; stored in ``app.extensions``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, echo: bool = False) -> Engine:
    # hide_parameters: a failing statement's message (and SQL echo) never carries the bound
    # values — applicants' names, ID numbers, phones and addresses must not reach any log.
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once with "database is locked".
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions, so that BEGIN IMMEDIATE below takes effect.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads then writes can deadlock with another writer; taking
    # the write lock at BEGIN serialises writers cleanly (SQLite is the single-machine default).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_insert(session: Session, entity: Any) -> PgInsert | SqliteInsert:
    """The database's own INSERT, for its ``ON CONFLICT`` clauses (both databases have them)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(entity)
    return sqlite_insert(entity)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def init_app(app: Any) -> None:
    """Put engine and session factory in ``app.extensions``; one session per request."""
    from flask import g

    engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
    app.extensions["db_engine"] = engine
    app.extensions["db_session_factory"] = make_session_factory(engine)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def current_session() -> Session:
    """The request's session; created on first use. Routes never commit: services do."""
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = current_app.extensions["db_session_factory"]()
    session: Session = g.db_session
    return session
