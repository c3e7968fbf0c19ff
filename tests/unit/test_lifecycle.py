"""Table-driven tests of the case state machine (rules.md §a, Art. 45)."""

from __future__ import annotations

import itertools
import re
from collections import deque

import pytest

from requests_service.domain.errors import Forbidden, InvalidTransition
from requests_service.domain.lifecycle import (
    CLOSED_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    CaseFacts,
    CaseState,
    Role,
    allowed_actions,
    next_state,
)

S = CaseState
A = Action
R = Role

HAN = re.compile(r"[\u4e00-\u9fff]")

# The expected table, written out independently of the module so a typo there shows up here.
EXPECTED: dict[Action, tuple[set[CaseState], CaseState | None, set[Role]]] = {
    A.REGISTER: ({S.RECEIVED}, S.REGISTERED, {R.REGISTRAR}),
    A.START_REVIEW: ({S.REGISTERED}, S.UNDER_REVIEW, {R.REGISTRAR, R.HANDLER}),
    A.REQUEST_CORRECTION: ({S.UNDER_REVIEW}, S.AWAITING_CORRECTION, {R.REGISTRAR, R.HANDLER}),
    A.RECEIVE_CORRECTION: (
        {S.AWAITING_CORRECTION},
        S.IN_HANDLING,
        {R.REGISTRAR, R.HANDLER, R.APPLICANT},
    ),
    A.DEEM_ABANDONED_NO_CORRECTION: (
        {S.AWAITING_CORRECTION},
        S.CLOSED_NO_CORRECTION,
        {R.SYSTEM, R.HANDLER},
    ),
    A.ACCEPT: ({S.UNDER_REVIEW}, S.IN_HANDLING, {R.HANDLER, R.REGISTRAR}),
    A.START_CONSULTATION: ({S.IN_HANDLING}, S.THIRD_PARTY_CONSULTATION, {R.HANDLER}),
    A.END_CONSULTATION: ({S.THIRD_PARTY_CONSULTATION}, S.IN_HANDLING, {R.HANDLER, R.REGISTRAR}),
    A.START_SECRECY_REVIEW: ({S.IN_HANDLING}, S.SECRECY_REVIEW, {R.HANDLER, R.APPROVER}),
    A.END_SECRECY_REVIEW: ({S.SECRECY_REVIEW}, S.IN_HANDLING, {R.HANDLER, R.APPROVER}),
    A.ISSUE_FEE_NOTICE: ({S.IN_HANDLING}, S.AWAITING_FEE_PAYMENT, {R.APPROVER}),
    A.RECORD_FEE_PAYMENT: ({S.AWAITING_FEE_PAYMENT}, S.IN_HANDLING, {R.HANDLER, R.REGISTRAR}),
    A.WAIVE_FEE: ({S.AWAITING_FEE_PAYMENT}, S.IN_HANDLING, {R.APPROVER}),
    A.DEEM_ABANDONED_NO_FEE: ({S.AWAITING_FEE_PAYMENT}, S.CLOSED_FEE_UNPAID, {R.SYSTEM, R.HANDLER}),
    A.DECIDE_DISCLOSURE_OVER_OBJECTION: ({S.IN_HANDLING, S.REPLY_DRAFTED}, None, {R.APPROVER}),
    A.REQUEST_REASONS: ({S.IN_HANDLING}, S.REASON_REQUESTED, {R.HANDLER}),
    A.RECEIVE_REASONS: ({S.REASON_REQUESTED}, S.IN_HANDLING, {R.HANDLER, R.REGISTRAR}),
    A.EXTEND: (
        {
            S.REGISTERED,
            S.UNDER_REVIEW,
            S.IN_HANDLING,
            S.THIRD_PARTY_CONSULTATION,
            S.SECRECY_REVIEW,
            S.AWAITING_FEE_PAYMENT,
            S.REASON_REQUESTED,
            S.REPLY_DRAFTED,
        },
        None,
        {R.APPROVER},
    ),
    A.DRAFT_REPLY: (
        {S.REGISTERED, S.UNDER_REVIEW, S.IN_HANDLING, S.REASON_REQUESTED},
        S.REPLY_DRAFTED,
        {R.HANDLER},
    ),
    A.REVISE_REPLY: ({S.REPLY_DRAFTED}, None, {R.HANDLER}),
    A.RETURN_DRAFT: ({S.REPLY_DRAFTED}, S.IN_HANDLING, {R.APPROVER}),
    A.APPROVE_REPLY: ({S.REPLY_DRAFTED}, S.REPLIED, {R.APPROVER}),
    A.DELIVER: ({S.REPLIED}, S.DELIVERED, {R.HANDLER, R.REGISTRAR}),
    A.ARCHIVE: (
        {S.DELIVERED, S.WITHDRAWN, S.CLOSED_NO_CORRECTION, S.CLOSED_FEE_UNPAID},
        S.ARCHIVED,
        {R.HANDLER, R.APPROVER, R.REGISTRAR},
    ),
    A.WITHDRAW: (
        {
            S.RECEIVED,
            S.REGISTERED,
            S.UNDER_REVIEW,
            S.AWAITING_CORRECTION,
            S.IN_HANDLING,
            S.THIRD_PARTY_CONSULTATION,
            S.SECRECY_REVIEW,
            S.AWAITING_FEE_PAYMENT,
            S.REASON_REQUESTED,
            S.REPLY_DRAFTED,
        },
        S.WITHDRAWN,
        {R.APPLICANT, R.REGISTRAR, R.HANDLER},
    ),
}

ALL_FACTS = [
    CaseFacts(correction_requested_before=c, extended_before=e)
    for c, e in itertools.product([False, True], repeat=2)
]


def some_role(action: Action) -> Role:
    return next(r for r in Role if r in TRANSITIONS[action].roles)


# --- enums -------------------------------------------------------------------------------


def test_state_values_are_exactly_the_agreed_set() -> None:
    assert [s.value for s in CaseState] == [
        "received",
        "registered",
        "under_review",
        "awaiting_correction",
        "in_handling",
        "third_party_consultation",
        "secrecy_review",
        "awaiting_fee_payment",
        "reason_requested",
        "reply_drafted",
        "replied",
        "delivered",
        "archived",
        "withdrawn",
        "closed_no_correction",
        "closed_fee_unpaid",
    ]


def test_action_values_are_exactly_the_agreed_set() -> None:
    assert {a.value for a in Action} == {a.value for a in EXPECTED}
    assert len(Action) == 25


@pytest.mark.parametrize("member", [*Role, *CaseState, *Action])
def test_every_enum_member_has_a_chinese_label(member: Role | CaseState | Action) -> None:
    assert member.value == member.name.lower()
    assert HAN.search(member.label)


def test_labels_are_unique_within_each_enum() -> None:
    for enum in (Role, CaseState, Action):
        labels = [m.label for m in enum]
        assert len(labels) == len(set(labels)), enum


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (S.IN_HANDLING, "办理中"),
        (S.RECEIVED, "已提交待登记"),
        (S.REASON_REQUESTED, "待说明理由"),
        (S.ARCHIVED, "已归档"),
        (A.REGISTER, "登记"),
        (A.REQUEST_CORRECTION, "发出补正告知"),
        (A.DEEM_ABANDONED_NO_CORRECTION, "视为放弃（逾期未补正）"),
        (A.ACCEPT, "受理办理"),
        (A.EXTEND, "延期"),
        (A.APPROVE_REPLY, "批准答复"),
        (R.HANDLER, "承办人"),
        (R.APPROVER, "审核负责人"),
    ],
)
def test_label_examples(member: CaseState | Action | Role, label: str) -> None:
    assert member.label == label


def test_state_properties() -> None:
    assert set(OPEN_STATES) == set(CaseState) - CLOSED_STATES
    assert tuple(s for s in CaseState if s.is_open) == OPEN_STATES
    assert {s for s in CaseState if s.clock_paused} == {
        S.THIRD_PARTY_CONSULTATION,
        S.AWAITING_FEE_PAYMENT,
    }
    assert {s for s in CaseState if s.is_read_only} == {S.ARCHIVED}
    assert S.REPLIED.is_open
    assert S.REPLIED.is_terminal_for_applicant
    assert not S.REPLY_DRAFTED.is_terminal_for_applicant
    for state in CLOSED_STATES:
        assert not state.is_open
        assert state.is_terminal_for_applicant


def test_terminal_for_applicant_means_applicant_can_no_longer_act() -> None:
    for state in CaseState:
        applicant_can_act = bool(allowed_actions(state, R.APPLICANT))
        assert applicant_can_act is not state.is_terminal_for_applicant, state


# --- the table ---------------------------------------------------------------------------


def test_table_matches_the_agreed_rules() -> None:
    assert set(TRANSITIONS) == set(Action)
    for action, (sources, target, roles) in EXPECTED.items():
        transition = TRANSITIONS[action]
        assert transition.action is action
        assert transition.sources == sources, action
        assert transition.target == target, action
        assert transition.roles == roles, action


PAIRS = list(itertools.product(CaseState, Action))


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_state_action_pair(state: CaseState, action: Action) -> None:
    sources, target, _ = EXPECTED[action]
    role = some_role(action)
    if state in sources:
        assert next_state(state, action, role) == (target if target is not None else state)
    else:
        with pytest.raises(InvalidTransition) as info:
            next_state(state, action, role)
        message = info.value.message
        assert message.startswith(f"案件当前状态为“{state.label}”，不能执行“{action.label}”：")
        assert HAN.search(message.split("：", 1)[1])
        assert info.value.details["state"] == state.value
        assert info.value.details["action"] == action.value
        assert info.value.details["allowed_states"] == [s.value for s in CaseState if s in sources]


def test_wrong_state_message_names_the_allowed_state() -> None:
    with pytest.raises(InvalidTransition) as info:
        next_state(S.IN_HANDLING, A.REQUEST_CORRECTION, R.HANDLER)
    assert info.value.message == (
        "案件当前状态为“办理中”，不能执行“发出补正告知”：只能在“审核中”状态下执行"
    )


@pytest.mark.parametrize("action", list(Action))
def test_archived_is_read_only_for_every_action(action: Action) -> None:
    for role in Role:
        with pytest.raises(InvalidTransition) as info:
            next_state(S.ARCHIVED, action, role)
        assert info.value.message.endswith("已归档的案件为只读")
    assert allowed_actions(S.ARCHIVED, R.AGENCY_ADMIN) == []


def test_archived_extend_message() -> None:
    with pytest.raises(InvalidTransition) as info:
        next_state(S.ARCHIVED, A.EXTEND, R.APPROVER)
    assert info.value.message == "案件当前状态为“已归档”，不能执行“延期”：已归档的案件为只读"


def test_withdraw_after_reply_explains_why() -> None:
    with pytest.raises(InvalidTransition) as info:
        next_state(S.REPLIED, A.WITHDRAW, R.APPLICANT)
    assert "答复已签发" in info.value.message


ROLE_PAIRS = list(itertools.product(Action, Role))


@pytest.mark.parametrize(("action", "role"), ROLE_PAIRS, ids=[f"{a}-{r}" for a, r in ROLE_PAIRS])
def test_every_action_role_pair(action: Action, role: Role) -> None:
    sources, target, roles = EXPECTED[action]
    state = next(s for s in CaseState if s in sources)
    if role in roles:
        assert next_state(state, action, role) == (target or state)
    else:
        with pytest.raises(Forbidden) as info:
            next_state(state, action, role)
        assert info.value.message.startswith(f"角色“{role.label}”无权执行“{action.label}”")
        assert info.value.details["role"] == role.value
        assert info.value.details["action"] == action.value
        assert info.value.details["state"] == state.value
        assert set(info.value.details["allowed_roles"]) == {r.value for r in roles}


def test_forbidden_message_example() -> None:
    with pytest.raises(Forbidden) as info:
        next_state(S.REPLY_DRAFTED, A.APPROVE_REPLY, R.HANDLER)
    assert info.value.message.startswith("角色“承办人”无权执行“批准答复”")


def test_state_is_checked_before_role() -> None:
    with pytest.raises(InvalidTransition):
        next_state(S.RECEIVED, A.APPROVE_REPLY, R.APPLICANT)


def test_oversight_and_admin_cannot_change_cases() -> None:
    for state in CaseState:
        assert allowed_actions(state, R.OVERSIGHT) == []
        assert allowed_actions(state, R.AGENCY_ADMIN) == []


def test_accepts_plain_string_values() -> None:
    assert next_state("received", "register", "registrar") is S.REGISTERED  # type: ignore[arg-type]


# --- guards ------------------------------------------------------------------------------


def test_correction_notice_only_once() -> None:
    facts = CaseFacts(correction_requested_before=True)
    with pytest.raises(InvalidTransition) as info:
        next_state(S.UNDER_REVIEW, A.REQUEST_CORRECTION, R.HANDLER, facts)
    assert info.value.message == "补正告知只能发出一次（《政府信息公开条例》第三十条：一次性告知）"
    assert info.value.details["rule"] == "correction_once"
    # After correction the case can still be accepted or answered.
    assert next_state(S.UNDER_REVIEW, A.ACCEPT, R.HANDLER, facts) is S.IN_HANDLING


@pytest.mark.parametrize("state", sorted(EXPECTED[A.EXTEND][0]))
def test_extension_only_once(state: CaseState) -> None:
    assert next_state(state, A.EXTEND, R.APPROVER) is state
    with pytest.raises(InvalidTransition) as info:
        next_state(state, A.EXTEND, R.APPROVER, CaseFacts(extended_before=True))
    assert info.value.message == "答复期限只能延长一次（第三十三条）"
    assert info.value.details["rule"] == "extension_once"


def test_guard_does_not_hide_missing_role() -> None:
    with pytest.raises(Forbidden):
        next_state(S.IN_HANDLING, A.EXTEND, R.HANDLER, CaseFacts(extended_before=True))


def test_on_the_spot_reply_from_registered() -> None:
    state = next_state(S.REGISTERED, A.DRAFT_REPLY, R.HANDLER)
    assert next_state(state, A.APPROVE_REPLY, R.APPROVER) is S.REPLIED


# --- allowed_actions ---------------------------------------------------------------------


@pytest.mark.parametrize("state", list(CaseState))
def test_allowed_actions_consistent_with_next_state(state: CaseState) -> None:
    for role, facts in itertools.product(Role, ALL_FACTS):
        allowed = allowed_actions(state, role, facts)
        for action in Action:
            try:
                next_state(state, action, role, facts)
            except (InvalidTransition, Forbidden):
                assert action not in allowed, (state, role, facts, action)
            else:
                assert action in allowed, (state, role, facts, action)
        assert allowed == [a for a in Action if a in allowed]


def test_allowed_actions_example() -> None:
    assert allowed_actions(S.REPLY_DRAFTED, R.APPROVER) == [
        A.DECIDE_DISCLOSURE_OVER_OBJECTION,
        A.EXTEND,
        A.RETURN_DRAFT,
        A.APPROVE_REPLY,
    ]


# --- graph properties --------------------------------------------------------------------


def successors(state: CaseState) -> set[CaseState]:
    return {
        t.target
        for t in TRANSITIONS.values()
        if state in t.sources and t.target is not None and t.target is not state
    }


def reachable_from(start: CaseState) -> set[CaseState]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in successors(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def test_every_state_reachable_from_received() -> None:
    assert reachable_from(S.RECEIVED) == set(CaseState)


@pytest.mark.parametrize("state", OPEN_STATES)
def test_every_open_state_can_reach_a_closed_state(state: CaseState) -> None:
    assert reachable_from(state) & CLOSED_STATES


@pytest.mark.parametrize("state", sorted(CLOSED_STATES - {S.ARCHIVED}))
def test_closed_states_can_only_be_archived(state: CaseState) -> None:
    assert {a for a in Action if state in TRANSITIONS[a].sources} == {A.ARCHIVE}


def test_archived_has_no_way_out() -> None:
    assert successors(S.ARCHIVED) == set()


def test_a_full_happy_path() -> None:
    path = [
        (A.REGISTER, R.REGISTRAR, S.REGISTERED),
        (A.START_REVIEW, R.REGISTRAR, S.UNDER_REVIEW),
        (A.REQUEST_CORRECTION, R.HANDLER, S.AWAITING_CORRECTION),
        (A.RECEIVE_CORRECTION, R.APPLICANT, S.IN_HANDLING),
        (A.START_CONSULTATION, R.HANDLER, S.THIRD_PARTY_CONSULTATION),
        (A.EXTEND, R.APPROVER, S.THIRD_PARTY_CONSULTATION),
        (A.END_CONSULTATION, R.HANDLER, S.IN_HANDLING),
        (A.ISSUE_FEE_NOTICE, R.APPROVER, S.AWAITING_FEE_PAYMENT),
        (A.RECORD_FEE_PAYMENT, R.REGISTRAR, S.IN_HANDLING),
        (A.DRAFT_REPLY, R.HANDLER, S.REPLY_DRAFTED),
        (A.RETURN_DRAFT, R.APPROVER, S.IN_HANDLING),
        (A.DRAFT_REPLY, R.HANDLER, S.REPLY_DRAFTED),
        (A.REVISE_REPLY, R.HANDLER, S.REPLY_DRAFTED),
        (A.APPROVE_REPLY, R.APPROVER, S.REPLIED),
        (A.DELIVER, R.HANDLER, S.DELIVERED),
        (A.ARCHIVE, R.REGISTRAR, S.ARCHIVED),
    ]
    state = S.RECEIVED
    for action, role, expected in path:
        state = next_state(state, action, role)
        assert state is expected, action
