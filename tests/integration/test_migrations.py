"""Alembic owns the schema: head on an empty database matches the models exactly."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Enum, create_engine, inspect

from requests_service.db import migrate
from requests_service.db.base import Base


def test_upgrade_head_matches_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    engine.dispose()


def _checked_enum_columns() -> list[tuple[str, str, str, set[str]]]:
    """(table, column, constraint name, values) of every enum column the models CHECK."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, Enum) and kind.create_constraint:
                found.append(
                    (table.name, column.name, f"ck_{table.name}_{kind.name}", set(kind.enums))
                )
    return found


def test_every_checked_enum_column_has_its_constraint(database_url: str) -> None:
    # compare_metadata ignores CHECK constraints: without this, a new enum member shipped
    # without a migration (or a later SQLite batch rebuild dropping the constraint) would only
    # show as an IntegrityError in production.
    checked = _checked_enum_columns()
    unchecked = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum) and not column.type.create_constraint
    ]
    assert unchecked == [], f"enum columns without a CHECK constraint: {unchecked}"
    assert {(t, c) for t, c, _, _ in checked} >= {
        ("cases", "state"),
        ("cases", "channel"),
        ("case_events", "to_state"),
        ("fee_assessments", "status"),
        ("letters", "status"),
        ("difficult_case_filings", "status"),
        ("topics", "status"),
        ("webhook_deliveries", "status"),
        ("notifications", "status"),
        ("job_runs", "status"),
        ("cases", "delivery_method"),
        ("letters", "delivery_method"),
    }
    engine = create_engine(database_url)
    inspector = inspect(engine)
    for table, column, name, values in checked:
        constraints = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
        assert name in constraints, f"{table}.{column}: no CHECK constraint {name}"
        allowed = set(re.findall(r"'([^']*)'", str(constraints[name])))
        assert allowed == values, f"{name} allows {sorted(allowed)}, the enum has {sorted(values)}"
    engine.dispose()
