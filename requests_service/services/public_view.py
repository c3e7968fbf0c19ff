"""What the applicant sees when tracking a case: Chinese states, a public timeline, no internals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Case, Letter
from requests_service.domain.errors import NotFound
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services.clock import case_clock
from requests_service.services.fees import assessments_of
from requests_service.services.history import case_events
from requests_service.services.letters import APPLICANT_KINDS, LETTER_TITLES, get_letter, letters_of
from requests_service.services.queries import paginate

EVENT_LABELS = {"submit": "在线提交申请"}


def _label(action: str) -> str:
    try:
        return Action(action).label
    except ValueError:
        return EVENT_LABELS.get(action, action)


def _detail(action: str, data: dict[str, Any]) -> str | None:
    if action == Action.REQUEST_CORRECTION.value:
        return "需补正：" + "；".join(data.get("correction_items", []))
    if action == Action.EXTEND.value:
        return f"经批准延长答复期限{data.get('extra_working_days')}个工作日"
    if action == Action.REGISTER.value:
        return f"收到申请日期：{data.get('receipt_date')}"
    return None


def tracking_view(session: Session, case: Case) -> dict[str, Any]:
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
            }
            for letter in letters_of(session, case.id)
            if letter.status == "issued" and letter.kind in APPLICANT_KINDS
        ],
    }


def public_agencies(
    session: Session, filters: Mapping[str, Any], *, page: int, page_size: int
) -> tuple[Sequence[Agency], int]:
    """Agencies that accept applications (not oversight offices), by name or parent."""
    query = select(Agency).where(Agency.active.is_(True), Agency.is_oversight_office.is_(False))
    if filters.get("q"):
        query = query.where(Agency.name.contains(filters["q"], autoescape=True))
    if filters.get("parent_id") is not None:
        query = query.where(Agency.parent_id == filters["parent_id"])
    return paginate(session, query.order_by(Agency.id), page=page, page_size=page_size)


def submission_receipt(case: Case, secret: str) -> dict[str, Any]:
    """What the applicant gets on submitting online; plain JSON values, because the same body
    is stored for Idempotency-Key replays."""
    return {
        "case_id": case.id,
        "tracking_code": case.tracking_code,
        "tracking_secret": secret,
        "state": case.state.value,
        "state_label": case.state.label,
        "agency_name": case.agency.name if case.agency else "",
        "submitted_at": case.submitted_at.isoformat(),
        "message": (
            "申请已提交。受理机关确认收到后登记，答复期限自确认收到之日的次日起计算"
            "（《政府信息公开条例》第三十一条、第三十三条）。请凭查询码和查询密码查询办理进度。"
        ),
    }


def applicant_letter(session: Session, case: Case, letter_id: int) -> Letter:
    """An issued letter addressed to the applicant; anything else does not exist for them."""
    letter = get_letter(session, case, letter_id)
    if letter.kind not in APPLICANT_KINDS or letter.status != "issued":
        raise NotFound("文书不存在。")
    return letter
