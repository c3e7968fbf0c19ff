"""Letters: build the context from the case, preview, approve, issue once, record delivery.

Issuing assigns the document number from a gap-free per-agency, per-year sequence inside the
same transaction that stores the rendered PDF; a rendering failure rolls the number back and
leaves the case unchanged, with the reason kept on the letter.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Agency, Case, FeeAssessment, Letter
from requests_service.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    Unavailable,
)
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState, Role
from requests_service.domain.outcomes import Outcome, remedy_notice, validate_reply
from requests_service.domain.reply_delivery import DeliveryMethod
from requests_service.letters.render import fallback_typography
from requests_service.services.access import Actor
from requests_service.services.case_commands import ActionCommand, Deliver
from requests_service.services.case_records import last_event, third_party_objection
from requests_service.services.cases import transition_case
from requests_service.services.clock import case_clock, legal_date, legal_today, load_calendar
from requests_service.services.duties import check_four_eyes
from requests_service.services.fonts import typography
from requests_service.services.history import record_event
from requests_service.services.letter_kinds import LETTER_KINDS

# Re-exported: callers know letter statuses as part of the letters service.
from requests_service.services.letter_kinds import LetterStatus as LetterStatus
from requests_service.services.numbering import next_number
from requests_service.services.unit_of_work import UnitOfWork

KINDS = tuple(LETTER_KINDS)
# Abbreviation in the document number, e.g. 市发改委公复〔2026〕12号.
NUMBER_ABBREVIATIONS = {k.key: k.abbreviation for k in LETTER_KINDS.values() if k.abbreviation}
LETTER_TITLES = {k.key: k.title for k in LETTER_KINDS.values()}
# Letters addressed to the applicant, downloadable through public tracking.
APPLICANT_KINDS = frozenset(k.key for k in LETTER_KINDS.values() if k.to_applicant)
# Free-text variables a handler may edit before approval (dotted paths into the context).
EDITABLE_PATHS = frozenset(
    {
        "applicant.name",
        "applicant.address",
        "applicant.postcode",
        "consultation.party_name",
        "consultation.party_address",
        "consultation.reason",
        "consultation.information",
        "disclosure_notice.party_name",
        "disclosure_notice.party_address",
        "disclosure_notice.content",
        "disclosure_notice.reasons",
        "reasons_request.volume_summary",
        "deferral.reason",
        "fee.payment_instructions",
        "extension.reason",
        "reply.reasons",
    }
)
DEFAULT_PAYMENT_INSTRUCTIONS = (
    "请持本通知书到本机关政府信息公开工作机构缴纳，或通过非税收入缴款渠道缴纳；"
    "缴费后本机关出具财政票据。"
)


# A reply letter is issued only once the reply itself is approved: the case follows the letter.
REPLY_ISSUABLE = frozenset({CaseState.REPLIED, CaseState.DELIVERED, CaseState.ARCHIVED})


# ---------------------------------------------------------------- context


def _agency(case: Case) -> dict[str, Any]:
    return agency_context(case.agency)


def agency_context(a: Agency) -> dict[str, Any]:
    return {
        "name": a.name,
        "short_name": a.short_name,
        "intake_office_name": a.intake_office_name,
        "intake_address": a.intake_address,
        "intake_postcode": a.intake_postcode,
        "intake_phone": a.intake_phone,
        "intake_email": a.intake_email,
        "intake_office_hours": a.intake_office_hours,
        "online_form_url": a.online_form_url,
        "reconsideration_body": a.reconsideration_body,
        "court": a.court or None,
        "letterhead": (a.letterhead_text or a.name) if a.letterhead_enabled else None,
    }


def build_context(session: Session, case: Case, kind: str) -> dict[str, Any]:
    """Every variable the template of ``kind`` may use, filled from the case.

    Raises RuleViolation when the case lacks what the document must say (e.g. a reply letter
    for a case without a complete reply decision).
    """
    if kind not in KINDS:
        raise RuleViolation(f"未知的文书类型“{kind}”。", fields={"kind": ["未知类型。"]})
    clock = case_clock(session, case)
    applicant = case.applicant
    context: dict[str, Any] = {
        "kind": kind,
        "document_number": None,
        "issue_date": legal_today(),
        "preview": True,
        "agency": _agency(case),
        "typography": typography(session, case.agency),
        "applicant": {
            "name": applicant.name,
            "address": applicant.address,
            "postcode": applicant.postcode,
            "phone": applicant.phone,
            "email": applicant.email,
            "contact_person": applicant.contact_person,
            "is_organisation": applicant.organisation_type is not None,
        },
        "case": {
            "case_number": case.case_number,
            "tracking_code": case.tracking_code,
            "receipt_date": case.receipt_date,
            "submitted_on": legal_date(case.submitted_at) if case.submitted_at else None,
            "channel_label": case.channel.label,
            "requested_information": case.requested_information,
            "due_on": case.due_on,
            "due_provisional": case.due_provisional,
            "clock_explanation": list(clock.explanation) if clock else [],
        },
        "correction": None,
        "extension": None,
        "consultation": None,
        "disclosure_notice": None,
        "reasons_request": None,
        "deferral": None,
        "fee": None,
        "reply": None,
    }
    if kind == "application_form":
        return context
    if case.receipt_date is None:
        raise RuleViolation("案件尚未登记，不能制作文书。")
    builder = _BUILDERS.get(kind)
    if builder is not None:
        builder(session, case, context, clock)
    return context


def form_context(agency: Agency) -> dict[str, Any]:
    """Context of the blank application form: only the agency and its intake office."""
    return {
        "kind": "application_form",
        "document_number": None,
        "issue_date": legal_today(),
        "preview": False,
        "agency": agency_context(agency),
        "typography": fallback_typography(),
        "applicant": {
            "name": "",
            "address": "",
            "postcode": "",
            "phone": "",
            "email": "",
            "contact_person": "",
            "is_organisation": False,
        },
        "case": {
            "case_number": None,
            "tracking_code": None,
            "receipt_date": None,
            "submitted_on": None,
            "channel_label": "",
            "requested_information": "",
            "due_on": None,
            "due_provisional": False,
            "clock_explanation": [],
        },
        "correction": None,
        "extension": None,
        "consultation": None,
        "disclosure_notice": None,
        "reasons_request": None,
        "deferral": None,
        "fee": None,
        "reply": None,
    }


def _correction(session: Session, case: Case, context: dict[str, Any], _clock: Any) -> None:
    event = last_event(session, case.id, Action.REQUEST_CORRECTION.value)
    if event is None or case.correction_due_on is None:
        raise RuleViolation("该案件未发出补正告知，不能制作补正告知书。")
    context["correction"] = {
        "items": list(event.data.get("correction_items", [])),
        "period_working_days": event.data.get("correction_period_working_days"),
        "due_on": case.correction_due_on,
        "requested_on": event.effective_on,
    }


def _extension(session: Session, case: Case, context: dict[str, Any], clock: Any) -> None:
    event = last_event(session, case.id, Action.EXTEND.value)
    if event is None or clock is None:
        raise RuleViolation("该案件未批准延期，不能制作延期答复告知书。")
    context["extension"] = {
        "extra_working_days": event.data.get("extra_working_days"),
        "reason": event.data.get("reason", ""),
        "original_due": clock.original_due,
        "new_due": clock.reply_due,
    }


def _consultation(session: Session, case: Case, context: dict[str, Any], _clock: Any) -> None:
    event = last_event(session, case.id, Action.START_CONSULTATION.value)
    if event is None:
        raise RuleViolation("该案件未征求第三方意见，不能制作征询函。")
    sent_on = event.effective_on or legal_today()
    context["consultation"] = {
        "party_name": event.data.get("consulted_party", ""),
        "party_address": "",
        "kind": event.data.get("consultation_kind", "third_party"),
        "information": case.requested_information,
        "reason": "申请公开的信息可能涉及贵方合法权益（《政府信息公开条例》第三十二条）。",
        # 15 working days from receipt; the letter assumes receipt on the day it is sent.
        "reply_due": load_calendar(session, fresh=True).add_working_days(sent_on, 15),
    }


def _disclosure_notice(session: Session, case: Case, context: dict[str, Any], _clock: Any) -> None:
    """Art. 32, last sentence: 决定予以公开的，应当将决定公开的政府信息内容和理由书面告知第三方."""
    decision = last_event(session, case.id, Action.DECIDE_DISCLOSURE_OVER_OBJECTION.value)
    objection = third_party_objection(session, case.id)
    if decision is None or objection is None:
        raise RuleViolation(
            "该案件没有第三方不同意公开后作出的公开决定，不能制作第三方告知书（第三十二条）。"
        )
    consultation = last_event(session, case.id, Action.START_CONSULTATION.value)
    context["disclosure_notice"] = {
        "party_name": (consultation.data.get("consulted_party", "") if consultation else ""),
        "party_address": "",
        "consulted_on": consultation.effective_on if consultation else None,
        "objection": objection.data.get("opinion", ""),
        "objection_on": objection.effective_on,
        "content": decision.data.get("disclosed_content") or case.requested_information,
        "reasons": decision.data.get("reason", ""),
        "decided_on": decision.effective_on,
    }


def _reasons_request(session: Session, case: Case, context: dict[str, Any], _clock: Any) -> None:
    """Art. 35: ask the applicant to explain an excessive request, with a period to answer."""
    event = last_event(session, case.id, Action.REQUEST_REASONS.value)
    if event is None or case.reasons_due_on is None:
        raise RuleViolation("该案件未要求申请人说明理由，不能制作说明理由告知书（第三十五条）。")
    context["reasons_request"] = {
        "volume_summary": event.data.get("volume_summary", ""),
        "period_working_days": event.data.get("reasons_period_working_days"),
        "requested_on": event.effective_on,
        "due_on": case.reasons_due_on,
    }


def _deferral(session: Session, case: Case, context: dict[str, Any], clock: Any) -> None:
    """Art. 35: reasons accepted but the Art. 33 period cannot be met — a later reply date."""
    event = last_event(session, case.id, Action.RECEIVE_REASONS.value)
    if event is None or not event.data.get("deferred_due_on"):
        raise RuleViolation("该案件未确定延迟答复期限，不能制作延迟答复告知书（第三十五条）。")
    context["deferral"] = {
        "reasons_received_on": event.effective_on,
        "deferred_due_on": date.fromisoformat(event.data["deferred_due_on"]),
        "reason": event.data.get("deferral_reason")
        or "您申请公开的政府信息数量较大，本机关无法在规定期限内答复",
        "original_due": clock.original_due if clock is not None else None,
    }


def _fee(session: Session, case: Case, context: dict[str, Any], _clock: Any) -> None:
    assessment = session.scalars(
        select(FeeAssessment)
        .where(
            FeeAssessment.case_id == case.id,
            FeeAssessment.status.in_([FeeStatus.NOTICE_ISSUED.value, FeeStatus.PROPOSED.value]),
        )
        .order_by(FeeAssessment.id.desc())
    ).first()
    if assessment is None:
        raise RuleViolation("该案件没有收费建议或收费通知，不能制作收费通知书。")
    breakdown = assessment.breakdown or {}
    due = assessment.payment_due_on or load_calendar(session, fresh=True).add_working_days(
        legal_today(), 20
    )
    context["fee"] = {
        "method_label": assessment.method.label,
        "amount": str(assessment.amount_due),
        "lines": breakdown.get("lines", []),
        "explanation": breakdown.get("explanation", []),
        "payment_due_on": due,
        "payment_instructions": DEFAULT_PAYMENT_INSTRUCTIONS,
    }


def _reply(session: Session, case: Case, context: dict[str, Any], _clock: Any) -> None:
    if case.outcome is None:
        raise RuleViolation("案件尚未起草答复（未选择答复结果），不能制作答复书。")
    outcome = Outcome(case.outcome)
    if outcome not in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_FEE_UNPAID, Outcome.OTHER):
        # The letter must carry everything the outcome requires (e.g. the competent agency).
        validate_reply(outcome, case.reply_reasons, case.reply_legal_basis, case.reply_details)
    agency = case.agency
    remedy_text, first, route = "", False, None
    if outcome.remedy_notice_required:
        if not agency.reconsideration_body:
            raise RuleViolation(
                "机关未设置行政复议机关，答复书无法载明救济途径，请先在机关设置中选择"
                "行政复议机关确定规则（GET /admin/agencies/{id}/reconsideration-options）。"
            )
        notice = remedy_notice(
            outcome, agency.reconsideration_body, agency.court or None, details=case.reply_details
        )
        remedy_text, first, route = notice.text, notice.reconsideration_first, notice.route.value
    context["reply"] = {
        "outcome": outcome.value,
        "outcome_label": outcome.label,
        "group": outcome.group.value,
        "reasons": case.reply_reasons or "",
        "legal_basis": case.reply_legal_basis or outcome.legal_basis or "",
        "details": dict(case.reply_details or {}),
        "remedy_required": outcome.remedy_notice_required,
        "reconsideration_first": first,
        "remedy_route": route,
        "remedy_text": remedy_text,
    }


_BUILDERS: dict[str, Callable[[Session, Case, dict[str, Any], Any], None]] = {
    "correction_notice": _correction,
    "extension_notice": _extension,
    "third_party_consultation": _consultation,
    "third_party_disclosure_notice": _disclosure_notice,
    "reasons_request": _reasons_request,
    "deferral_notice": _deferral,
    "fee_notice": _fee,
    "reply": _reply,
}


def apply_overrides(context: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    for path, value in overrides.items():
        section, _, key = path.partition(".")
        if isinstance(context.get(section), dict):
            context[section][key] = value
    return context


def validate_overrides(context: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    bad = {}
    for path, value in overrides.items():
        section = path.partition(".")[0]
        if path not in EDITABLE_PATHS:
            bad[path] = ["该变量不可编辑。"]
        elif context.get(section) is None:
            bad[path] = ["该文书不含此变量。"]
        elif not isinstance(value, str) or not value.strip() or len(value) > 5000:
            bad[path] = ["应为1至5000字的文字。"]
    if bad:
        raise RuleViolation("文书变量无效。", fields=bad)


# ---------------------------------------------------------------- lifecycle


def get_letter(session: Session, case: Case, letter_id: int) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None or letter.case_id != case.id:
        raise NotFound("文书不存在。")
    return letter


def get_issued_applicant_letter(session: Session, letter_id: int) -> Letter:
    """An issued letter addressed to the applicant (public downloads); anything else: 404."""
    letter = session.get(Letter, letter_id)
    if letter is None or letter.status != LetterStatus.ISSUED or letter.kind not in APPLICANT_KINDS:
        raise NotFound("文书不存在。")
    return letter


def letter_status(session: Session, letter_id: int) -> str | None:
    return session.scalar(select(Letter.status).where(Letter.id == letter_id))


# Built once (read on every tracking view; issue 16).
_LETTERS_OF = select(Letter).where(Letter.case_id == bindparam("case_id")).order_by(Letter.id)


def letters_of(session: Session, case_id: int) -> list[Letter]:
    return list(session.scalars(_LETTERS_OF, {"case_id": case_id}))


def _event(session: Session, case: Case, actor: Actor, action: str, data: dict[str, Any]) -> None:
    record_event(
        session,
        case,
        actor=actor,
        role=actor.primary_role,
        action=action,
        from_state=case.state,
        to_state=case.state,
        data=data,
    )


def create_letter(session: Session, actor: Actor, case: Case, kind: str) -> Letter:
    with UnitOfWork(session) as uow:
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读，不能制作文书。", reason="case_read_only")
        build_context(session, case, kind)  # refuses a letter the case cannot support yet
        letter = Letter(
            case_id=case.id,
            agency_id=case.agency_id,
            kind=kind,
            status=LetterStatus.DRAFT,
            overrides={},
            created_by_user_id=actor.user_id,
        )
        session.add(letter)
        session.flush()
        _event(session, case, actor, "letter_draft", {"letter_id": letter.id, "kind": kind})
        uow.commit()
        return letter


def letter_context(session: Session, case: Case, letter: Letter) -> dict[str, Any]:
    if letter.status == LetterStatus.ISSUED and letter.issued_context is not None:
        return letter.issued_context
    return apply_overrides(build_context(session, case, letter.kind), letter.overrides or {})


def edit_letter(
    session: Session, actor: Actor, case: Case, letter: Letter, overrides: Mapping[str, Any]
) -> Letter:
    with UnitOfWork(session) as uow:
        if letter.status != LetterStatus.DRAFT:
            raise Conflict("只有草稿状态的文书可以修改；已审核或已签发的文书不能修改。")
        validate_overrides(build_context(session, case, letter.kind), overrides)
        letter.overrides = {**(letter.overrides or {}), **overrides}
        _event(session, case, actor, "letter_edit", {"letter_id": letter.id, **dict(overrides)})
        uow.commit()
        return letter


def approve_letter(session: Session, actor: Actor, case: Case, letter: Letter) -> Letter:
    with UnitOfWork(session) as uow:
        approvers = LETTER_KINDS[letter.kind].approvers
        if not actor.has_any(approvers):
            names = "、".join(r.label for r in approvers)
            raise Forbidden(f"“{LETTER_TITLES[letter.kind]}”须由{names}审核。")
        if letter.status != LetterStatus.DRAFT:
            raise Conflict(f"文书状态为“{letter.status.label}”，不能审核。")
        letter_context(session, case, letter)  # still complete?
        duties = check_four_eyes(
            session,
            actor,
            agency_id=case.agency_id,
            drafter_id=letter.created_by_user_id,
            what="文书",
        )
        letter.status = LetterStatus.APPROVED
        letter.approved_by_user_id = actor.user_id
        letter.approved_at = utcnow()
        letter.render_error = None
        _event(session, case, actor, "letter_approve", {"letter_id": letter.id, **duties})
        if letter.kind == "reply" and case.state is CaseState.REPLY_DRAFTED:
            # The case follows its letter: approving the reply letter is approving the reply.
            transition_case(
                session,
                actor,
                case,
                Action.APPROVE_REPLY,
                ActionCommand(comment="审核并批准答复书"),
            )
        uow.commit()
        return letter


def request_issue(session: Session, actor: Actor, case: Case, letter: Letter) -> Letter:
    """Mark an approved letter for issuing; the rendering job does the rest."""
    with UnitOfWork(session) as uow:
        if letter.status == LetterStatus.ISSUED:
            raise Conflict("文书已签发，不能重复签发。", reason="letter_already_issued")
        if letter.status == LetterStatus.ISSUING:
            raise Conflict(
                "文书正在签发中；如长时间未完成，审核负责人可重试签发（issue-retry）。",
                reason="letter_issuing",
            )
        if letter.status != LetterStatus.APPROVED:
            raise Conflict("文书须经审核负责人审核后才能签发。", reason="letter_not_approved")
        if letter.kind == "reply" and case.state not in REPLY_ISSUABLE:
            raise Conflict(
                f"案件当前状态为“{case.state.label}”，答复尚未批准，不能签发答复书。",
                reason="reply_not_approved",
            )
        _mark_issuing(letter)
        _event(session, case, actor, "letter_issue_requested", {"letter_id": letter.id})
        uow.commit()
        return letter


def _mark_issuing(letter: Letter) -> None:
    letter.status = LetterStatus.ISSUING
    letter.render_error = None
    letter.issue_requested_at = utcnow()
    letter.issue_attempts = (letter.issue_attempts or 0) + 1


def retry_issue(session: Session, actor: Actor, case: Case, letter: Letter) -> Letter:
    """The approver's way out of a stuck or failed issue: queue the letter again now.

    Allowed while it is ``issuing`` (the job may be lost) or ``approved`` after a failed
    attempt; a letter that was issued meanwhile is refused, and a job that finds the letter
    already issued does nothing, so a retry can never produce two numbers.
    """
    with UnitOfWork(session) as uow:
        if letter.status == LetterStatus.ISSUED:
            raise Conflict("文书已签发，无需重试。", reason="letter_already_issued")
        if letter.status == LetterStatus.APPROVED and not letter.render_error:
            raise Conflict("文书尚未签发过，请使用签发操作。", reason="letter_not_issuing")
        if letter.status not in (LetterStatus.ISSUING, LetterStatus.APPROVED):
            raise Conflict(
                f"文书状态为“{letter.status.label}”，不能重试签发。",
                reason="letter_not_issuing",
            )
        previous = {"status": letter.status, "render_error": letter.render_error}
        _mark_issuing(letter)
        _event(
            session,
            case,
            actor,
            "letter_issue_retry",
            {"letter_id": letter.id, "attempt": letter.issue_attempts, "before": previous},
        )
        uow.commit()
        return letter


def stuck_letter_ids(session: Session, *, timeout_seconds: int, now: Any = None) -> list[int]:
    from datetime import timedelta

    cutoff = (now or utcnow()) - timedelta(seconds=timeout_seconds)
    return list(
        session.scalars(
            select(Letter.id)
            .where(
                Letter.status == LetterStatus.ISSUING,
                (Letter.issue_requested_at.is_(None)) | (Letter.issue_requested_at < cutoff),
            )
            .order_by(Letter.id)
        )
    )


def recover_stuck(
    session: Session, *, timeout_seconds: int, max_attempts: int, now: Any = None
) -> dict[str, list[int]]:
    """Letters ``issuing`` for longer than the timeout: queue again, or fail with the reason.

    Returns ``{"retried": [...], "failed": [...]}``; the caller enqueues the retried ones.
    """
    retried: list[int] = []
    failed: list[int] = []
    with UnitOfWork(session) as uow:
        for letter_id in stuck_letter_ids(session, timeout_seconds=timeout_seconds, now=now):
            letter = session.get(Letter, letter_id)
            case = session.get(Case, letter.case_id) if letter else None
            if letter is None or case is None:
                continue
            if (letter.issue_attempts or 0) < max_attempts:
                _mark_issuing(letter)
                action = "letter_issue_retry"
                data: dict[str, Any] = {"attempt": letter.issue_attempts}
                retried.append(letter.id)
            else:
                letter.status = LetterStatus.APPROVED
                letter.render_error = (
                    f"签发超时：{letter.issue_attempts}次尝试均未在{timeout_seconds}秒内完成，"
                    "文书未签发，编号未占用。请检查文书队列（flask letters-worker）后重试签发。"
                )
                action, data = "letter_issue_failed", {"reason": letter.render_error}
                failed.append(letter.id)
            record_event(
                session,
                case,
                actor=_system_actor(),
                role=Role.SYSTEM,
                action=action,
                from_state=case.state,
                to_state=case.state,
                data={"letter_id": letter.id, **data},
            )
        uow.commit()
    return {"retried": retried, "failed": failed}


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def pdf_path(upload_dir: str, sha256: str) -> Path:
    return Path(upload_dir) / "letters" / sha256[:2] / f"{sha256}.pdf"


def issue_letter(
    session: Session,
    letter_id: int,
    *,
    upload_dir: str,
    render: Callable[[str, dict[str, Any]], bytes],
) -> Letter:
    """Number, render once, store with SHA-256 — all or nothing. Called by the queue worker."""
    try:
        with UnitOfWork(session) as uow:
            letter = session.get(Letter, letter_id)
            if letter is None:
                raise NotFound("文书不存在。")
            if letter.status != LetterStatus.ISSUING:
                raise Conflict("文书不在待签发状态。")
            case = session.get(Case, letter.case_id)
            assert case is not None
            context = letter_context(session, case, letter)
            issue_date = legal_today()
            year = issue_date.year
            abbreviation = NUMBER_ABBREVIATIONS.get(letter.kind, "公文")
            seq = next_number(
                session, agency_id=letter.agency_id, year=year, kind=f"letter:{abbreviation}"
            )
            number = f"{case.agency.short_name}{abbreviation}〔{year}〕{seq}号"
            context.update(document_number=number, issue_date=issue_date, preview=False)
            pdf = render(letter.kind, context)
            sha256 = hashlib.sha256(pdf).hexdigest()
            target = pdf_path(upload_dir, sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".letter-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(pdf)
            os.replace(tmp, target)
            letter.document_number = number
            letter.number_year = year
            letter.number_seq = seq
            letter.issue_date = issue_date
            letter.issued_at = utcnow()
            letter.pdf_sha256 = sha256
            letter.pdf_size = len(pdf)
            letter.issued_context = _json_ready(context)
            letter.status = LetterStatus.ISSUED
            record_event(
                session,
                case,
                actor=_system_actor(),
                role=Role.SYSTEM,
                action="letter_issued",
                from_state=case.state,
                to_state=case.state,
                effective_on=issue_date,
                public=letter.kind in APPLICANT_KINDS,
                data={
                    "letter_id": letter.id,
                    "kind": letter.kind,
                    "document_number": number,
                    "sha256": sha256,
                },
            )
            uow.commit()
            return letter
    except Exception as exc:
        domain = isinstance(exc, DomainError)
        message = (
            exc.message
            if isinstance(exc, DomainError)
            else (f"生成PDF失败（{type(exc).__name__}），文书未签发，编号未占用。")
        )
        revert_issuing(session, letter_id, message)
        if domain:
            raise
        raise Unavailable(message) from exc


def revert_issuing(session: Session, letter_id: int, message: str) -> None:
    """Back to approved with the reason, so the officer can fix it and issue again."""
    with UnitOfWork(session) as uow:
        letter = session.get(Letter, letter_id)
        if letter is not None and letter.status == LetterStatus.ISSUING:
            letter.status = LetterStatus.APPROVED
            letter.render_error = message
            case = session.get(Case, letter.case_id)
            if case is not None:  # every state change is audited, failures included
                _event(
                    session,
                    case,
                    _system_actor(),
                    "letter_issue_failed",
                    {"letter_id": letter.id, "reason": message},
                )
            uow.commit()


def _system_actor() -> Actor:
    from requests_service.services.access import SYSTEM

    return SYSTEM


def read_pdf(upload_dir: str, letter: Letter) -> bytes:
    if letter.status != LetterStatus.ISSUED or not letter.pdf_sha256:
        raise Conflict("文书尚未签发。")
    data = pdf_path(upload_dir, letter.pdf_sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != letter.pdf_sha256:
        raise Conflict("文书文件校验失败（SHA-256不符），请联系管理员。")
    return data


@dataclass(frozen=True)
class RecordDelivery:
    delivery_method: DeliveryMethod
    delivered_on: date | None = None  # today when not given
    proof: str | None = None
    # Archive the case straight after serving its reply letter.
    archive: bool = False


def record_delivery(
    session: Session, actor: Actor, case: Case, letter: Letter, command: RecordDelivery
) -> Letter:
    """Remedy periods run from delivery: record method, date and proof (送达)."""
    with UnitOfWork(session) as uow:
        if letter.status != LetterStatus.ISSUED:
            raise Conflict("只有已签发的文书可以登记送达。")
        if letter.delivered_on is not None:
            raise Conflict("该文书已登记送达。")
        on = command.delivered_on or legal_today()
        if on > legal_today() or (letter.issue_date and on < letter.issue_date):
            raise RuleViolation(
                "送达日期不能早于签发日期，也不能晚于今天。",
                fields={"delivered_on": ["日期有误。"]},
            )
        letter.delivery_method = command.delivery_method
        letter.delivered_on = on
        letter.delivery_proof = command.proof or ""
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="letter_delivered",
            from_state=case.state,
            to_state=case.state,
            effective_on=on,
            public=letter.kind in APPLICANT_KINDS,
            data={
                "letter_id": letter.id,
                "delivery_method": letter.delivery_method,
                "proof": letter.delivery_proof,
            },
        )
        if letter.kind == "reply" and case.state is CaseState.REPLIED:
            # Serving the reply letter is the case's delivery: one record, not two entries.
            transition_case(
                session,
                actor,
                case,
                Action.DELIVER,
                Deliver(
                    on=on,
                    delivery_method=letter.delivery_method,
                    proof=letter.delivery_proof,
                    comment=f"送达答复书{letter.document_number}",
                ),
            )
        if command.archive:
            if case.state is not CaseState.DELIVERED:
                raise Conflict(
                    f"案件当前状态为“{case.state.label}”，送达后不能立即归档。",
                    reason="invalid_transition",
                )
            transition_case(session, actor, case, Action.ARCHIVE, ActionCommand(on=on))
        uow.commit()
        return letter
