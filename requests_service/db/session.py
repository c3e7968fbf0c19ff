"""Engine and session factory built from ``DATABASE_URL``; stored in ``app.extensions``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class PoolSettings:
    """The server database's connection pool (see ``Config.DB_POOL_*``); SQLite has none."""

    size: int = 2
    max_overflow: int = 3
    timeout: int = 10
    recycle: int = 1800
    pre_ping: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PoolSettings:
        defaults = cls()
        return cls(
            size=int(config.get("DB_POOL_SIZE", defaults.size)),
            max_overflow=int(config.get("DB_MAX_OVERFLOW", defaults.max_overflow)),
            timeout=int(config.get("DB_POOL_TIMEOUT", defaults.timeout)),
            recycle=int(config.get("DB_POOL_RECYCLE", defaults.recycle)),
            pre_ping=bool(config.get("DB_POOL_PRE_PING", defaults.pre_ping)),
        )


def make_engine(url: str, *, echo: bool = False, pool: PoolSettings | None = None) -> Engine:
    # hide_parameters: a failing statement's message (and SQL echo) never carries the bound
    # values — applicants' names, ID numbers, phones and addresses must not reach any log.
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once with "database is locked".
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        pool = pool or PoolSettings()
        kwargs.update(
            pool_size=pool.size,
            max_overflow=pool.max_overflow,
            pool_timeout=pool.timeout,
            pool_recycle=pool.recycle,
            pool_pre_ping=pool.pre_ping,
        )
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

    engine = make_engine(
        app.config["DATABASE_URL"],
        echo=app.config.get("SQL_ECHO", False),
        pool=PoolSettings.from_config(app.config),
    )
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
        session = current_app.extensions["db_session_factory"]()
        if _request_reads_only():
            bind = session.get_bind()
            if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
                session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.db_session = session
    found: Session = g.db_session
    return found


_READS_ONLY = "_request_reads_only"
View = TypeVar("View", bound=Callable[..., Any])


def reads_only(view: View) -> View:
    """Marks a view whose request only reads: on PostgreSQL its statements run outside a
    transaction, which saves the BEGIN and ROLLBACK round trips of every request.

    Reads see nothing different: under READ COMMITTED every statement takes its own snapshot,
    inside a transaction or not. Never for a view that writes, locks or calls a use case that
    commits (each statement would commit on its own).
    """
    setattr(view, _READS_ONLY, True)
    return view


_READS_ONLY_BY_OPERATION = "db_reads_only_operations"


def _request_reads_only() -> bool:
    """Whether the request's view is marked :func:`reads_only`; looked up once per endpoint and
    method, then kept on the app (the routes are fixed when the app is built)."""
    from flask import current_app, has_request_context, request

    if not has_request_context() or request.endpoint is None:
        return False
    known: dict[tuple[str, str], bool] = current_app.extensions.setdefault(
        _READS_ONLY_BY_OPERATION, {}
    )
    operation = (request.endpoint, request.method)
    if operation not in known:
        view = current_app.view_functions.get(request.endpoint)
        view_class = getattr(view, "view_class", None)
        handler = getattr(view_class, request.method.lower(), None) if view_class else view
        known[operation] = bool(getattr(handler, _READS_ONLY, False))
    return known[operation]
