"""Frequently requested information: group similar requests at intake, flag candidates for
proactive disclosure (Art. 44), raise surge alerts, and show repeated/excessive patterns.

The LSH index lives in the database (``request_band_keys``), so every app process and worker
shares it and it survives restarts; only the handful of candidates are re-ranked exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Select, bindparam, func, insert, or_, select, union_all, update
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    Agency,
    Applicant,
    Case,
    PublishedItem,
    RequestBandKey,
    SurgeAlert,
    Topic,
    TopicConstraint,
    TopicEvent,
)
from requests_service.domain.errors import Conflict, NotFound, RuleViolation
from requests_service.domain.events import EventType
from requests_service.domain.similarity import (
    MAX_CANDIDATES,
    PER_KEY,
    Features,
    assign,
    band_keys,
    excessive,
    features_of,
    merge_slots,
    shared_elements,
    signature,
    similarity,
    slot_keys,
    slots_from_json,
    slots_to_json,
    surge,
)
from requests_service.domain.topic_status import TopicStatus
from requests_service.services import outbox
from requests_service.services.access import Actor
from requests_service.services.audit import seal_topic_event
from requests_service.services.clock import legal_date, legal_today
from requests_service.services.queries import paginate
from requests_service.services.unit_of_work import UnitOfWork

# How far back a new request looks for similar ones (the agency's candidate window is separate).
WINDOW_DAYS = 365
SURGE_WINDOW_DAYS = 28


def _received_on(case: Case) -> date:
    return case.receipt_date or legal_date(case.submitted_at)


def _person(applicant: Applicant) -> int:
    return applicant.person_id or applicant.id


def index_request(session: Session, case: Case) -> Topic:
    """Put a new application into its topic (or a new one). Runs in the intake transaction.

    The same rule as ``similarity.cluster`` (``similarity.assign``): candidates share a MinHash
    band key or a named-entity key; the best-scoring one at or above the threshold wins unless
    its topic's slots (every year, document kind, entity … its members name) disagree.
    """
    received = _received_on(case)
    text = case.requested_information
    feats = features_of(text)
    keys = band_keys(signature(text)) + slot_keys(feats)
    since = received - timedelta(days=WINDOW_DAYS)
    candidate_ids = _candidate_cases(session, case.agency_id, keys, since)
    topic: Topic | None = None
    explanation: str | None = None
    if candidate_ids:
        rows = session.execute(
            select(Case.id, Case.requested_information, Case.topic_id).where(
                Case.id.in_(candidate_ids), Case.topic_id.is_not(None)
            )
        ).all()
        rank = {cid: k for k, cid in enumerate(candidate_ids)}  # most shared keys first
        rows = sorted(rows, key=lambda row: rank[row[0]])
        cand_feats = {cid: features_of(other) for cid, other, _ in rows}
        topic_ids = {tid for _, _, tid in rows}
        profiles = {
            tid: slots_from_json(profile)
            for tid, profile in session.execute(
                select(Topic.id, Topic.slot_profile).where(Topic.id.in_(topic_ids))
            )
        }
        choice = assign(
            feats,
            [(cid, tid, cand_feats[cid]) for cid, _, tid in rows],
            profiles=profiles,
        )
        if choice.topic is not None and choice.matched is not None:
            topic = session.get(Topic, choice.topic)
            explanation = _explanation(feats, cand_feats[choice.matched])
    if topic is None:
        topic = Topic(
            agency_id=case.agency_id,
            representative_text=text[:2000],
            status=TopicStatus.OPEN,
            case_count=0,
            applicant_count=0,
            first_on=received,
            last_on=received,
            slot_profile=slots_to_json(feats),
        )
        session.add(topic)
        session.flush()
        explanation = "新主题的首件申请"
    else:
        topic.slot_profile = slots_to_json(merge_slots(slots_from_json(topic.slot_profile), feats))
    case.topic_id = topic.id
    case.topic_explanation = explanation
    session.flush()
    if keys:
        session.execute(
            insert(RequestBandKey),
            [
                {
                    "case_id": case.id,
                    "band_key": k,
                    "agency_id": case.agency_id,
                    "received_on": received,
                }
                for k in keys
            ],
        )
    _refresh_topic(session, topic, case, received)
    return topic


def _explanation(a: Features, b: Features) -> str:
    elements = shared_elements(a, b)
    return "共同要素：" + (" · ".join(elements) if elements else "（措辞相近）")


def _candidate_cases(session: Session, agency_id: int, keys: list[str], since: date) -> list[int]:
    """Cases sharing the most band keys, counted in SQL over the latest few per key.

    A popular topic shares each key with thousands of cases; fetching them all made intake
    slow (p99 > 600 ms at 200,000 applications, bench/bench_intake_index.py). The most recent
    PER_KEY cases of each key are enough to find the topic, and the index
    (agency_id, band_key, received_on, case_id) answers each part without touching the table.
    """
    if not keys:
        return []
    params: dict[str, Any] = {"agency_id": agency_id, "since": since}
    params.update({f"k{i}": key for i, key in enumerate(keys)})
    rows = session.execute(_lookup_statement(len(keys)), params).all()
    return [case_id for case_id, _ in rows]


@lru_cache(maxsize=8)
def _lookup_statement(n_keys: int) -> Select[int, int]:
    # Built once per key count: constructing 42 subqueries per intake cost more than the query.
    parts = [
        select(
            select(RequestBandKey.case_id)
            .where(
                RequestBandKey.agency_id == bindparam("agency_id"),
                RequestBandKey.band_key == bindparam(f"k{i}"),
                RequestBandKey.received_on >= bindparam("since"),
            )
            .order_by(RequestBandKey.received_on.desc())
            .limit(PER_KEY)
            .subquery()
            .c.case_id
        )
        for i in range(n_keys)
    ]
    hits = union_all(*parts).subquery()
    return (
        select(hits.c.case_id, func.count().label("shared"))
        .group_by(hits.c.case_id)
        .order_by(func.count().desc(), hits.c.case_id.desc())
        .limit(MAX_CANDIDATES)
    )


def _refresh_topic(session: Session, topic: Topic, case: Case, today: date) -> None:
    """Keep the topic's figures current without rescanning a big topic at every intake.

    Only an open topic needs its exact distinct-applicant count (it decides the move to
    candidate), and open topics are small by definition; a larger topic adds one applicant when
    this person had no request in it within the window.
    """
    agency = session.get(Agency, topic.agency_id)
    assert agency is not None
    since = utcnow() - timedelta(days=agency.topic_window_days)
    person = func.coalesce(Applicant.person_id, Applicant.id)
    in_topic = (
        select(person)
        .select_from(Case)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(Case.topic_id == topic.id, Case.created_at >= since)
    )
    session.execute(
        update(Topic).where(Topic.id == topic.id).values(case_count=Topic.case_count + 1)
    )
    if topic.status == TopicStatus.OPEN:
        topic.applicant_count = int(
            session.scalar(select(func.count(func.distinct(in_topic.subquery().c[0])))) or 0
        )
    else:
        # Two index lookups — this person's applicant records, then their cases — instead of a
        # join the planner may run from the topic's side, scanning a popular topic's cases.
        person_id = _person(case.applicant)
        records = list(
            session.scalars(
                select(Applicant.id).where(
                    or_(Applicant.id == person_id, Applicant.person_id == person_id)
                )
            )
        )
        seen_before = session.scalar(
            select(Case.id)
            .where(
                Case.applicant_id.in_(records),
                Case.topic_id == topic.id,
                Case.created_at >= since,
                Case.id != case.id,
            )
            .limit(1)
        )
        if seen_before is None:
            topic.applicant_count += 1
    topic.last_on = max(topic.last_on, today)
    if topic.status == TopicStatus.OPEN and topic.applicant_count >= agency.topic_min_applicants:
        _topic_event(
            session,
            topic,
            None,
            "candidate",
            "became_candidate",
            {"applicants": topic.applicant_count},
        )
        topic.status = TopicStatus.CANDIDATE
        if topic.id is None:
            session.flush()
        outbox.publish(
            session,
            EventType.TOPIC_CANDIDATE,
            agency_id=topic.agency_id,
            topic=topic,
            data={"applicants": topic.applicant_count},
        )
    _check_surge(session, topic, today)


def _check_surge(session: Session, topic: Topic, today: date) -> None:
    """Daily arrivals (Asia/Shanghai days) of the topic against its 28-day baseline."""
    start = today - timedelta(days=SURGE_WINDOW_DAYS)
    arrivals = session.scalars(
        select(Case.submitted_at).where(
            Case.topic_id == topic.id,
            Case.submitted_at >= utcnow() - timedelta(days=SURGE_WINDOW_DAYS + 2),
        )
    ).all()
    per_day: dict[date, int] = {}
    for moment in arrivals:
        day = legal_date(moment)
        per_day[day] = per_day.get(day, 0) + 1
    counts = [per_day.get(start + timedelta(days=i), 0) for i in range(SURGE_WINDOW_DAYS + 1)]
    result = surge(counts, window=SURGE_WINDOW_DAYS)
    if result is None:
        return
    existing = session.scalar(
        select(SurgeAlert).where(SurgeAlert.topic_id == topic.id, SurgeAlert.day == today)
    )
    if existing is None:
        session.add(
            SurgeAlert(
                topic_id=topic.id,
                agency_id=topic.agency_id,
                day=today,
                today_count=result.today_count,
                baseline_mean=result.baseline_mean,
                message=result.message,
            )
        )
    else:
        existing.today_count = result.today_count
        existing.message = result.message


def _topic_event(
    session: Session,
    topic: Topic,
    actor: Actor | None,
    to_status: str,
    action: str,
    data: dict[str, Any] | None = None,
) -> None:
    event = TopicEvent(
        topic_id=topic.id,
        action=action,
        from_status=topic.status,
        to_status=to_status,
        actor_user_id=actor.user_id if actor else None,
        actor_name=actor.name if actor else "系统",
        data=data or {},
    )
    seal_topic_event(session, event)
    session.add(event)


def get_topic(session: Session, actor: Actor, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None or not actor.can_see_agency(topic.agency_id):
        raise NotFound("主题不存在。")
    return topic


@dataclass(frozen=True)
class TopicDecision:
    """Convert (title, location, category, published_on required) or decline (reason)."""

    decision: Literal["convert", "decline"]
    title: str | None = None
    location: str | None = None
    category: str | None = None
    published_on: date | None = None
    reason: str | None = None


def decide_topic(session: Session, actor: Actor, topic: Topic, command: TopicDecision) -> Topic:
    """Convert to proactive disclosure (where, when, category) or decline (reason); audited."""
    with UnitOfWork(session) as uow:
        if topic.status not in (TopicStatus.OPEN, TopicStatus.CANDIDATE):
            raise Conflict(f"主题状态为“{topic.status.label}”，不能再作决定。")
        if command.decision == "convert":
            _convert(session, actor, topic, command)
        else:
            if not (command.reason or "").strip():
                raise RuleViolation(
                    "不转为主动公开须说明理由。", fields={"reason": ["此项为必填项。"]}
                )
            _topic_event(session, topic, actor, "declined", "decline", {"reason": command.reason})
            topic.status = TopicStatus.DECLINED
            topic.decision_reason = command.reason
        topic.decided_at = utcnow()
        topic.decided_by_user_id = actor.user_id
        uow.commit()
        return topic


def _convert(session: Session, actor: Actor, topic: Topic, command: TopicDecision) -> None:
    title, location, category = command.title, command.location, command.category
    published_on = command.published_on
    if not title or not location or not category or published_on is None:
        given = {
            "title": title,
            "location": location,
            "category": category,
            "published_on": published_on,
        }
        raise RuleViolation(
            "转为主动公开须填写标题、公开位置、类别和公开日期。",
            fields={n: ["此项为必填项。"] for n, v in given.items() if not v},
        )
    if published_on > legal_today():
        raise RuleViolation("公开日期不能晚于今天。", fields={"published_on": ["日期在未来。"]})
    item = PublishedItem(
        agency_id=topic.agency_id,
        topic_id=topic.id,
        title=title,
        location=location,
        category=category,
        published_on=published_on,
    )
    session.add(item)
    session.flush()
    _topic_event(
        session,
        topic,
        actor,
        "converted",
        "convert",
        {"published_item_id": item.id, "location": item.location},
    )
    topic.status = TopicStatus.CONVERTED


def list_topics(
    session: Session,
    actor: Actor,
    *,
    page: int,
    page_size: int,
    status: str | None = None,
    agency_id: int | None = None,
    min_applicants: int | None = None,
) -> tuple[Sequence[Topic], int]:
    """Groups of similar requests the actor may see, most applicants first."""
    query = select(Topic).where(Topic.agency_id.in_(actor.visible_agency_ids))
    # Without a status filter, topics an officer folded into another are history, not work.
    query = query.where(Topic.status == status if status else Topic.status != TopicStatus.MERGED)
    if agency_id is not None:
        query = query.where(Topic.agency_id == agency_id)
    if min_applicants:
        query = query.where(Topic.applicant_count >= min_applicants)
    return paginate(
        session,
        query.order_by(Topic.applicant_count.desc(), Topic.last_on.desc(), Topic.id),
        page=page,
        page_size=page_size,
    )


def topic_history(session: Session, actor: Actor, topic_id: int) -> Sequence[TopicEvent]:
    topic = get_topic(session, actor, topic_id)
    return session.scalars(
        select(TopicEvent).where(TopicEvent.topic_id == topic.id).order_by(TopicEvent.id)
    ).all()


def list_alerts(
    session: Session, actor: Actor, *, page: int, page_size: int
) -> tuple[Sequence[SurgeAlert], int]:
    """Surge alerts of the actor's agencies (the oversight office sees those under it)."""
    return paginate(
        session,
        select(SurgeAlert)
        .where(SurgeAlert.agency_id.in_(actor.visible_agency_ids))
        .order_by(SurgeAlert.day.desc(), SurgeAlert.id.desc()),
        page=page,
        page_size=page_size,
    )


def acknowledge_alert(session: Session, actor: Actor, alert_id: int) -> SurgeAlert:
    """Record that a response plan is being prepared; audited on the alert's topic."""
    with UnitOfWork(session) as uow:
        alert = session.get(SurgeAlert, alert_id)
        if alert is None or not actor.can_see_agency(alert.agency_id):
            raise NotFound("预警不存在。")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = utcnow()
            topic = session.get(Topic, alert.topic_id)
            if topic is not None:
                _topic_event(
                    session,
                    topic,
                    actor,
                    topic.status,
                    "acknowledge_alert",
                    {"alert_id": alert.id, "day": alert.day.isoformat()},
                )
            uow.commit()
        return alert


@dataclass(frozen=True)
class CatalogueEntry:
    """A published item as the catalogue shows it; ``score`` only when searching."""

    id: int
    agency_id: int
    topic_id: int | None
    title: str
    location: str
    category: str
    published_on: date
    score: float | None = None

    @classmethod
    def of(cls, item: PublishedItem, score: float | None = None) -> CatalogueEntry:
        return cls(
            id=item.id,
            agency_id=item.agency_id,
            topic_id=item.topic_id,
            title=item.title,
            location=item.location,
            category=item.category,
            published_on=item.published_on,
            score=None if score is None else round(score, 3),
        )


def catalogue(
    session: Session, *, q: str | None = None, agency_id: int | None = None
) -> list[CatalogueEntry]:
    """The public catalogue, newest first; with ``q``, the items closest to that text."""
    if q:
        return [
            CatalogueEntry.of(item, score)
            for item, score in search_catalogue(session, q, agency_id=agency_id)
        ]
    query = select(PublishedItem)
    if agency_id is not None:
        query = query.where(PublishedItem.agency_id == agency_id)
    items = session.scalars(query.order_by(PublishedItem.published_on.desc()).limit(200))
    return [CatalogueEntry.of(item) for item in items]


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
    persons = {_person(c.applicant) for c in members if _aware(c.created_at) >= since}
    topic.applicant_count = len(persons)
    if members:
        days = [_received_on(c) for c in members]
        topic.first_on, topic.last_on = min(days), max(days)
        profile: Features | None = None
        for c in members:
            f = features_of(c.requested_information)
            profile = f if profile is None else merge_slots(profile, f)
        assert profile is not None
        topic.slot_profile = slots_to_json(profile)
        topic.representative_text = members[0].requested_information[:2000]
    if topic.status == TopicStatus.OPEN and topic.applicant_count >= agency.topic_min_applicants:
        _topic_event(
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
        _topic_event(
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
            _topic_event(
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
        _topic_event(
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
            first_on=_received_on(moving[0]),
            last_on=_received_on(moving[0]),
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
        _topic_event(
            session,
            topic,
            actor,
            topic.status,
            "split",
            {"case_ids": [c.id for c in moving], "new_topic_id": new.id, "reason": why},
        )
        _topic_event(
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
        _topic_event(
            session,
            topic,
            actor,
            topic.status,
            "merge",
            {"merged_topic_id": other.id, "case_ids": [c.id for c in theirs], "reason": why},
        )
        _topic_event(
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
        _recount(session, topic, actor)
        uow.commit()
        return topic


def search_catalogue(
    session: Session, text: str, *, agency_id: int | None = None, limit: int = 10
) -> list[tuple[PublishedItem, float]]:
    """Published items most similar to what an applicant is about to ask for."""
    query = select(PublishedItem)
    if agency_id is not None:
        query = query.where(PublishedItem.agency_id == agency_id)
    items = session.scalars(query.order_by(PublishedItem.published_on.desc()).limit(2000)).all()
    scored = [(item, similarity(text, item.title)) for item in items]
    scored = [pair for pair in scored if pair[1] >= 0.3]
    return sorted(scored, key=lambda pair: -pair[1])[:limit]


def related_requests(session: Session, case: Case) -> dict[str, Any]:
    """For the officer: the same applicant's earlier requests in this topic and their replies
    (repeat → 不予处理), and whether their volume looks excessive (Art. 35)."""
    person = _person(case.applicant)
    same_person = (
        select(Case)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(
            func.coalesce(Applicant.person_id, Applicant.id) == person,
            Case.agency_id == case.agency_id,
            Case.id != case.id,
        )
    )
    earlier: Sequence[Case] = []
    if case.topic_id is not None:
        earlier = (
            session.scalars(same_person.where(Case.topic_id == case.topic_id).order_by(Case.id))
            .unique()
            .all()
        )
    dates: list[date] = [
        d
        for (d,) in session.execute(
            select(Case.receipt_date)
            .join(Applicant, Applicant.id == Case.applicant_id)
            .where(
                func.coalesce(Applicant.person_id, Applicant.id) == person,
                Case.agency_id == case.agency_id,
                Case.receipt_date.is_not(None),
            )
        )
        if d is not None  # excluded by the query; narrows the type
    ]
    flag = excessive(dates, legal_today())
    return {
        "topic_id": case.topic_id,
        "earlier_same_topic": [
            {
                "id": c.id,
                "case_number": c.case_number,
                "receipt_date": c.receipt_date,
                "state": c.state.value,
                "state_label": c.state.label,
                "outcome": c.outcome.value if c.outcome else None,
                "outcome_label": c.outcome.label if c.outcome else None,
                "replied_on": c.replied_on,
            }
            for c in earlier
        ],
        "repeat_suspected": any(c.replied_on is not None for c in earlier),
        "excessive": None
        if flag is None
        else {
            "count_30_days": flag.count_30_days,
            "count_365_days": flag.count_365_days,
            "message": flag.message,
        },
    }
