"""A throwaway PostgreSQL database for a benchmark run (127.0.0.1:5432, user postgres)."""

from __future__ import annotations

import secrets

from sqlalchemy import create_engine, text

PG_SERVER = "postgres@127.0.0.1:5432"
PG_ADMIN_URL = f"postgresql+psycopg://{PG_SERVER}/postgres"


def create_database(prefix: str = "rs_bench") -> tuple[str, str]:
    """Create ``<prefix>_<random>``; returns (name, SQLAlchemy URL)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name, f"postgresql+psycopg://{PG_SERVER}/{name}"


def drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
