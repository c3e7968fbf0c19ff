"""hash chains for filing events, topic events and calendar changes (backfilled)

Revision ID: i15c_more_audit_chains
Revises: i15b_audit_hash_chain
Create Date: 2026-12-02 14:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from requests_service.db.base import JsonDocument, UtcDateTime
from requests_service.domain.audit_chain import GENESIS, event_hash

revision: str = "i15c_more_audit_chains"
down_revision: str | None = "i15b_audit_hash_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status_table(name: str, key: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column(key, sa.Integer),
        sa.column("action", sa.String),
        sa.column("from_status", sa.String),
        sa.column("to_status", sa.String),
        sa.column("actor_user_id", sa.Integer),
        sa.column("actor_name", sa.String),
        sa.column("occurred_at", UtcDateTime),
        sa.column("data", JsonDocument),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )


calendar_changes = sa.table(
    "calendar_changes",
    sa.column("id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("actor_user_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("occurred_at", UtcDateTime),
    sa.column("before", JsonDocument),
    sa.column("after", JsonDocument),
    sa.column("cases_recomputed", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
STATUS_FIELDS = ("action", "from_status", "to_status", "actor_user_id", "actor_name",
                 "occurred_at", "data")  # fmt: skip
CALENDAR_FIELDS = ("year", "actor_user_id", "actor_name", "occurred_at", "before", "after",
                   "cases_recomputed")  # fmt: skip


def _backfill(table: sa.TableClause, chain_key: str | None, fields: tuple[str, ...]) -> None:
    conn = op.get_bind()
    order = [table.c[chain_key], table.c.id] if chain_key else [table.c.id]
    chain, seq, prev = object(), 0, GENESIS
    for row in conn.execute(sa.select(table).order_by(*order)).mappings().all():
        current = row[chain_key] if chain_key else None
        if current != chain:
            chain, seq, prev = current, 0, GENESIS
        seq += 1
        content = {name: row[name] for name in fields}
        if chain_key:
            content[chain_key] = row[chain_key]
        if "data" in content:
            content["data"] = content["data"] or {}
        content["seq"] = seq
        digest = event_hash(prev, content)
        conn.execute(
            table.update().where(table.c.id == row["id"]).values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest


def upgrade() -> None:
    for name in ("filing_events", "topic_events", "calendar_changes"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _backfill(_status_table("filing_events", "filing_id"), "filing_id", STATUS_FIELDS)
    _backfill(_status_table("topic_events", "topic_id"), "topic_id", STATUS_FIELDS)
    _backfill(calendar_changes, None, CALENDAR_FIELDS)
    with op.batch_alter_table("filing_events", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_filing_events_filing_id_seq", ["filing_id", "seq"])
    with op.batch_alter_table("topic_events", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_topic_events_topic_id_seq", ["topic_id", "seq"])
    with op.batch_alter_table("calendar_changes", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_calendar_changes_seq", ["seq"])


def downgrade() -> None:
    with op.batch_alter_table("calendar_changes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_calendar_changes_seq", type_="unique")
    with op.batch_alter_table("topic_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_topic_events_topic_id_seq", type_="unique")
    with op.batch_alter_table("filing_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_filing_events_filing_id_seq", type_="unique")
    for name in ("filing_events", "topic_events", "calendar_changes"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("hash")
            batch_op.drop_column("prev_hash")
            batch_op.drop_column("seq")
