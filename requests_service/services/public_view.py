"""What the applicant sees when tracking a case: Chinese states, a public timeline, no internals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BindParameter, Row, Select, bindparam, select
from sqlalchemy.orm import Session

from requests_service.db.models import (
    Agency,
    Applicant,
    Attachment,
    Case,
    CaseEvent,
    FeeAssessment,
    Letter,
)
from requests_service.db.reads import Part, split_parts, tagged_union
from requests_service.domain.errors import NotFound
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services.applicant_uploads import APPLICANT_FILES_ORDER, APPLICANT_SENT
from requests_service.services.case_views import MASKED_APPLICANT
from requests_service.services.cases import tracked_or_404
from requests_service.services.clock import case_clock
from requests_service.services.history import PUBLIC_EVENTS, TIMELINE_ORDER, event_label
from requests_service.services.letters import APPLICANT_KINDS, LETTER_TITLES, get_letter
from requests_service.services.queries import paginate
from requests_service.services.views import Record, record

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


# The tracking view reads Core rows of the columns it shows (issue 16: the case's 44 columns,
# its agency's 30 and applicant's 16, and every column of its events, fees, letters and files
# built into ORM entities, cost more than the five statements). Built once.
_TRACKED_CASE = (
    "id",
    "tracking_code",
    "tracking_secret_hash",
    "case_number",
    "state",
    "channel",
    "requested_information",
    "receipt_date",
    "due_on",
    "due_provisional",
    "clock_inputs",
    "correction_due_on",
    "outcome",
    "replied_on",
)


def _tracked_case_select() -> Select[Any]:
    cases, agencies, applicants = Case.__table__, Agency.__table__, Applicant.__table__
    return (
        select(
            *(cases.c[name] for name in _TRACKED_CASE),
            agencies.c.name,
            *(applicants.c[name] for name in MASKED_APPLICANT),
        )
        .select_from(
            cases.join(agencies, agencies.c.id == cases.c.agency_id).join(
                applicants, applicants.c.id == cases.c.applicant_id
            )
        )
        .where(cases.c.tracking_code == bindparam("code"))
    )


_BY_TRACKING_CODE = _tracked_case_select()
_AGENCY_AT = len(_TRACKED_CASE)


def read_tracked_case(session: Session, code: str, secret: str, key: str) -> Record:
    """What the tracking view shows of the case with this code and secret, as a record (with
    ``agency.name`` and the applicant's masked fields' sources); the same 404 for a wrong code
    and a wrong secret, so codes cannot be probed (``cases.tracked_or_404``, the rule
    ``cases.get_case_by_tracking`` applies too, through which the applicant's writes load the
    case)."""

    def find(stored: str) -> Row[Any] | None:
        return session.execute(_BY_TRACKING_CODE, {"code": stored}).one_or_none()

    row = tracked_or_404(code, secret, key, find)
    case = record(_TRACKED_CASE, row[:_AGENCY_AT])
    case.agency = Record(name=row[_AGENCY_AT])
    case.applicant = record(MASKED_APPLICANT, row[_AGENCY_AT + 1 :])
    return case


_EVENTS, _FEES = CaseEvent.__table__.c, FeeAssessment.__table__.c
_LETTERS, _FILES = Letter.__table__.c, Attachment.__table__.c
_CASE_ID: BindParameter[int] = bindparam("case_id")
_FILE_COLUMNS = ("id", "filename", "content_type", "size_bytes", "kind", "uploaded_at")
# What the tracking view shows besides the case, read in one statement (db/reads.py): the
# public timeline (history's PUBLIC_EVENTS, in its TIMELINE_ORDER); fee assessments and letters
# in the order of fees.assessments_of and letters.letters_of; the files the applicant sent
# (applicant_uploads' APPLICANT_SENT, in its APPLICANT_FILES_ORDER; the columns
# ApplicantFileSchema dumps).
_PARTS = (
    Part(
        (_EVENTS.effective_on, _EVENTS.occurred_at, _EVENTS.action, _EVENTS.to_state, _EVENTS.data),
        (_EVENTS.case_id == _CASE_ID, PUBLIC_EVENTS),
        TIMELINE_ORDER,
    ),
    Part(
        (
            _FEES.status,
            _FEES.method,
            _FEES.amount_due,
            _FEES.notice_issued_on,
            _FEES.payment_due_on,
            _FEES.paid_on,
            _FEES.breakdown,
        ),
        (_FEES.case_id == _CASE_ID,),
        (_FEES.id,),
    ),
    Part(
        (
            _LETTERS.id,
            _LETTERS.kind,
            _LETTERS.status,
            _LETTERS.document_number,
            _LETTERS.issue_date,
        ),
        (_LETTERS.case_id == _CASE_ID,),
        (_LETTERS.id,),
    ),
    Part(
        tuple(_FILES[name] for name in _FILE_COLUMNS),
        (_FILES.case_id == _CASE_ID, APPLICANT_SENT),
        APPLICANT_FILES_ORDER,
    ),
)
_TRACKING_ROWS = tagged_union(_PARTS)


def tracking_view(
    session: Session, case: Case | Record, link: Callable[[int], str] | None = None
) -> dict[str, Any]:
    """``link(letter_id)`` makes a signed, short-lived download link for each issued letter.

    Its rows are read with Core statements, which do not autoflush: ``case`` is a record read
    for the view, or a case whose use case has committed."""
    events, fees, letters, files = split_parts(
        _PARTS, session.execute(_TRACKING_ROWS, {"case_id": case.id})
    )
    timeline = [
        {
            "effective_on": effective_on,
            "occurred_at": occurred_at,
            "action": action,
            "label": _label(action),
            "state": to_state.value if to_state else None,
            "state_label": to_state.label if to_state else None,
            "detail": _detail(action, data or {}),
        }
        for effective_on, occurred_at, action, to_state, data in events
    ]
    correction_items: list[str] = []
    for _on, _at, action, _to, data in events:
        if action == Action.REQUEST_CORRECTION.value:
            correction_items = list((data or {}).get("correction_items", []))
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
                "status": status,
                "status_label": FeeStatus(status).label,
                "method_label": method.label,
                "amount_due": str(amount_due),
                "notice_issued_on": notice_issued_on,
                "payment_due_on": payment_due_on,
                "paid_on": paid_on,
                "explanation": (breakdown or {}).get("explanation", []),
            }
            for (
                status,
                method,
                amount_due,
                notice_issued_on,
                payment_due_on,
                paid_on,
                breakdown,
            ) in fees
            if status not in ("proposed", "declined")
        ],
        "letters": [
            {
                "id": letter_id,
                "kind": kind,
                "title": LETTER_TITLES.get(kind, kind),
                "document_number": document_number,
                "issue_date": issue_date,
                "download": f"/public/tracking/{case.tracking_code}/letters/{letter_id}",
                "download_url": link(letter_id) if link else None,
            }
            for letter_id, kind, status, document_number, issue_date in letters
            if status == "issued" and kind in APPLICANT_KINDS
        ],
        "files": [record(_FILE_COLUMNS, row) for row in files],
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
