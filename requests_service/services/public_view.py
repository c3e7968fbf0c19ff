"""What the applicant sees when tracking a case: Chinese states, a public timeline, no internals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Case, Letter
from requests_service.domain.errors import NotFound
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services.applicant_uploads import applicant_files
from requests_service.services.clock import case_clock
from requests_service.services.fees import assessments_of
from requests_service.services.history import case_events, event_label
from requests_service.services.letters import APPLICANT_KINDS, LETTER_TITLES, get_letter, letters_of
from requests_service.services.queries import paginate

# What each public event means for the applicant, in plain words (the officers' action labels,
# e.g. "发出补正告知", are written for the agency).
PUBLIC_LABELS: dict[str, str] = {
    "submit": "您在网上提交了申请",
    Action.REGISTER.value: "机关确认收到并登记了您的申请",
    Action.REQUEST_CORRECTION.value: "机关请您补正申请内容",
    Action.RECEIVE_CORRECTION.value: "机关收到您的补正，答复期限重新计算",
    Action.DEEM_ABANDONED_NO_CORRECTION.value: "逾期未补正，视为放弃申请，机关不再处理",
    Action.START_CONSULTATION.value: "机关正在征求第三方意见，期间不计入答复期限",
    Action.END_CONSULTATION.value: "征求意见结束，继续计算答复期限",
    Action.ISSUE_FEE_NOTICE.value: "机关通知您缴纳信息处理费，缴费前暂停计算答复期限",
    Action.RECORD_FEE_PAYMENT.value: "机关收到您缴纳的费用，继续计算答复期限",
    Action.WAIVE_FEE.value: "机关决定不收取信息处理费",
    Action.DEEM_ABANDONED_NO_FEE.value: "逾期未缴费，视为放弃申请，机关不再处理",
    Action.REQUEST_REASONS.value: "机关请您说明申请的理由",
    Action.RECEIVE_REASONS.value: "机关收到您的理由说明",
    Action.EXTEND.value: "机关延长了答复期限",
    Action.APPROVE_REPLY.value: "机关已作出答复",
    Action.DELIVER.value: "答复已送达您",
    Action.ARCHIVE.value: "办理完毕，案卷已归档",
    Action.WITHDRAW.value: "您撤回了申请",
    "attachment": "您上传了材料",
    "letter_issued": "机关出具了文书",
    "letter_delivered": "文书已送达您",
}


def _label(action: str) -> str:
    if action in PUBLIC_LABELS:
        return PUBLIC_LABELS[action]
    return event_label(action)


def _detail(action: str, data: dict[str, Any]) -> str | None:
    if action in ("letter_issued", "letter_delivered") and data.get("kind"):
        title = LETTER_TITLES.get(data["kind"], data["kind"])
        number = data.get("document_number")
        return f"《{title}》" + (f"（{number}）" if number else "")
    if action == Action.REQUEST_CORRECTION.value:
        return "需补正：" + "；".join(data.get("correction_items", []))
    if action == Action.EXTEND.value:
        return f"经批准延长答复期限{data.get('extra_working_days')}个工作日"
    if action == Action.REGISTER.value:
        received = str(data.get("receipt_date") or "")
        if len(received) == 10:
            received = f"{int(received[:4])}年{int(received[5:7])}月{int(received[8:])}日"
        return f"收到申请日期：{received}"
    return None


def submission_receipt(case: Case, secret: str) -> dict[str, Any]:
    """What an online submission answers (the API's body, and what the pages show).

    Plain JSON values: the same body is stored for Idempotency-Key replays.
    """
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
        "files": applicant_files(session, case),
    }


def public_agencies(
    session: Session,
    *,
    q: str | None = None,
    parent_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[Agency], int]:
    """Agencies that accept applications (not oversight offices), by id; with their total."""
    query = select(Agency).where(Agency.active.is_(True), Agency.is_oversight_office.is_(False))
    if q:
        query = query.where(Agency.name.contains(q, autoescape=True))
    if parent_id is not None:
        query = query.where(Agency.parent_id == parent_id)
    rows, total = paginate(session, query.order_by(Agency.id), page=page, page_size=page_size)
    return list(rows), total


def applicant_letter(session: Session, case: Case, letter_id: int) -> Letter:
    """An issued letter addressed to the applicant; anything else does not exist for them."""
    letter = get_letter(session, case, letter_id)
    if letter.kind not in APPLICANT_KINDS or letter.status != "issued":
        raise NotFound("文书不存在。")
    return letter
