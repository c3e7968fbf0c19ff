"""The audit trail: every state change and recorded fact becomes one ``CaseEvent``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Case, CaseEvent
from requests_service.domain.lifecycle import CaseState, Role
from requests_service.services.access import Actor
from requests_service.services.audit import seal_case_event


def record_event(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    role: Role,
    action: str,
    from_state: CaseState | None,
    to_state: CaseState | None,
    effective_on: date | None = None,
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_user_id=actor.user_id,
        actor_role=role,
        actor_name=actor.name,
        occurred_at=utcnow(),
        effective_on=effective_on,
        public=public,
        data=data or {},
    )
    seal_case_event(session, event)
    session.add(event)
    return event


def case_events(session: Session, case_id: int, *, public_only: bool = False) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case_id)
    if public_only:
        query = query.where(CaseEvent.public.is_(True))
    return list(session.scalars(query.order_by(CaseEvent.occurred_at, CaseEvent.id)))
