"""Claiming queued rows (webhook deliveries, notifications) so only one worker sends each.

A row is due when ``pending`` and its ``next_attempt_at`` has come, or when a worker's claim
(``sending`` until ``locked_until``) expired because the worker died. A worker claims a row by a
conditional UPDATE; the database lets only one UPDATE match.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from requests_service.services.unit_of_work import UnitOfWork


def due(model: Any, now: datetime) -> Any:
    return or_(
        and_(model.status == "pending", model.next_attempt_at <= now),
        and_(model.status == "sending", model.locked_until < now),
    )


def claim_due(
    session: Session, model: Any, now: datetime, limit: int, lock_seconds: float
) -> list[int]:
    """Claim up to ``limit`` due rows in one statement. On PostgreSQL rows another worker is
    claiming are skipped (``SKIP LOCKED``), so workers take disjoint batches instead of
    queueing on the same rows; SQLite serialises writers anyway."""
    due_rows = select(model.id).where(due(model, now)).order_by(model.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due_rows = due_rows.with_for_update(skip_locked=True)
    with UnitOfWork(session) as uow:
        claimed = list(
            session.scalars(
                update(model)
                .where(model.id.in_(due_rows.scalar_subquery()))
                .values(status="sending", locked_until=now + timedelta(seconds=lock_seconds))
                .returning(model.id)
                .execution_options(synchronize_session=False)
            )
        )
        uow.commit()
    return sorted(claimed)
