"""Case lifecycle: states, actions and the transition table.

《中华人民共和国政府信息公开条例》第四十五条 requires agencies to run applications through
登记、审核、办理、答复、归档 (registration, review, handling, reply, archiving).  This module
models that procedure as a state machine: :data:`TRANSITIONS` says, for every :class:`Action`,
from which :class:`CaseState` it may be taken, which state it leads to and which :class:`Role`
may take it; :func:`next_state` applies one action and explains in Chinese why it refuses.

The table is pure data so that the API can show an officer what they may do next
(:func:`allowed_actions`) and so that tests can check every (state, action, role) combination.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from requests_service.domain.errors import Forbidden, InvalidTransition
from requests_service.domain.labelled import LabelledEnum

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "TRANSITIONS",
    "Action",
    "CaseFacts",
    "CaseState",
    "Role",
    "Transition",
    "allowed_actions",
    "next_state",
]


class Role(LabelledEnum):
    """Who performs an action.  ``system`` is the scheduler that closes lapsed cases."""

    REGISTRAR = "registrar", "登记员"
    HANDLER = "handler", "承办人"
    # The approver is the head of the OGI work office whose consent Art. 33 requires for
    # an extension; the same person signs off replies and fee notices.
    APPROVER = "approver", "审核负责人"
    AGENCY_ADMIN = "agency_admin", "机关管理员"
    OVERSIGHT = "oversight", "监督机构"
    APPLICANT = "applicant", "申请人"
    SYSTEM = "system", "系统"


class CaseState(LabelledEnum):
    """Where a case stands in the Art. 45 procedure.

    ``received`` exists because for ordinary post, the internet channel and fax the legal
    receipt date is the day of confirmation, not the day the submission arrived (Art. 31).
    The extension of Art. 33 is a flag on the case (see :class:`CaseFacts`), not a state.
    """

    RECEIVED = "received", "已提交待登记"
    REGISTERED = "registered", "已登记"
    UNDER_REVIEW = "under_review", "审核中"
    AWAITING_CORRECTION = "awaiting_correction", "待补正"
    IN_HANDLING = "in_handling", "办理中"
    THIRD_PARTY_CONSULTATION = "third_party_consultation", "征求第三方意见中"
    SECRECY_REVIEW = "secrecy_review", "保密审查中"
    AWAITING_FEE_PAYMENT = "awaiting_fee_payment", "待缴费"
    REASON_REQUESTED = "reason_requested", "待说明理由"
    REPLY_DRAFTED = "reply_drafted", "答复已起草"
    REPLIED = "replied", "答复已签发"
    DELIVERED = "delivered", "已送达"
    ARCHIVED = "archived", "已归档"
    WITHDRAWN = "withdrawn", "申请人已撤回"
    CLOSED_NO_CORRECTION = "closed_no_correction", "逾期未补正，不再处理"
    CLOSED_FEE_UNPAID = "closed_fee_unpaid", "逾期未缴费，不再处理"

    @property
    def is_open(self) -> bool:
        """True while the agency still owes a statutory step (a reply, or serving it).

        ``replied`` is open because the signed reply must still be served on the applicant;
        ``delivered``, the three closures and ``archived`` are closed: only archiving remains.
        """
        return self not in CLOSED_STATES

    @property
    def is_terminal_for_applicant(self) -> bool:
        """True once the applicant can no longer act on the case or expect a different decision.

        From ``replied`` on the decision is signed, so withdrawal is no longer possible.
        """
        return self in _TERMINAL_FOR_APPLICANT

    @property
    def clock_paused(self) -> bool:
        """True where the reply period does not run.

        Time for consulting third parties and other agencies is not counted (Art. 32, Art. 33
        para 3, Art. 34), nor the time from fee notice to payment (Fee Measures).  Secrecy
        review and Art. 35 reason requests are not pauses: their time counts.
        """
        return self in _CLOCK_PAUSED

    @property
    def is_read_only(self) -> bool:
        """True for archived cases: the file is closed (归档, Art. 45) and must not change."""
        return self is CaseState.ARCHIVED


CLOSED_STATES: Final[frozenset[CaseState]] = frozenset(
    {
        CaseState.DELIVERED,
        CaseState.ARCHIVED,
        CaseState.WITHDRAWN,
        CaseState.CLOSED_NO_CORRECTION,
        CaseState.CLOSED_FEE_UNPAID,
    }
)

OPEN_STATES: Final[tuple[CaseState, ...]] = tuple(s for s in CaseState if s not in CLOSED_STATES)

_TERMINAL_FOR_APPLICANT: Final[frozenset[CaseState]] = CLOSED_STATES | {CaseState.REPLIED}

_CLOCK_PAUSED: Final[frozenset[CaseState]] = frozenset(
    {CaseState.THIRD_PARTY_CONSULTATION, CaseState.AWAITING_FEE_PAYMENT}
)


class Action(LabelledEnum):
    """A lifecycle step.  The API accepts actions, never a writable state."""

    REGISTER = "register", "登记"
    START_REVIEW = "start_review", "开始审核"
    REQUEST_CORRECTION = "request_correction", "发出补正告知"
    RECEIVE_CORRECTION = "receive_correction", "收到补正材料"
    DEEM_ABANDONED_NO_CORRECTION = "deem_abandoned_no_correction", "视为放弃（逾期未补正）"
    ACCEPT = "accept", "受理办理"
    START_CONSULTATION = "start_consultation", "征求第三方意见"
    END_CONSULTATION = "end_consultation", "结束征求意见"
    DECIDE_DISCLOSURE_OVER_OBJECTION = (
        "decide_disclosure_over_objection",
        "决定公开（第三方不同意）",
    )
    START_SECRECY_REVIEW = "start_secrecy_review", "提交保密审查"
    END_SECRECY_REVIEW = "end_secrecy_review", "完成保密审查"
    ISSUE_FEE_NOTICE = "issue_fee_notice", "发出收费通知"
    RECORD_FEE_PAYMENT = "record_fee_payment", "登记缴费"
    WAIVE_FEE = "waive_fee", "决定不收费"
    DEEM_ABANDONED_NO_FEE = "deem_abandoned_no_fee", "视为放弃（逾期未缴费）"
    REQUEST_REASONS = "request_reasons", "要求说明理由"
    RECEIVE_REASONS = "receive_reasons", "收到理由说明"
    EXTEND = "extend", "延期"
    DRAFT_REPLY = "draft_reply", "起草答复"
    REVISE_REPLY = "revise_reply", "修改答复稿"
    RETURN_DRAFT = "return_draft", "退回答复稿"
    APPROVE_REPLY = "approve_reply", "批准答复"
    DELIVER = "deliver", "送达"
    ARCHIVE = "archive", "归档"
    WITHDRAW = "withdraw", "撤回申请"


@dataclass(frozen=True)
class Transition:
    """One row of the transition table.

    ``target`` is ``None`` for actions that record something without moving the case
    (an extension, a revised draft).
    """

    action: Action
    sources: frozenset[CaseState]
    target: CaseState | None
    roles: frozenset[Role]


@dataclass(frozen=True)
class CaseFacts:
    """Facts about the case's history that guards need beyond its current state."""

    correction_requested_before: bool = False
    extended_before: bool = False


_NO_FACTS: Final = CaseFacts()


def _t(
    action: Action,
    sources: set[CaseState],
    target: CaseState | None,
    roles: set[Role],
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles))


_S = CaseState
_R = Role

# Withdrawal is local practice, not statute (rules.md §a); once the reply is signed there is a
# decision to withdraw from, so it is only possible before ``replied``.
_WITHDRAWABLE: Final[set[CaseState]] = {
    _S.RECEIVED,
    _S.REGISTERED,
    _S.UNDER_REVIEW,
    _S.AWAITING_CORRECTION,
    _S.IN_HANDLING,
    _S.THIRD_PARTY_CONSULTATION,
    _S.SECRECY_REVIEW,
    _S.AWAITING_FEE_PAYMENT,
    _S.REASON_REQUESTED,
    _S.REPLY_DRAFTED,
}

# Extension needs a running reply period: not before registration fixes the receipt date, and
# not while awaiting correction, because the period restarts when the correction arrives
# (Art. 30).
_EXTENDABLE: Final[set[CaseState]] = {
    _S.REGISTERED,
    _S.UNDER_REVIEW,
    _S.IN_HANDLING,
    _S.THIRD_PARTY_CONSULTATION,
    _S.SECRECY_REVIEW,
    _S.AWAITING_FEE_PAYMENT,
    _S.REASON_REQUESTED,
    _S.REPLY_DRAFTED,
}

_TABLE: Final[tuple[Transition, ...]] = (
    # Art. 31: the receipt date is fixed on registration.
    _t(Action.REGISTER, {_S.RECEIVED}, _S.REGISTERED, {_R.REGISTRAR}),
    _t(Action.START_REVIEW, {_S.REGISTERED}, _S.UNDER_REVIEW, {_R.REGISTRAR, _R.HANDLER}),
    # Art. 30: one correction notice, within 7 working days, listing everything at once.
    _t(
        Action.REQUEST_CORRECTION,
        {_S.UNDER_REVIEW},
        _S.AWAITING_CORRECTION,
        {_R.REGISTRAR, _R.HANDLER},
    ),
    # The applicant may upload the correction online.
    _t(
        Action.RECEIVE_CORRECTION,
        {_S.AWAITING_CORRECTION},
        _S.IN_HANDLING,
        {_R.REGISTRAR, _R.HANDLER, _R.APPLICANT},
    ),
    _t(
        Action.DEEM_ABANDONED_NO_CORRECTION,
        {_S.AWAITING_CORRECTION},
        _S.CLOSED_NO_CORRECTION,
        {_R.SYSTEM, _R.HANDLER},
    ),
    _t(Action.ACCEPT, {_S.UNDER_REVIEW}, _S.IN_HANDLING, {_R.HANDLER, _R.REGISTRAR}),
    # Art. 32 (third parties) and Art. 34 (other agencies) share one paused state.
    _t(
        Action.START_CONSULTATION,
        {_S.IN_HANDLING},
        _S.THIRD_PARTY_CONSULTATION,
        {_R.HANDLER},
    ),
    _t(
        Action.END_CONSULTATION,
        {_S.THIRD_PARTY_CONSULTATION},
        _S.IN_HANDLING,
        {_R.HANDLER, _R.REGISTRAR},
    ),
    # Art. 32 last sentence: the third party objected, but withholding could gravely affect the
    # public interest — the head decides to disclose; the third party must be told in writing
    # (第三方告知书) before the information is disclosed.
    _t(
        Action.DECIDE_DISCLOSURE_OVER_OBJECTION,
        {_S.IN_HANDLING, _S.REPLY_DRAFTED},
        None,
        {_R.APPROVER},
    ),
    # Art. 17: confidentiality review before disclosure.
    _t(
        Action.START_SECRECY_REVIEW,
        {_S.IN_HANDLING},
        _S.SECRECY_REVIEW,
        {_R.HANDLER, _R.APPROVER},
    ),
    _t(
        Action.END_SECRECY_REVIEW,
        {_S.SECRECY_REVIEW},
        _S.IN_HANDLING,
        {_R.HANDLER, _R.APPROVER},
    ),
    # Art. 42: charging is discretionary; the handler proposes, the approver issues.
    _t(Action.ISSUE_FEE_NOTICE, {_S.IN_HANDLING}, _S.AWAITING_FEE_PAYMENT, {_R.APPROVER}),
    _t(
        Action.RECORD_FEE_PAYMENT,
        {_S.AWAITING_FEE_PAYMENT},
        _S.IN_HANDLING,
        {_R.HANDLER, _R.REGISTRAR},
    ),
    _t(Action.WAIVE_FEE, {_S.AWAITING_FEE_PAYMENT}, _S.IN_HANDLING, {_R.APPROVER}),
    _t(
        Action.DEEM_ABANDONED_NO_FEE,
        {_S.AWAITING_FEE_PAYMENT},
        _S.CLOSED_FEE_UNPAID,
        {_R.SYSTEM, _R.HANDLER},
    ),
    # Art. 35: excessive volume/frequency; an unreasonable answer leads to a 不予处理 reply
    # drafted straight from ``reason_requested``.
    _t(Action.REQUEST_REASONS, {_S.IN_HANDLING}, _S.REASON_REQUESTED, {_R.HANDLER}),
    _t(
        Action.RECEIVE_REASONS,
        {_S.REASON_REQUESTED},
        _S.IN_HANDLING,
        {_R.HANDLER, _R.REGISTRAR},
    ),
    # Art. 33 para 2: only with the consent of the head of the OGI work office.
    _t(Action.EXTEND, _EXTENDABLE, None, {_R.APPROVER}),
    # Art. 33 para 1: an on-the-spot reply is drafted straight from ``registered``.
    _t(
        Action.DRAFT_REPLY,
        {_S.REGISTERED, _S.UNDER_REVIEW, _S.IN_HANDLING, _S.REASON_REQUESTED},
        _S.REPLY_DRAFTED,
        {_R.HANDLER},
    ),
    _t(Action.REVISE_REPLY, {_S.REPLY_DRAFTED}, None, {_R.HANDLER}),
    _t(Action.RETURN_DRAFT, {_S.REPLY_DRAFTED}, _S.IN_HANDLING, {_R.APPROVER}),
    _t(Action.APPROVE_REPLY, {_S.REPLY_DRAFTED}, _S.REPLIED, {_R.APPROVER}),
    _t(Action.DELIVER, {_S.REPLIED}, _S.DELIVERED, {_R.HANDLER, _R.REGISTRAR}),
    _t(
        Action.ARCHIVE,
        {_S.DELIVERED, _S.WITHDRAWN, _S.CLOSED_NO_CORRECTION, _S.CLOSED_FEE_UNPAID},
        _S.ARCHIVED,
        {_R.HANDLER, _R.APPROVER, _R.REGISTRAR},
    ),
    _t(Action.WITHDRAW, _WITHDRAWABLE, _S.WITHDRAWN, {_R.APPLICANT, _R.REGISTRAR, _R.HANDLER}),
)

TRANSITIONS: Final[Mapping[Action, Transition]] = MappingProxyType({t.action: t for t in _TABLE})


def _quoted(labels: list[str]) -> str:
    return "、".join(f"“{label}”" for label in labels)


def _ordered_states(states: frozenset[CaseState]) -> list[CaseState]:
    return [s for s in CaseState if s in states]


def _ordered_roles(roles: frozenset[Role]) -> list[Role]:
    return [r for r in Role if r in roles]


def _state_refusal(state: CaseState, transition: Transition) -> str:
    """Explain why ``transition`` cannot start from ``state``."""
    if state.is_read_only:
        return "已归档的案件为只读"
    if transition.action is Action.WITHDRAW and state in (CaseState.REPLIED, CaseState.DELIVERED):
        return "答复已签发，申请不能再撤回"
    if not state.is_open:
        return "案件已办结，只能归档"
    allowed = [s.label for s in _ordered_states(transition.sources)]
    return f"只能在{_quoted(allowed)}状态下执行"


def _guard_refusal(action: Action, facts: CaseFacts) -> tuple[str, str] | None:
    """Return (rule key, Chinese reason) when a history-dependent rule forbids ``action``."""
    if action is Action.REQUEST_CORRECTION and facts.correction_requested_before:
        return (
            "correction_once",
            "补正告知只能发出一次（《政府信息公开条例》第三十条：一次性告知）",
        )
    if action is Action.EXTEND and facts.extended_before:
        return ("extension_once", "答复期限只能延长一次（第三十三条）")
    return None


def next_state(
    state: CaseState,
    action: Action,
    role: Role,
    facts: CaseFacts = _NO_FACTS,
) -> CaseState:
    """Return the state a case moves to when ``role`` takes ``action`` in ``state``.

    Checks, in this order, so that the most fundamental reason is reported:

    1. the action is available in the current state (archived cases are read-only,
       Art. 45 归档) — otherwise :class:`InvalidTransition` (409);
    2. the role may take the action — otherwise :class:`Forbidden` (403);
    3. history guards: only one correction notice (Art. 30, 一次性告知) and only one
       extension of at most 20 working days (Art. 33) — otherwise :class:`InvalidTransition`.

    Actions whose target is ``None`` leave the state unchanged.
    """
    state, action, role = CaseState(state), Action(action), Role(role)
    transition = TRANSITIONS[action]

    if state not in transition.sources:
        raise InvalidTransition(
            f"案件当前状态为“{state.label}”，不能执行“{action.label}”："
            f"{_state_refusal(state, transition)}",
            state=state.value,
            action=action.value,
            allowed_states=[s.value for s in _ordered_states(transition.sources)],
        )

    if role not in transition.roles:
        allowed_roles = _ordered_roles(transition.roles)
        raise Forbidden(
            f"角色“{role.label}”无权执行“{action.label}”，"
            f"可执行该操作的角色：{_quoted([r.label for r in allowed_roles])}",
            state=state.value,
            action=action.value,
            role=role.value,
            allowed_roles=[r.value for r in allowed_roles],
        )

    refusal = _guard_refusal(action, facts)
    if refusal is not None:
        rule, reason = refusal
        raise InvalidTransition(reason, state=state.value, action=action.value, rule=rule)

    return transition.target if transition.target is not None else state


def allowed_actions(
    state: CaseState,
    role: Role,
    facts: CaseFacts = _NO_FACTS,
) -> list[Action]:
    """Actions ``role`` may take now, in :class:`Action` order; exactly those
    for which :func:`next_state` would succeed."""
    state, role = CaseState(state), Role(role)
    return [
        action
        for action in Action
        if state in TRANSITIONS[action].sources
        and role in TRANSITIONS[action].roles
        and _guard_refusal(action, facts) is None
    ]
