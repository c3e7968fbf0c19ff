"""topics keep their arrivals per day (surge check without re-reading the topic's cases)

Revision ID: i16a
Revises: i13a_topic_corrections
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

revision: str = "i16a"
down_revision: str | None = "i13a_topic_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# What the surge check reads (services.topics.ARRIVAL_DAYS_KEPT), in legal (Beijing) days.
DAYS_KEPT = 30
LEGAL_ZONE = ZoneInfo("Asia/Shanghai")


def upgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("daily_arrivals", JSON_DOCUMENT, nullable=True))
    _backfill()


def _backfill() -> None:
    """The recent arrivals of every topic, counted once from its cases."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    since = now - timedelta(days=DAYS_KEPT + 1)
    cases = sa.table("cases", sa.column("topic_id"), sa.column("submitted_at", sa.DateTime()))
    if bind.dialect.name == "sqlite":
        since = since.replace(tzinfo=None)  # SQLite keeps UTC without an offset
    rows = bind.execute(
        sa.select(cases.c.topic_id, cases.c.submitted_at).where(
            cases.c.topic_id.is_not(None), cases.c.submitted_at >= since
        )
    )
    first_day = now.astimezone(LEGAL_ZONE).date() - timedelta(days=DAYS_KEPT)
    per_topic: dict[int, Counter[str]] = defaultdict(Counter)
    for topic_id, submitted_at in rows:
        moment = submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
        day = moment.astimezone(LEGAL_ZONE).date()
        if day >= first_day:
            per_topic[topic_id][day.isoformat()] += 1
    topics = sa.table("topics", sa.column("id"), sa.column("daily_arrivals", JSON_DOCUMENT))
    for topic_id, days in per_topic.items():
        bind.execute(
            topics.update()
            .where(topics.c.id == topic_id)
            .values(daily_arrivals=dict(sorted(days.items())))
        )


def downgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_column("daily_arrivals")
