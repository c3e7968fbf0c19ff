"""What a case's records say: its last event of a kind, a third party's objection, an issued
letter. Shared by the case and letter use cases (so neither imports the other for them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import CaseEvent, Letter
from requests_service.domain.lifecycle import Action
from requests_service.services.letter_kinds import LetterStatus


def last_event(session: Session, case_id: int, action: str) -> CaseEvent | None:
    return session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
        .order_by(CaseEvent.id.desc())
    ).first()


def third_party_objection(session: Session, case_id: int) -> CaseEvent | None:
    """The end of a third-party consultation at which the third party objected (Art. 32)."""
    event = last_event(session, case_id, Action.END_CONSULTATION.value)
    if event is not None and event.data.get("third_party_objects"):
        return event
    return None


def issued_letter(session: Session, case_id: int, kind: str) -> Letter | None:
    return session.scalars(
        select(Letter)
        .where(
            Letter.case_id == case_id,
            Letter.kind == kind,
            Letter.status == LetterStatus.ISSUED,
        )
        .order_by(Letter.id.desc())
    ).first()
