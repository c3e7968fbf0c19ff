"""Transactional outbox: events are rows written in the same transaction as the change.

``publish`` adds an ``OutboxEvent`` to the session; it commits or rolls back with the change it
reports, so a rolled-back change sends nothing and a crash after commit loses nothing (the row
waits for the next drain). ``dispatch_pending`` later fans each event out into webhook deliveries
and notifications, each keyed so that a second dispatcher can never make duplicates; the event's
``event_id`` (a UUID) is what receivers de-duplicate on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Case, OutboxEvent, Topic
from requests_service.domain.events import PUBLISHED_DATA_KEYS, EventType, event_type_for_action

PENDING_KEY = "outbox_pending"
# A callable in ``session.info`` run after a commit that wrote events (wakes the worker).
KICK_KEY = "outbox_kick"


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value"):
        return value.value
    return value


def case_snapshot(case: Case) -> dict[str, Any]:
    """What a receiver learns about the case: no applicant details, no request text."""
    return {
        "id": case.id,
        "case_number": case.case_number,
        "tracking_code": case.tracking_code,
        "state": case.state.value,
        "state_label": case.state.label,
        "channel": case.channel.value,
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "due_provisional": bool(case.due_provisional),
    }


@dataclass
class Written:
    """An outbox row already INSERTed (not an ORM object), kept for the commit-time refresh of
    its case snapshot."""

    event_id: str
    payload: dict[str, Any]


def publish(
    session: Session,
    event_type: EventType,
    *,
    agency_id: int,
    case: Case | None = None,
    topic: Topic | None = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    occurred_at: datetime | None = None,
) -> None:
    """Add an event to the outbox (not committed here: it rides on the caller's transaction).

    An ORM object, flushed with the use case's other writes.  A use case that INSERTs the row
    itself with Core (a new case's first event, issue 16) builds it with :func:`event_row` or
    :func:`case_action_row` and reports it with :func:`written`.
    """
    row = event_row(
        event_type,
        agency_id=agency_id,
        case=case,
        topic=topic,
        data=data,
        dedupe_key=dedupe_key,
        occurred_at=occurred_at,
    )
    event = OutboxEvent(**row)
    session.add(event)
    session.info.setdefault(PENDING_KEY, []).append((event, case))


def event_row(
    event_type: EventType,
    *,
    agency_id: int,
    case: Case | None = None,
    topic: Topic | None = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """An outbox row's column values (``INSERT`` or ``OutboxEvent(**row)``)."""
    event_id = str(uuid.uuid4())
    occurred_at = occurred_at or utcnow()
    payload: dict[str, Any] = {
        "id": event_id,
        "type": event_type.value,
        "type_label": event_type.label,
        "occurred_at": occurred_at.isoformat(),
        "agency_id": agency_id,
        "data": _jsonable(data or {}),
    }
    if case is not None:
        payload["case"] = case_snapshot(case)
    if topic is not None:
        payload["topic"] = {
            "id": topic.id,
            "status": topic.status,
            "case_count": topic.case_count,
            "applicant_count": topic.applicant_count,
        }
    return {
        "event_id": event_id,
        "event_type": event_type.value,
        "agency_id": agency_id,
        "case_id": case.id if case is not None else None,
        "dedupe_key": dedupe_key,
        "payload": payload,
        "occurred_at": occurred_at,
    }


def written(session: Session, row: dict[str, Any], case: Case | None) -> None:
    """An outbox row (``event_row``) the caller has just INSERTed with a Core statement: kept
    for the commit-time refresh of its case snapshot, and the wake-up after the commit."""
    session.info.setdefault(PENDING_KEY, []).append(
        (Written(row["event_id"], row["payload"]), case)
    )


_TABLE = OutboxEvent.metadata.tables[OutboxEvent.__tablename__]
ROW_COLUMNS = (
    "event_id",
    "event_type",
    "agency_id",
    "case_id",
    "dedupe_key",
    "payload",
    "occurred_at",
)
_REFRESH = (
    update(_TABLE)
    .where(_TABLE.c.event_id == bindparam("b_event_id", type_=_TABLE.c.event_id.type))
    .values(payload=bindparam("payload", type_=_TABLE.c.payload.type))
)


def publish_case_action(
    session: Session,
    case: Case,
    action: str,
    data: dict[str, Any] | None,
    occurred_at: datetime,
    *,
    public: bool = False,
) -> None:
    """Called by the audit trail for every case event: publishes those the outside cares about."""
    event_type = event_type_for_action(action)
    if event_type is None:
        return
    publish(
        session,
        event_type,
        agency_id=case.agency_id,
        case=case,
        data=_published(action, data, public),
        occurred_at=occurred_at,
    )


def case_action_row(
    case: Case, action: str, data: dict[str, Any] | None, occurred_at: datetime, *, public: bool
) -> dict[str, Any] | None:
    """The outbox row :func:`publish_case_action` would write, or None for an action the outside
    is not told of; for a caller that INSERTs it itself (then :func:`written`)."""
    event_type = event_type_for_action(action)
    if event_type is None:
        return None
    return event_row(
        event_type,
        agency_id=case.agency_id,
        case=case,
        data=_published(action, data, public),
        occurred_at=occurred_at,
    )


def _published(action: str, data: dict[str, Any] | None, public: bool) -> dict[str, Any]:
    published = {k: v for k, v in (data or {}).items() if k in PUBLISHED_DATA_KEYS}
    published["action"] = action
    # On the applicant's public timeline: the applicant is told of it (notifications).
    published["public"] = public
    return published


def before_commit(session: Session) -> bool:
    """Refresh each new event's case snapshot with the state and due date being committed
    (the due date is recomputed after the audit event is written). Returns True if any."""
    pending = session.info.pop(PENDING_KEY, [])
    for event, case in pending:
        if case is not None and isinstance(event, Written):
            snapshot = case_snapshot(case)
            if event.payload.get("case") != snapshot:
                event.payload = {**event.payload, "case": snapshot}
                session.execute(_REFRESH, {"b_event_id": event.event_id, "payload": event.payload})
        elif case is not None and event in session:
            snapshot = case_snapshot(case)
            # Only a changed snapshot is written: an unchanged one left the event marked
            # modified, and the commit ran a whole flush to find nothing to update (issue 16).
            if event.payload.get("case") != snapshot:
                event.payload = {**event.payload, "case": snapshot}
    return bool(pending)


def after_commit(session: Session, wrote_events: bool) -> None:
    kick: Callable[[], None] | None = session.info.get(KICK_KEY)
    if wrote_events and kick is not None:
        kick()


def after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return (
        session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
        or 0
    )
