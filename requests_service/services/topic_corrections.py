"""Officers correct the similar-request grouping: split a topic, move an application, merge two
topics (each stored as a must-link / cannot-link constraint that later assignment respects), and
regroup an agency's undecided topics with the current rule and those constraints. Every
correction is audited and recomputes the topics' Art. 44 candidacy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    or_,
    select,
)
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    Agency,
    Case,
    Topic,
    TopicConstraint,
)
from requests_service.domain.errors import Conflict, NotFound, RuleViolation
from requests_service.domain.similarity import (
    PER_KEY,
    Features,
    cluster,
    features_of,
    merge_slots,
    shared_elements,
    slots_to_json,
)
from requests_service.domain.topic_status import TopicStatus
from requests_service.services.access import Actor
from requests_service.services.clock import legal_date
from requests_service.services.history import record_event
from requests_service.services.topic_records import (
    arrivals_with,
    person_key,
    received_on,
    shared_explanation,
    topic_event,
)
from requests_service.services.unit_of_work import UnitOfWork

# --- officers' corrections: split, move, merge ---------------------------------------------

CORRECTABLE = (TopicStatus.OPEN, TopicStatus.CANDIDATE, TopicStatus.CONVERTED, TopicStatus.DECLINED)
_DECIDED = (TopicStatus.CONVERTED, TopicStatus.DECLINED)


def topic_members(session: Session, topic: Topic) -> list[Case]:
    """The topic's applications in arrival order, each with why it is there."""
    return list(
        session.scalars(select(Case).where(Case.topic_id == topic.id).order_by(Case.id)).unique()
    )


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise RuleViolation("调整主题须说明理由。", fields={"reason": ["此项为必填项。"]})
    return text


def _constrain(
    session: Session, actor: Actor, agency_id: int, a: int, b: int, kind: str, reason: str
) -> None:
    """Keep an officer's judgement about two applications; the latest judgement wins."""
    if a == b:
        return
    lo, hi = min(a, b), max(a, b)
    row = session.scalar(
        select(TopicConstraint).where(
            TopicConstraint.case_a_id == lo, TopicConstraint.case_b_id == hi
        )
    )
    if row is None:
        session.add(
            TopicConstraint(
                agency_id=agency_id,
                case_a_id=lo,
                case_b_id=hi,
                kind=kind,
                reason=reason,
                created_by_user_id=actor.user_id,
            )
        )
    else:
        row.kind, row.reason, row.created_by_user_id = kind, reason, actor.user_id
    session.flush()


def _cannot_links_between(session: Session, left: list[int], right: list[int]) -> list[int]:
    """Cases of ``left`` an officer has marked as different information from one of ``right``."""
    if not left or not right:
        return []
    rows = session.execute(
        select(TopicConstraint.case_a_id, TopicConstraint.case_b_id).where(
            TopicConstraint.kind == "cannot_link",
            or_(
                TopicConstraint.case_a_id.in_(left) & TopicConstraint.case_b_id.in_(right),
                TopicConstraint.case_a_id.in_(right) & TopicConstraint.case_b_id.in_(left),
            ),
        )
    ).all()
    left_set = set(left)
    return sorted({a if a in left_set else b for a, b in rows})


def _recount(session: Session, topic: Topic, actor: Actor) -> None:
    """Figures, slot profile and Art. 44 candidacy of a topic after a correction."""
    agency = session.get(Agency, topic.agency_id)
    assert agency is not None
    members = topic_members(session, topic)
    topic.case_count = len(members)
    since = utcnow() - timedelta(days=agency.topic_window_days)
    persons = {person_key(c.applicant) for c in members if _aware(c.created_at) >= since}
    topic.applicant_count = len(persons)
    topic.daily_arrivals = arrivals_with(None, [legal_date(c.submitted_at) for c in members])
    if members:
        days = [received_on(c) for c in members]
        topic.first_on, topic.last_on = min(days), max(days)
        profile: Features | None = None
        for c in members:
            f = features_of(c.requested_information)
            profile = f if profile is None else merge_slots(profile, f)
        assert profile is not None
        topic.slot_profile = slots_to_json(profile)
        topic.representative_text = members[0].requested_information[:2000]
    if topic.status == TopicStatus.OPEN and topic.applicant_count >= agency.topic_min_applicants:
        topic_event(
            session,
            topic,
            actor,
            "candidate",
            "became_candidate",
            {"applicants": topic.applicant_count},
        )
        topic.status = TopicStatus.CANDIDATE
    elif (
        topic.status == TopicStatus.CANDIDATE
        and topic.applicant_count < agency.topic_min_applicants
    ):
        topic_event(
            session,
            topic,
            actor,
            "open",
            "candidacy_withdrawn",
            {"applicants": topic.applicant_count},
        )
        topic.status = TopicStatus.OPEN


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _explain_move(case: Case, target: Topic, session: Session, reason: str) -> str:
    others = [c for c in topic_members(session, target) if c.id != case.id]
    if not others:
        return f"承办人调整（{reason}）"
    feats = features_of(case.requested_information)
    elements = shared_elements(feats, features_of(others[0].requested_information))
    shared = " · ".join(elements) if elements else "（无）"
    return f"承办人调整（{reason}）；共同要素：{shared}"


def _check_correctable(topic: Topic) -> None:
    if topic.status not in CORRECTABLE:
        raise Conflict(f"主题状态为“{topic.status.label}”，不能再调整。")


def move_case(
    session: Session, actor: Actor, case: Case, target: Topic, *, reason: str | None
) -> Topic:
    """Move one application to another topic of its agency; the officer's judgement is kept
    as a must-link with the target and a cannot-link with the topic it leaves."""
    with UnitOfWork(session) as uow:
        why = _reason(reason)
        if target.agency_id != case.agency_id:
            raise RuleViolation(
                "只能移入本机关的主题。", fields={"topic_id": ["主题不属于该机关。"]}
            )
        _check_correctable(target)
        if case.topic_pending:
            # Its placement job would place it again (TOPIC_PLACEMENT=queue): seconds to wait.
            raise Conflict("该申请尚在归入主题，请稍后再移动。")
        if case.topic_id == target.id:
            raise Conflict("该申请已在此主题中。")
        target_ids = [c.id for c in topic_members(session, target)]
        blocked = _cannot_links_between(session, [case.id], target_ids)
        if blocked:
            raise Conflict("该申请已被标记为与目标主题中的申请不属同一信息，不能移入。")
        source = session.get(Topic, case.topic_id) if case.topic_id is not None else None
        if source is not None:
            _check_correctable(source)
        case.topic_id = target.id
        case.topic_explanation = _explain_move(case, target, session, why)
        session.flush()
        if source is not None:
            remaining = [c.id for c in topic_members(session, source)]
            if remaining:
                _constrain(
                    session, actor, case.agency_id, case.id, remaining[0], "cannot_link", why
                )
            topic_event(
                session,
                source,
                actor,
                source.status,
                "case_moved_out",
                {"case_id": case.id, "to_topic_id": target.id, "reason": why},
            )
            _recount(session, source, actor)
        if target_ids:
            _constrain(session, actor, case.agency_id, case.id, target_ids[0], "must_link", why)
        topic_event(
            session,
            target,
            actor,
            target.status,
            "case_moved_in",
            {"case_id": case.id, "from_topic_id": source.id if source else None, "reason": why},
        )
        _recount(session, target, actor)
        uow.commit()
        return target


def split_topic(
    session: Session, actor: Actor, topic: Topic, *, case_ids: list[int], reason: str | None
) -> Topic:
    """Take some applications out of a topic into a new one: they ask for other information
    (cannot-link with those that stay, must-link among themselves)."""
    with UnitOfWork(session) as uow:
        why = _reason(reason)
        _check_correctable(topic)
        members = topic_members(session, topic)
        member_ids = {c.id for c in members}
        wanted = list(dict.fromkeys(case_ids))
        unknown = [i for i in wanted if i not in member_ids]
        if not wanted or unknown:
            raise RuleViolation(
                "拆分的申请须属于该主题。", fields={"case_ids": [f"不属于该主题：{unknown}"]}
            )
        if len(wanted) == len(member_ids):
            raise RuleViolation("不能把全部申请拆出。", fields={"case_ids": ["至少保留一件申请。"]})
        moving = [c for c in members if c.id in set(wanted)]
        staying = [c for c in members if c.id not in set(wanted)]
        new = Topic(
            agency_id=topic.agency_id,
            representative_text=moving[0].requested_information[:2000],
            status=TopicStatus.OPEN,
            case_count=0,
            applicant_count=0,
            first_on=received_on(moving[0]),
            last_on=received_on(moving[0]),
        )
        session.add(new)
        session.flush()
        for c in moving:
            c.topic_id = new.id
        session.flush()
        for c in moving:
            c.topic_explanation = _explain_move(c, new, session, why)
        for c in moving[1:]:
            _constrain(session, actor, topic.agency_id, moving[0].id, c.id, "must_link", why)
        _constrain(session, actor, topic.agency_id, moving[0].id, staying[0].id, "cannot_link", why)
        topic_event(
            session,
            topic,
            actor,
            topic.status,
            "split",
            {"case_ids": [c.id for c in moving], "new_topic_id": new.id, "reason": why},
        )
        topic_event(
            session,
            new,
            actor,
            "open",
            "split_from",
            {"case_ids": [c.id for c in moving], "from_topic_id": topic.id, "reason": why},
        )
        _recount(session, topic, actor)
        _recount(session, new, actor)
        uow.commit()
        return new


def merge_topics(
    session: Session, actor: Actor, topic: Topic, other: Topic, *, reason: str | None
) -> Topic:
    """Fold ``other`` into ``topic``: both ask for the same information (must-link); refused
    when an officer has marked applications of the two as different (cannot-link)."""
    with UnitOfWork(session) as uow:
        why = _reason(reason)
        if other.id == topic.id:
            raise RuleViolation("不能与自身合并。", fields={"topic_id": ["须为另一个主题。"]})
        if other.agency_id != topic.agency_id:
            raise RuleViolation(
                "只能合并本机关的主题。", fields={"topic_id": ["主题不属于该机关。"]}
            )
        _check_correctable(topic)
        _check_correctable(other)
        if topic.status in _DECIDED and other.status in _DECIDED:
            raise Conflict("两个主题均已作出决定，不能合并。")
        mine = [c.id for c in topic_members(session, topic)]
        theirs = topic_members(session, other)
        if _cannot_links_between(session, mine, [c.id for c in theirs]):
            raise Conflict("两个主题中有申请已被标记为不属同一信息，不能合并。")
        for c in theirs:
            c.topic_id = topic.id
        session.flush()
        for c in theirs:
            c.topic_explanation = _explain_move(c, topic, session, why)
        if mine and theirs:
            _constrain(session, actor, topic.agency_id, mine[0], theirs[0].id, "must_link", why)
        topic_event(
            session,
            topic,
            actor,
            topic.status,
            "merge",
            {"merged_topic_id": other.id, "case_ids": [c.id for c in theirs], "reason": why},
        )
        topic_event(
            session,
            other,
            actor,
            "merged",
            "merged_into",
            {"into_topic_id": topic.id, "reason": why},
        )
        other.status = TopicStatus.MERGED
        other.case_count = 0
        other.applicant_count = 0
        other.daily_arrivals = {}
        _recount(session, topic, actor)
        uow.commit()
        return topic


# --- regrouping an agency's topics with the officers' constraints --------------------------

REGROUPED = (TopicStatus.OPEN, TopicStatus.CANDIDATE)


@dataclass(frozen=True)
class RegroupMove:
    case_id: int
    from_topic_id: int | None
    to_topic_id: int


@dataclass
class RegroupReport:
    """What :func:`regroup_topics` changed: applications moved, topics created, and topics
    whose Art. 44 candidacy changed (topic id → new status)."""

    agency_id: int
    cases: int = 0
    topics: int = 0
    moved: list[RegroupMove] = field(default_factory=list)
    created_topics: list[int] = field(default_factory=list)
    status_changes: dict[int, str] = field(default_factory=dict)


def regroup_topics(session: Session, actor: Actor, agency_id: int) -> RegroupReport:
    """Recompute an agency's undecided topics (open or candidate) from their applications with
    the current grouping rule (``similarity.cluster`` in arrival order, exactly intake's rule),
    respecting every stored must-link / cannot-link correction between them; then recompute
    each topic's figures and Art. 44 candidacy.

    Decided topics (converted, declined) and their applications stay as they are: an officer
    has decided on them.  A new group keeps the existing topic holding most of its members
    (ties: the oldest topic), so topic ids are stable; groups without one get a new topic.
    Every moved application gets a case event (``topic_regrouped``) and both topics a topic
    event.  Idempotent: a second run finds every group in its topic and changes nothing.
    """
    with UnitOfWork(session) as uow:
        if session.get(Agency, agency_id) is None:
            raise NotFound("机关不存在。", agency_id=agency_id)
        topics = _lock_regrouped_topics(session, agency_id)
        cases = list(
            session.scalars(
                select(Case)
                .where(Case.topic_id.in_(list(topics)))
                .order_by(Case.id)
                .execution_options(populate_existing=True)
            ).unique()
        )
        report = RegroupReport(agency_id=agency_id, cases=len(cases))
        must, cannot = _constraints_of(session, agency_id)
        groups = cluster(
            [(c.id, c.requested_information) for c in cases],
            star=PER_KEY,
            must_link=must,
            cannot_link=cannot,
            # Never fork from a web or queue worker: children would inherit its open database
            # connections and sockets, and the regroup holds locks while it runs.
            workers=0,
        )
        by_id = {c.id: c for c in cases}
        target_of = _match_groups(session, agency_id, groups, by_id, topics, report)
        _move_regrouped(session, actor, groups, by_id, target_of, topics, report)
        for topic in sorted(topics.values(), key=lambda t: t.id):
            before = topic.status
            _recount(session, topic, actor)
            if topic.status != before:
                report.status_changes[topic.id] = topic.status.value
        report.topics = len(set(target_of.values()))
        uow.commit()
        return report


def _lock_regrouped_topics(session: Session, agency_id: int) -> dict[int, Topic]:
    """The agency's undecided topics, locked against intake's and corrections' updates."""
    rows = session.scalars(
        select(Topic)
        .where(Topic.agency_id == agency_id, Topic.status.in_(REGROUPED))
        .order_by(Topic.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    return {t.id: t for t in rows}


def _constraints_of(
    session: Session, agency_id: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The officers' judgements in the agency, oldest first (``cluster`` ignores pairs whose
    applications are not regrouped)."""
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    rows = session.execute(
        select(TopicConstraint.case_a_id, TopicConstraint.case_b_id, TopicConstraint.kind)
        .where(TopicConstraint.agency_id == agency_id)
        .order_by(TopicConstraint.id)
    )
    for a, b, kind in rows:
        (cannot if kind == "cannot_link" else must).append((a, b))
    return must, cannot


def _match_groups(
    session: Session,
    agency_id: int,
    groups: Sequence[Any],
    by_id: Mapping[int, Case],
    topics: dict[int, Topic],
    report: RegroupReport,
) -> dict[int, int]:
    """Group index → topic id: each group (largest first) keeps the unused topic holding most
    of its members (ties: the oldest); the others get new topics."""
    used: set[int] = set()
    target_of: dict[int, int] = {}
    for index, group in enumerate(groups):
        held = Counter(by_id[i].topic_id for i in group.member_ids)
        choices = [(n, -t) for t, n in held.items() if t is not None and t not in used]
        if choices:
            _, negated = max(choices)
            target_of[index] = -negated
            used.add(-negated)
            continue
        first = by_id[group.member_ids[0]]
        topic = Topic(
            agency_id=agency_id,
            representative_text=first.requested_information[:2000],
            status=TopicStatus.OPEN,
            case_count=0,
            applicant_count=0,
            first_on=received_on(first),
            last_on=received_on(first),
        )
        session.add(topic)
        session.flush()
        topics[topic.id] = topic
        report.created_topics.append(topic.id)
        target_of[index] = topic.id
    return target_of


def _move_regrouped(
    session: Session,
    actor: Actor,
    groups: Sequence[Any],
    by_id: Mapping[int, Case],
    target_of: Mapping[int, int],
    topics: Mapping[int, Topic],
    report: RegroupReport,
) -> None:
    """Move each application whose group lives in another topic; audited on the case and on
    both topics."""
    role = actor.primary_role
    ins: dict[int, list[int]] = {}
    outs: dict[int, list[int]] = {}
    for index, group in enumerate(groups):
        target = target_of[index]
        members = [by_id[i] for i in group.member_ids]
        for case in members:
            source = case.topic_id
            if source == target:
                continue
            anchor = next((m for m in members if m.id != case.id), None)
            case.topic_id = target
            case.topic_explanation = (
                "重新归并："
                + shared_explanation(
                    features_of(case.requested_information),
                    features_of(anchor.requested_information),
                )
                if anchor is not None
                else "重新归并：新主题的首件申请"
            )
            report.moved.append(RegroupMove(case.id, source, target))
            ins.setdefault(target, []).append(case.id)
            if source is not None:
                outs.setdefault(source, []).append(case.id)
            record_event(
                session,
                case,
                actor=actor,
                role=role,
                action="topic_regrouped",
                from_state=case.state,
                to_state=case.state,
                data={"from_topic_id": source, "to_topic_id": target},
            )
    session.flush()
    for topic_id in sorted(set(ins) | set(outs)):
        topic = topics[topic_id]
        topic_event(
            session,
            topic,
            actor,
            topic.status,
            "regrouped",
            {"cases_in": ins.get(topic_id, []), "cases_out": outs.get(topic_id, [])},
        )
