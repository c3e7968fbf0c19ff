"""Automatic consequences: close cases whose applicant let the correction or fee period lapse.

Art. 30 (no correction in time → deemed abandoned) and the Fee Measures (fee unpaid within 20
working days → deemed abandoned). Idempotent: a closed case is no longer selected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Case
from requests_service.domain.errors import DomainError
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services.access import SYSTEM
from requests_service.services.case_commands import ActionCommand
from requests_service.services.cases import apply_action
from requests_service.services.clock import legal_today


@dataclass
class LapseReport:
    closed_no_correction: list[int] = field(default_factory=list)
    closed_fee_unpaid: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


RULES = (
    (CaseState.AWAITING_CORRECTION, Case.correction_due_on, Action.DEEM_ABANDONED_NO_CORRECTION),
    (CaseState.AWAITING_FEE_PAYMENT, Case.fee_payment_due_on, Action.DEEM_ABANDONED_NO_FEE),
)


def close_lapsed_cases(
    session: Session,
    *,
    agency_ids: Iterable[int] | None = None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LapseReport:
    """``progress(done, total)`` is called after each case of each rule (the CLI prints it)."""
    today = today or legal_today()
    report = LapseReport()
    for state, due_column, action in RULES:
        query = select(Case.id).where(Case.state == state, due_column < today)
        if agency_ids is not None:
            query = query.where(Case.agency_id.in_(list(agency_ids)))
        case_ids = session.scalars(query.order_by(Case.id)).all()
        for done, case_id in enumerate(case_ids, start=1):
            if progress is not None:
                progress(done, len(case_ids))
            # One transaction per case: one failure never blocks the others.
            case = session.get(Case, case_id)
            if case is None or case.state is not state:
                continue
            try:
                apply_action(session, SYSTEM, case, action, ActionCommand(on=today))
            except DomainError as exc:
                report.failed[case_id] = exc.message
                continue
            target = (
                report.closed_no_correction
                if action is Action.DEEM_ABANDONED_NO_CORRECTION
                else report.closed_fee_unpaid
            )
            target.append(case_id)
    return report
