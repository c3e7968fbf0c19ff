"""audit hash chain: seq, prev_hash and hash on case and administrative events (backfilled)

Revision ID: i15b_audit_hash_chain
Revises: i15a_separation_of_duties
Create Date: 2026-12-02 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from requests_service.db.base import JsonDocument, UtcDateTime
from requests_service.domain.audit_chain import GENESIS, event_hash

revision: str = "i15b_audit_hash_chain"
down_revision: str | None = "i15a_separation_of_duties"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the columns the hashes cover, with the types the application reads them with.
case_events = sa.table(
    "case_events",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("actor_user_id", sa.Integer),
    sa.column("actor_role", sa.String),
    sa.column("actor_name", sa.String),
    sa.column("occurred_at", UtcDateTime),
    sa.column("effective_on", sa.Date),
    sa.column("public", sa.Boolean),
    sa.column("data", JsonDocument),
    sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
admin_events = sa.table(
    "admin_events",
    sa.column("id", sa.Integer),
    sa.column("agency_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.Integer),
    sa.column("actor_user_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("occurred_at", UtcDateTime),
    sa.column("before", JsonDocument),
    sa.column("after", JsonDocument),
    sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
CASE_FIELDS = (
    "case_id", "action", "from_state", "to_state", "actor_user_id", "actor_role", "actor_name",
    "occurred_at", "effective_on", "public", "data",
)  # fmt: skip
ADMIN_FIELDS = (
    "agency_id", "action", "target_type", "target_id", "actor_user_id", "actor_name",
    "occurred_at", "before", "after",
)  # fmt: skip


def _backfill(table: sa.TableClause, chain_key: str, fields: tuple[str, ...]) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(table).order_by(table.c[chain_key], table.c.id)).mappings()
    chain, seq, prev = None, 0, GENESIS
    for row in rows.all():
        if row[chain_key] != chain:
            chain, seq, prev = row[chain_key], 0, GENESIS
        seq += 1
        content = {name: row[name] for name in fields}
        content["seq"] = seq
        if "public" in content:
            content["public"] = bool(content["public"])
        if "data" in content:
            content["data"] = content["data"] or {}
        digest = event_hash(prev, content)
        conn.execute(
            table.update()
            .where(table.c.id == row["id"])
            .values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest


def upgrade() -> None:
    for name in ("case_events", "admin_events"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _backfill(case_events, "case_id", CASE_FIELDS)
    _backfill(admin_events, "agency_id", ADMIN_FIELDS)
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_case_events_case_id_seq", ["case_id", "seq"])
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_admin_events_agency_id_seq", ["agency_id", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_admin_events_agency_id_seq", type_="unique")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_case_events_case_id_seq", type_="unique")
    for name in ("case_events", "admin_events"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("hash")
            batch_op.drop_column("prev_hash")
            batch_op.drop_column("seq")
