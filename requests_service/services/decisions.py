"""Composite decisions: what an officer decides, with its letter, in one transaction.

A whole case — online submission → registration (with assignment) → decision with its reply
letter → approval (numbering and issuing the letter) → delivery (and archiving) — takes a
handful of calls instead of 15–28 (issue 12). Each function here composes the single-step use
cases (``transition_case``, ``create_letter``, ``approve_letter``, ``request_issue``, fees) in
one unit of work: all of it happens, or none. Issuing itself (numbering + rendering) stays in
the letter job; the route queues the letters returned here and may wait for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Case, Letter
from requests_service.domain.errors import Conflict, RuleViolation
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services import fees as fee_services
from requests_service.services import letters as letter_services
from requests_service.services.access import Actor
from requests_service.services.cases import transition_case
from requests_service.services.letters import LetterStatus
from requests_service.services.unit_of_work import UnitOfWork

DECISIONS = ("reply", "correction", "extension", "fee")
DECISION_LABELS = {
    "reply": "答复决定（含答复书）",
    "correction": "补正告知（含补正告知书）",
    "extension": "延期答复（含延期答复告知书，审核负责人）",
    "fee": "收费建议（审核负责人批准后发出收费通知书）",
}
# The letter each decision produces (fee: at approval, when the notice is issued).
DECISION_LETTERS = {
    "reply": "reply",
    "correction": "correction_notice",
    "extension": "extension_notice",
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
    data: Mapping[str, Any],
    result: DecisionResult,
) -> None:
    transition_case(session, actor, case, action, data)
    result.steps.append(action.value)


def _into_handling(session: Session, actor: Actor, case: Case, result: DecisionResult) -> None:
    """registered → under_review → in_handling, as far as the case still has to go."""
    if case.state is CaseState.REGISTERED:
        _step(session, actor, case, Action.START_REVIEW, {}, result)
    if case.state is CaseState.UNDER_REVIEW:
        _step(session, actor, case, Action.ACCEPT, {}, result)


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


def decide(session: Session, actor: Actor, case: Case, data: Mapping[str, Any]) -> DecisionResult:
    """Record one decision with its letter drafted (extension: approved and queued too)."""
    kind = data["decision"]
    result = DecisionResult(case)
    with UnitOfWork(session) as uow:
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读。", reason="case_read_only")
        if kind == "reply":
            reply = {
                k: data.get(k)
                for k in (
                    "outcome",
                    "reasons",
                    "legal_basis",
                    "details",
                    "negative_list_entry_id",
                    "comment",
                    "on",
                )
            }
            action = (
                Action.REVISE_REPLY if case.state is CaseState.REPLY_DRAFTED else Action.DRAFT_REPLY
            )
            _step(session, actor, case, action, reply, result)
        elif kind == "correction":
            if case.state is CaseState.REGISTERED:
                _step(session, actor, case, Action.START_REVIEW, {}, result)
            _step(session, actor, case, Action.REQUEST_CORRECTION, data, result)
        elif kind == "extension":
            _step(session, actor, case, Action.EXTEND, data, result)
        elif kind == "fee":
            _into_handling(session, actor, case, result)
            fee_services.propose_fee(
                session, actor, case, method=data["method"], units=data.get("units")
            )
            result.steps.append("propose_fee")
        else:  # the schema admits only the kinds above
            raise RuleViolation(f"未知的决定类型“{kind}”。", fields={"decision": ["未知类型。"]})
        letter_kind = DECISION_LETTERS.get(kind)
        if letter_kind is not None:
            letter = _draft(session, actor, case, letter_kind, data.get("letter_overrides"))
            result.letters.append(letter)
            if kind == "extension":
                # The approver decides the extension (Art. 33) and signs its notice at once.
                _issue(session, actor, case, letter)
        uow.commit()
    return result


def approve(session: Session, actor: Actor, case: Case, data: Mapping[str, Any]) -> DecisionResult:
    """The approver signs off what is pending: the drafted reply or the proposed fee, and
    every letter waiting for approval — which are then numbered and issued."""
    result = DecisionResult(case)
    with UnitOfWork(session) as uow:
        if case.state is CaseState.REPLY_DRAFTED:
            _step(session, actor, case, Action.APPROVE_REPLY, data, result)
        elif case.state is CaseState.IN_HANDLING:
            assessment = fee_services.active_assessment(session, case)
            if assessment is not None and assessment.status == FeeStatus.PROPOSED.value:
                _step(session, actor, case, Action.ISSUE_FEE_NOTICE, data, result)
                result.letters.append(_draft(session, actor, case, "fee_notice", None))
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
