"""Statements built once and run many times with parameters (issue 16: building an INSERT for
every submission cost more CPU than running it).

A prepared statement names its parameters after the columns they fill and types each one as
its column, so the values a caller passes are bound exactly as the ORM would bind them. It
inserts into the table, not the entity: given parameters, an ORM INSERT would read them as rows.
Callers keep the statement (a module constant, or ``lru_cache`` when it is built on first use
or once per database kind).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Dialect,
    Insert,
    String,
    Table,
    TypeDecorator,
    bindparam,
    insert,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


class StringArray(TypeDecorator[list[str]]):
    """A PostgreSQL ``VARCHAR[]`` parameter sent as one array literal (``'{"a","b"}'``, which
    the server reads with the ``::VARCHAR[]`` cast the statement carries): the driver dumped a
    list element by element in Python, the costliest part of the intake's two statements that
    take the ~50 index keys (issue 16).  Any text goes: each element is quoted and its
    backslashes and double quotes escaped, as PostgreSQL's array syntax asks."""

    impl = ARRAY(String)
    cache_ok = True

    # The whole bind step (not process_bind_param, which would then hand the literal on to
    # ARRAY's own processor): the driver receives the text.
    def bind_processor(self, dialect: Dialect) -> Any:
        return _array_literal


def _array_literal(values: list[str] | None) -> str | None:
    if values is None:
        return None
    if not values:
        return "{}"
    # NUL separates the elements while they are escaped in three passes over one string
    # (PostgreSQL text cannot hold NUL, so no element has one; one that did is refused).
    joined = "\x00".join(values)
    if joined.count("\x00") != len(values) - 1:
        raise ValueError("a text array element contains NUL")
    escaped = joined.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", '","')
    return '{"' + escaped + '"}'


def column_params(table: Table, names: Iterable[str]) -> dict[str, BindParameter[Any]]:
    """``{name: bindparam(name)}``, each typed as ``table``'s column of that name."""
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


def _dialect_insert(dialect: str, table: Table) -> PgInsert | SqliteInsert:
    """The database's own INSERT, for its ``ON CONFLICT`` clauses (as ``db.session
    .dialect_insert``, which picks it by the session's database on every call)."""
    if dialect == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def prepared_insert(
    table: Table,
    values: Iterable[str] | Mapping[str, Any],
    *,
    returning: ColumnElement[Any] | None = None,
    on_conflict_do_nothing: Sequence[ColumnElement[Any]] = (),
    dialect: str | None = None,
) -> Insert:
    """``INSERT INTO table (…) VALUES (:column, …)`` with one typed parameter per column.

    ``values``: the column names, or a mapping that adds computed values to
    :func:`column_params` (a subquery over one of the parameters, say).
    ``on_conflict_do_nothing``: the conflict target's columns; the statement is then the
    ``dialect``'s own INSERT (``postgresql`` or ``sqlite``, the engine's dialect name), so
    build it once per database kind.
    """
    params = values if isinstance(values, Mapping) else column_params(table, values)
    statement: Insert
    if on_conflict_do_nothing:
        if dialect is None:
            raise ValueError("ON CONFLICT needs the dialect: its INSERT is the database's own")
        statement = (
            _dialect_insert(dialect, table)
            .values(params)
            .on_conflict_do_nothing(index_elements=list(on_conflict_do_nothing))
        )
    else:
        statement = insert(table).values(params)
    if returning is not None:
        statement = statement.returning(returning)
    return statement
