"""What the applicant sees when tracking a case: Chinese states, a public timeline, no internals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from requests_service.db.models import Case
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services.clock import case_clock
from requests_service.services.fees import assessments_of
from requests_service.services.history import case_events, event_label
from requests_service.services.letters import APPLICANT_KINDS, LETTER_TITLES, letters_of


def _label(action: str) -> str:
    return event_label(action)


def _detail(action: str, data: dict[str, Any]) -> str | None:
    if action == Action.REQUEST_CORRECTION.value:
        return "需补正：" + "；".join(data.get("correction_items", []))
    if action == Action.EXTEND.value:
        return f"经批准延长答复期限{data.get('extra_working_days')}个工作日"
    if action == Action.REGISTER.value:
        return f"收到申请日期：{data.get('receipt_date')}"
    return None


def tracking_view(
    session: Session, case: Case, link: Callable[[int], str] | None = None
) -> dict[str, Any]:
    """``link(letter_id)`` makes a signed, short-lived download link for each issued letter."""
    events = case_events(session, case.id, public_only=True)
    timeline = [
        {
            "effective_on": e.effective_on,
            "occurred_at": e.occurred_at,
            "action": e.action,
            "label": _label(e.action),
            "state": e.to_state.value if e.to_state else None,
            "state_label": e.to_state.label if e.to_state else None,
            "detail": _detail(e.action, e.data or {}),
        }
        for e in events
    ]
    correction_items: list[str] = []
    for e in events:
        if e.action == Action.REQUEST_CORRECTION.value:
            correction_items = list((e.data or {}).get("correction_items", []))
    clock = case_clock(session, case)
    return {
        "tracking_code": case.tracking_code,
        "case_number": case.case_number,
        "agency_name": case.agency.name,
        "state": case.state,
        "state_label": case.state.label,
        "channel": case.channel,
        "applicant": case.applicant,
        "requested_information": case.requested_information,
        "receipt_date": case.receipt_date,
        "due_on": case.due_on if case.state.is_open else None,
        "due_provisional": case.due_provisional,
        "paused": bool(clock and clock.pause_reason),
        "pause_reason": clock.pause_reason if clock else None,
        "correction_due_on": (
            case.correction_due_on if case.state is CaseState.AWAITING_CORRECTION else None
        ),
        "correction_items": correction_items,
        "outcome": case.outcome if case.replied_on or not case.state.is_open else None,
        "outcome_label": (
            case.outcome.label
            if case.outcome and (case.replied_on or not case.state.is_open)
            else None
        ),
        "timeline": timeline,
        "fees": [
            {
                "status": a.status,
                "status_label": FeeStatus(a.status).label,
                "method_label": a.method.label,
                "amount_due": str(a.amount_due),
                "notice_issued_on": a.notice_issued_on,
                "payment_due_on": a.payment_due_on,
                "paid_on": a.paid_on,
                "explanation": (a.breakdown or {}).get("explanation", []),
            }
            for a in assessments_of(session, case.id)
            if a.status not in ("proposed", "declined")
        ],
        "letters": [
            {
                "id": letter.id,
                "kind": letter.kind,
                "title": LETTER_TITLES.get(letter.kind, letter.kind),
                "document_number": letter.document_number,
                "issue_date": letter.issue_date,
                "download": f"/public/tracking/{case.tracking_code}/letters/{letter.id}",
                "download_url": link(letter.id) if link else None,
            }
            for letter in letters_of(session, case.id)
            if letter.status == "issued" and letter.kind in APPLICANT_KINDS
        ],
    }
