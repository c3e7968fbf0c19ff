"""Composite decisions: what an officer decides, with its letter, in one transaction.

A whole case — online submission → registration (with assignment) → decision with its reply
letter → approval (numbering and issuing the letter) → delivery (and archiving) — takes a
handful of calls instead of 15–28 (issue 12). Each function here composes the single-step use
cases (``transition_case``, ``create_letter``, ``approve_letter``, ``request_issue``, fees) in
one unit of work: all of it happens, or none. Issuing itself (numbering + rendering) stays in
the letter job; the route queues the letters returned here and may wait for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Case, CaseEvent, FeeAssessment, Letter, User
from requests_service.domain.errors import Conflict, Forbidden, RuleViolation
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.fees import FeeMethod
from requests_service.domain.lifecycle import Action, CaseState, Role
from requests_service.domain.outcomes import Outcome
from requests_service.services import fees as fee_services
from requests_service.services import letters as letter_services
from requests_service.services.access import Actor, actor_for_user
from requests_service.services.case_commands import (
    ActionCommand,
    Extend,
    IssueFeeNotice,
    Reply,
    RequestCorrection,
)
from requests_service.services.case_records import last_event
from requests_service.services.cases import transition_case
from requests_service.services.history import record_event
from requests_service.services.letters import LetterStatus
from requests_service.services.unit_of_work import UnitOfWork

DECISIONS = ("reply", "correction", "extension", "fee")
DECISION_LABELS = {
    "reply": "答复决定（含答复书）",
    "correction": "补正告知（含补正告知书）",
    "extension": "延期申请（审核负责人同意后延期并发出延期答复告知书）",
    "fee": "收费建议（审核负责人批准后发出收费通知书）",
}
# The letter each decision produces (fee and extension: at approval, when the approver has
# agreed — Art. 33 for the extension — and the notice can say so).
DECISION_LETTERS = {
    "reply": "reply",
    "correction": "correction_notice",
}
EXTENSION_REQUESTED = "extension_requested"
# Who may take each decision: the handler decides; a registrar may also ask for a correction
# (the completeness check is registration's job); an approver may ask for an extension too.
DECISION_ROLES: dict[str, tuple[Role, ...]] = {
    "reply": (Role.HANDLER,),
    "correction": (Role.HANDLER, Role.REGISTRAR),
    "fee": (Role.HANDLER,),
    "extension": (Role.HANDLER, Role.APPROVER),
}


@dataclass
class DecisionResult:
    case: Case
    letters: list[Letter] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def to_issue(self) -> list[int]:
        return [letter.id for letter in self.letters if letter.status == LetterStatus.ISSUING]


def _step(
    session: Session,
    actor: Actor,
    case: Case,
    action: Action,
    command: ActionCommand,
    result: DecisionResult,
) -> None:
    transition_case(session, actor, case, action, command)
    result.steps.append(action.value)


def _into_handling(session: Session, actor: Actor, case: Case, result: DecisionResult) -> None:
    """registered → under_review → in_handling, as far as the case still has to go."""
    if case.state is CaseState.REGISTERED:
        _step(session, actor, case, Action.START_REVIEW, ActionCommand(), result)
    if case.state is CaseState.UNDER_REVIEW:
        _step(session, actor, case, Action.ACCEPT, ActionCommand(), result)


def _draft(
    session: Session, actor: Actor, case: Case, kind: str, overrides: Mapping[str, Any] | None
) -> Letter:
    """The case's unissued letter of ``kind`` (back to draft: its content changed) or a new one."""
    letter = session.scalars(
        select(Letter)
        .where(
            Letter.case_id == case.id,
            Letter.kind == kind,
            Letter.status.in_([LetterStatus.DRAFT, LetterStatus.APPROVED]),
        )
        .order_by(Letter.id.desc())
    ).first()
    if letter is None:
        letter = letter_services.create_letter(session, actor, case, kind)
    elif letter.status == LetterStatus.APPROVED:
        letter.status = LetterStatus.DRAFT
        letter.approved_at = None
        letter.approved_by_user_id = None
    if overrides:
        letter_services.edit_letter(session, actor, case, letter, overrides)
    return letter


def _issue(session: Session, actor: Actor, case: Case, letter: Letter) -> None:
    if letter.status == LetterStatus.DRAFT:
        letter_services.approve_letter(session, actor, case, letter)
    if letter.status == LetterStatus.APPROVED:
        letter_services.request_issue(session, actor, case, letter)


@dataclass(frozen=True)
class ReplyDecision:
    outcome: Outcome
    reasons: str | None = None
    legal_basis: str | None = None
    details: Mapping[str, Any] | None = None
    negative_list_entry_id: int | None = None
    letter_overrides: Mapping[str, Any] | None = None
    on: date | None = None
    comment: str | None = None


@dataclass(frozen=True)
class CorrectionDecision:
    correction_items: Sequence[str]
    correction_period_working_days: int | None = None
    letter_overrides: Mapping[str, Any] | None = None
    on: date | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ExtensionDecision:
    """The handler's request; it takes effect when the approver approves (Art. 33)."""

    extra_working_days: int
    reason: str
    applicant_notified_on: date | None = None
    letter_overrides: Mapping[str, Any] | None = None
    on: date | None = None
    comment: str | None = None


@dataclass(frozen=True)
class FeeDecision:
    method: FeeMethod
    units: int | None = None  # per piece: the pieces (default: as registered); per volume: pages


Decision = ReplyDecision | CorrectionDecision | ExtensionDecision | FeeDecision

# The API's ``decision`` discriminator → the command it carries.
DECISION_COMMANDS: Mapping[str, type[Decision]] = MappingProxyType(
    {
        "reply": ReplyDecision,
        "correction": CorrectionDecision,
        "extension": ExtensionDecision,
        "fee": FeeDecision,
    }
)


@dataclass(frozen=True)
class Approval:
    on: date | None = None
    comment: str | None = None
    notice_received_on: date | None = None  # fee notice: received by the applicant


def _reply(decision: ReplyDecision) -> Reply:
    return Reply(
        outcome=decision.outcome,
        reasons=decision.reasons,
        legal_basis=decision.legal_basis,
        details=decision.details,
        negative_list_entry_id=decision.negative_list_entry_id,
        on=decision.on,
        comment=decision.comment,
    )


def _correction(decision: CorrectionDecision) -> RequestCorrection:
    return RequestCorrection(
        correction_items=decision.correction_items,
        correction_period_working_days=decision.correction_period_working_days,
        on=decision.on,
        comment=decision.comment,
    )


def decide(session: Session, actor: Actor, case: Case, decision: Decision) -> DecisionResult:
    """Record one decision with its letter drafted (extension: approved and queued too)."""
    kind = next(k for k, command in DECISION_COMMANDS.items() if isinstance(decision, command))
    if not actor.has_any(DECISION_ROLES[kind]):
        raise Forbidden("当前角色无权作此决定。")
    result = DecisionResult(case)
    with UnitOfWork(session) as uow:
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读。", reason="case_read_only")
        if isinstance(decision, ReplyDecision):
            action = (
                Action.REVISE_REPLY if case.state is CaseState.REPLY_DRAFTED else Action.DRAFT_REPLY
            )
            _step(session, actor, case, action, _reply(decision), result)
        elif isinstance(decision, CorrectionDecision):
            if case.state is CaseState.REGISTERED:
                _step(session, actor, case, Action.START_REVIEW, ActionCommand(), result)
            _step(session, actor, case, Action.REQUEST_CORRECTION, _correction(decision), result)
        elif isinstance(decision, ExtensionDecision):
            _request_extension(session, actor, case, decision)
            result.steps.append("request_extension")
        else:
            _into_handling(session, actor, case, result)
            fee_services.propose_fee(
                session, actor, case, method=decision.method, units=decision.units
            )
            result.steps.append("propose_fee")
        letter_kind = DECISION_LETTERS.get(kind)
        if letter_kind is not None:
            overrides = getattr(decision, "letter_overrides", None)
            result.letters.append(_draft(session, actor, case, letter_kind, overrides))
        uow.commit()
    return result


def _user_actor(session: Session, user_id: int | None) -> Actor | None:
    user = session.get(User, user_id) if user_id is not None else None
    return actor_for_user(session, user) if user is not None else None


def _proposer(session: Session, assessment: FeeAssessment) -> Actor | None:
    return _user_actor(session, assessment.proposed_by_user_id)


_EXTENSION_FIELDS = ("reason", "extra_working_days", "applicant_notified_on", "comment", "on")


def _request_extension(
    session: Session, actor: Actor, case: Case, request: ExtensionDecision
) -> None:
    """A handler asks for the extension; it takes effect when the approver agrees (Art. 33)."""
    given = {"reason": request.reason, "extra_working_days": request.extra_working_days}
    missing = {n: ["此项为必填项。"] for n, value in given.items() if not value}
    if missing:
        raise RuleViolation("申请延期须写明理由和延长的工作日数。", fields=missing)
    if case.extended or _pending_extension(session, case) is not None:
        raise Conflict("该案件已延期或已有待审核的延期申请。", reason="extension_pending")
    recorded = {
        n: getattr(request, n) for n in _EXTENSION_FIELDS if getattr(request, n) is not None
    }
    for name in ("applicant_notified_on", "on"):
        if name in recorded:
            recorded[name] = recorded[name].isoformat()
    if request.letter_overrides:
        recorded["letter_overrides"] = dict(request.letter_overrides)
    record_event(
        session,
        case,
        actor=actor,
        role=actor.primary_role,
        action=EXTENSION_REQUESTED,
        from_state=case.state,
        to_state=case.state,
        data=recorded,
    )


def _pending_extension(session: Session, case: Case) -> CaseEvent | None:
    """The latest extension request, unless an extension was approved since."""
    request = last_event(session, case.id, EXTENSION_REQUESTED)
    if request is None or case.extended:
        return None
    return request


def _extension(request: CaseEvent) -> Extend:
    """The extension as the handler asked for it (the request's audit event records it)."""
    data = {n: request.data[n] for n in _EXTENSION_FIELDS if n in request.data}
    for name in ("applicant_notified_on", "on"):
        if name in data:
            data[name] = date.fromisoformat(data[name])
    return Extend(**data)


def approve(session: Session, actor: Actor, case: Case, approval: Approval) -> DecisionResult:
    """The approver signs off what is pending: the drafted reply or the proposed fee, and
    every letter waiting for approval — which are then numbered and issued."""
    if not actor.has_any((Role.APPROVER,)):
        raise Forbidden("只有审核负责人可以批准。")
    result = DecisionResult(case)
    with UnitOfWork(session) as uow:
        if case.state is CaseState.REPLY_DRAFTED:
            approve_reply = ActionCommand(on=approval.on, comment=approval.comment)
            _step(session, actor, case, Action.APPROVE_REPLY, approve_reply, result)
        request = _pending_extension(session, case)
        if request is not None:
            # Art. 33: the head of the office agrees to the handler's request; the notice
            # puts the request in writing, in the requester's name (four eyes on the letter).
            _step(session, actor, case, Action.EXTEND, _extension(request), result)
            drafter = _user_actor(session, request.actor_user_id) or actor
            overrides = request.data.get("letter_overrides")
            result.letters.append(_draft(session, drafter, case, "extension_notice", overrides))
        if case.state is CaseState.IN_HANDLING:
            assessment = fee_services.active_assessment(session, case)
            if assessment is not None and assessment.status == FeeStatus.PROPOSED.value:
                notice = IssueFeeNotice(
                    on=approval.on,
                    comment=approval.comment,
                    notice_received_on=approval.notice_received_on,
                )
                _step(session, actor, case, Action.ISSUE_FEE_NOTICE, notice, result)
                # The notice puts the handler's proposal in writing: it is drafted in the
                # proposer's name, so the approver's sign-off stays a second pair of eyes.
                drafter = _proposer(session, assessment) or actor
                result.letters.append(_draft(session, drafter, case, "fee_notice", None))
        pending = session.scalars(
            select(Letter)
            .where(
                Letter.case_id == case.id,
                Letter.status.in_([LetterStatus.DRAFT, LetterStatus.APPROVED]),
            )
            .order_by(Letter.id)
        ).all()
        for letter in pending:
            if letter not in result.letters:
                result.letters.append(letter)
        if not result.steps and not result.letters:
            raise Conflict(
                f"案件当前状态为“{case.state.label}”，没有待审核的决定或文书。",
                reason="nothing_to_approve",
            )
        for letter in result.letters:
            _issue(session, actor, case, letter)
        uow.commit()
    return result
