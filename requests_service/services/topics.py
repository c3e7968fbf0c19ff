"""Frequently requested information: group similar requests at intake, flag candidates for
proactive disclosure (Art. 44), raise surge alerts, and show repeated/excessive patterns.

The LSH index lives in the database (``request_band_keys``), so every app process and worker
shares it and it survives restarts; only the handful of candidates are re-ranked exactly.

Intake costs a fixed handful of statements whatever the topic's size (issue 16): one candidate
lookup (with the candidates' texts and topics), the topic's INSERT or one guarded UPDATE of its
counters, slots and per-day arrivals, and one INSERT of the index keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    CTE,
    Date,
    Insert,
    Integer,
    Row,
    Select,
    Subquery,
    Text,
    Update,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy import case as sql_case
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
    TopicEvent,
)
from requests_service.db.session import dialect_insert
from requests_service.db.statements import StringArray, column_params, prepared_insert
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
from requests_service.services.clock import legal_today
from requests_service.services.queries import paginate
from requests_service.services.topic_records import (
    SURGE_WINDOW_DAYS,
    arrivals_with,
    person_key,
    shared_explanation,
    topic_event,
)
from requests_service.services.unit_of_work import UnitOfWork

# How far back a new request looks for similar ones (the agency's candidate window is separate).
WINDOW_DAYS = 365
# Fewer arrivals in a day are never a surge, whatever the baseline (surge()'s min_count).
SURGE_MIN_COUNT = 5
# Texts whose features this process keeps (issue 16): a popular topic's latest members are
# the candidates of most intakes, and computing their features again was a third of an
# intake's CPU.  ``features_of`` is a pure function of the text and its result immutable
# (frozen, never mutated), so a cached value is the value; ~6–40 kB each.
FEATURES_CACHE_SIZE = 2048


@lru_cache(maxsize=FEATURES_CACHE_SIZE)
def _features(text: str) -> Features:
    return features_of(text)


@dataclass(frozen=True)
class _Candidate:
    """An earlier application sharing index keys with the new one, and its topic as read."""

    case_id: int
    text: str
    topic_id: int
    status: str
    case_count: int
    # The topic's JSON documents as text (issue 16): decoding them for every candidate row
    # cost more than the rest of the lookup; the slots are decoded once per distinct document
    # (:func:`_topic_slots`), the arrivals only for the topic joined.
    slot_profile: str | None
    daily_arrivals: str | None


@dataclass(frozen=True)
class Placement:
    """Where a new application goes, decided before its row is written (so the case INSERT
    carries its ``topic_id``); :func:`record_placement` completes it once the case exists."""

    topic_id: int
    explanation: str
    keys: list[str]
    received: date
    arrived_on: date
    created: bool  # a new topic, inserted already counting this application
    # The joined topic as the candidate lookup read it: its counters are written only if it
    # is still so (optimistic check), else re-read under its row lock.
    seen: _Candidate | None
    features: Features


@dataclass(frozen=True)
class Indexed:
    """The topic an application joined, with its figures after the intake."""

    topic_id: int
    status: str
    case_count: int
    applicant_count: int


def place_request(
    session: Session, *, agency_id: int, text: str, received: date, arrived_on: date
) -> Placement:
    """Choose the topic of a new application (or start one). Runs in the intake transaction,
    before the case is inserted: one candidate lookup, plus the INSERT of a new topic.

    The same rule as ``similarity.cluster`` (``similarity.assign``): candidates share a MinHash
    band key or a named-entity key; the best-scoring one at or above the threshold wins unless
    its topic's slots (every year, document kind, entity … its members name) disagree.
    ``arrived_on`` is the legal day the application arrived (its surge day), ``received`` its
    legal receipt date.
    """
    feats = _features(text)  # cached: this text is a candidate of the intakes that follow
    keys = band_keys(signature(text)) + slot_keys(feats)
    candidates = _candidates(session, agency_id, keys, received - timedelta(days=WINDOW_DAYS))
    if candidates:
        cand_feats = {c.case_id: _features(c.text) for c in candidates}
        profiles: dict[int, Features] = {}
        for c in candidates:  # many candidates share a topic: its slots parsed once
            if c.topic_id not in profiles:
                profiles[c.topic_id] = _topic_slots(c.slot_profile)
        choice = assign(
            feats,
            [(c.case_id, c.topic_id, cand_feats[c.case_id]) for c in candidates],
            profiles=profiles,
        )
        if choice.topic is not None and choice.matched is not None:
            seen = next(c for c in candidates if c.topic_id == choice.topic)
            return Placement(
                topic_id=seen.topic_id,
                explanation=shared_explanation(feats, cand_feats[choice.matched]),
                keys=keys,
                received=received,
                arrived_on=arrived_on,
                created=False,
                seen=seen,
                features=feats,
            )
    topic_id = session.execute(
        _new_topic_insert(),
        {
            "agency_id": agency_id,
            "representative_text": text[:2000],
            "status": TopicStatus.OPEN,
            "case_count": 1,
            "applicant_count": 1,
            "first_on": received,
            "last_on": received,
            "slot_profile": slots_to_json(feats),
            "daily_arrivals": arrivals_with(None, [arrived_on]),
        },
    ).scalar_one()
    return Placement(
        topic_id=topic_id,
        explanation="新主题的首件申请",
        keys=keys,
        received=received,
        arrived_on=arrived_on,
        created=True,
        seen=None,
        features=feats,
    )


_TOPICS = Topic.metadata.tables[Topic.__tablename__]


@lru_cache(maxsize=1)
def _new_topic_insert() -> Insert:
    # Built once (issue 16): building the statement again for every intake cost more CPU than
    # running it.
    return prepared_insert(
        _TOPICS,
        (
            "agency_id",
            "representative_text",
            "status",
            "case_count",
            "applicant_count",
            "first_on",
            "last_on",
            "slot_profile",
            "daily_arrivals",
        ),
        returning=_TOPICS.c.id,
    )


def record_placement(
    session: Session,
    case: Case,
    placement: Placement,
    agency: Agency,
    *,
    keys_inserted: bool = False,
) -> Indexed:
    """After the case INSERT: its index keys (one INSERT, unless the case's INSERT carried them
    already: ``keys_inserted``, :func:`keys_insert_after`), the topic's counters, slots and
    arrivals (one UPDATE; a new topic has them already), then Art. 44 candidacy and a surge
    alert when due."""
    if placement.keys and not keys_inserted:
        _insert_keys(session, case, placement)
    if placement.created:
        indexed = Indexed(placement.topic_id, TopicStatus.OPEN, 1, 1)
        arrivals = arrivals_with(None, [placement.arrived_on])
    else:
        indexed, arrivals = _count_in_topic(session, case, placement, agency)
    enough = indexed.applicant_count >= agency.topic_min_applicants
    if indexed.status == TopicStatus.OPEN and enough:
        _become_candidate(session, indexed)
        indexed = replace(indexed, status=TopicStatus.CANDIDATE)
    _check_surge(session, indexed.topic_id, agency.id, arrivals, placement.received)
    return indexed


def _insert_keys(session: Session, case: Case, placement: Placement) -> None:
    """One INSERT of the case's ~50 index keys: on PostgreSQL the keys travel as one array
    (``unnest``), not 200 parameters the server parses each time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _keys_insert_from_array(),
            {
                "keys": placement.keys,
                "case_id": case.id,
                "agency_id": case.agency_id,
                "received_on": placement.received,
            },
        )
        return
    session.execute(
        insert(RequestBandKey).values(
            [
                {
                    "case_id": case.id,
                    "band_key": key,
                    "agency_id": case.agency_id,
                    "received_on": placement.received,
                }
                for key in placement.keys
            ]
        )
    )


@lru_cache(maxsize=1)
def _keys_insert_from_array() -> Insert:
    key = func.unnest(bindparam("keys", type_=StringArray())).table_valued("band_key")
    rows = select(
        bindparam("case_id", type_=Integer),
        key.render_derived("key").c.band_key,
        bindparam("agency_id", type_=Integer),
        bindparam("received_on", type_=Date),
    )
    # The table, not the entity: with parameters, an ORM INSERT would read them as rows.
    return insert(RequestBandKey.metadata.tables[RequestBandKey.__tablename__]).from_select(
        ["case_id", "band_key", "agency_id", "received_on"], rows
    )


def keys_insert_after(new_case: CTE) -> CTE:
    """PostgreSQL: the index keys' INSERT as a data-modifying CTE of the statement that inserts
    the case (``new_case`` returns its ``id`` and ``agency_id``), so that statement writes them
    too (issue 16: one statement fewer).  Parameters: :func:`key_params`."""
    key = func.unnest(bindparam("keys", type_=StringArray())).table_valued("band_key")
    key = key.render_derived("key")
    rows = (
        select(
            new_case.c.id,
            key.c.band_key,
            new_case.c.agency_id,
            bindparam("keys_received_on", type_=Date),
        )
        .select_from(new_case)
        .join(key, true())
    )
    return (
        insert(_BAND_KEYS)
        .from_select(["case_id", "band_key", "agency_id", "received_on"], rows)
        .cte("new_keys")
    )


def key_params(placement: Placement) -> dict[str, Any]:
    """The parameters of :func:`keys_insert_after` for this placement's keys."""
    return {"keys": placement.keys, "keys_received_on": placement.received}


# :func:`keys_insert_after`'s parameters for a case written unplaced (its placement deferred
# to the queue): the same statement inserts no key.
NO_KEYS: dict[str, Any] = {"keys": [], "keys_received_on": None}


def _count_in_topic(
    session: Session, case: Case, placement: Placement, agency: Agency
) -> tuple[Indexed, dict[str, int]]:
    """Add the case to its topic's figures in one UPDATE, guarded by the case count and status
    the lookup read: if another intake or a correction changed the topic since, the topic is
    locked and read again, and the UPDATE (now seeing every committed member) runs again."""
    seen = placement.seen
    assert seen is not None
    row, arrivals = _update_topic(session, case, placement, agency, seen)
    if row is None:
        fresh = session.execute(
            select(
                Topic.status, Topic.case_count, *_as_text(Topic.slot_profile, Topic.daily_arrivals)
            )
            .where(Topic.id == placement.topic_id)
            # NO KEY UPDATE: concurrent intakes hold key-share locks on the topic (their cases'
            # foreign keys); FOR UPDATE would wait for them while they wait for us.
            .with_for_update(key_share=True)
        ).one()
        seen = _Candidate(
            seen.case_id,
            seen.text,
            seen.topic_id,
            fresh.status,
            fresh.case_count,
            fresh.slot_profile,
            fresh.daily_arrivals,
        )
        row, arrivals = _update_topic(session, case, placement, agency, seen)
        # Under the row lock, nobody can have changed the topic in between.
        assert row is not None
    status, case_count, applicant_count = row
    return Indexed(placement.topic_id, status, case_count, applicant_count), arrivals


def _update_topic(
    session: Session,
    case: Case,
    placement: Placement,
    agency: Agency,
    seen: _Candidate,
) -> tuple[Row[str, int, int] | None, dict[str, int]]:
    """Only an open topic needs its exact distinct-applicant count (it decides the move to
    candidate), and open topics are small by definition; a larger topic adds one applicant when
    this person had no request in it within the window."""
    kept = json.loads(seen.daily_arrivals) if seen.daily_arrivals is not None else None
    arrivals = arrivals_with(kept, [placement.arrived_on])
    profile = slots_to_json(merge_slots(_topic_slots(seen.slot_profile), placement.features))
    open_topic = seen.status == TopicStatus.OPEN
    params: dict[str, Any] = {
        "topic_id": seen.topic_id,
        "seen_case_count": seen.case_count,
        "seen_status": seen.status,
        "since": utcnow() - timedelta(days=agency.topic_window_days),
        "received": placement.received,
        "slot_profile": profile,
        "daily_arrivals": arrivals,
    }
    if not open_topic:
        params.update(applicant_id=case.applicant_id, case_id=case.id)
    row = session.execute(_topic_update(open_topic=open_topic), params).one_or_none()
    return row, arrivals


@lru_cache(maxsize=2)
def _topic_update(*, open_topic: bool) -> Update:
    """The guarded UPDATE of :func:`_update_topic`, built once per kind of topic (issue 16).

    Only an open topic needs its exact distinct-applicant count (it decides the move to
    candidate), and open topics are small by definition; a larger topic adds one applicant when
    this person had no request in it within the window."""
    cases = Case.metadata.tables[Case.__tablename__]
    applicants_table = Applicant.metadata.tables[Applicant.__tablename__]
    topic_id = bindparam("topic_id", type_=Integer)
    since = bindparam("since", type_=cases.c.created_at.type)
    applicants: Any
    if open_topic:
        applicants = (
            select(
                func.count(
                    func.distinct(
                        func.coalesce(applicants_table.c.person_id, applicants_table.c.id)
                    )
                )
            )
            .select_from(cases)
            .join(applicants_table, applicants_table.c.id == cases.c.applicant_id)
            .where(cases.c.topic_id == topic_id, cases.c.created_at >= since)
            .scalar_subquery()
        )
    else:
        # This person's applicant records, then their cases, by index — never a scan of a
        # popular topic's cases.  The person is read in SQL: the applicant row was just
        # inserted with it.
        mine = applicants_table.alias("mine")
        person = (
            select(func.coalesce(mine.c.person_id, mine.c.id))
            .where(mine.c.id == bindparam("applicant_id", type_=Integer))
            .scalar_subquery()
        )
        records = select(applicants_table.c.id).where(
            or_(applicants_table.c.id == person, applicants_table.c.person_id == person)
        )
        seen_before = (
            select(cases.c.id)
            .where(
                cases.c.applicant_id.in_(records),
                cases.c.topic_id == topic_id,
                cases.c.created_at >= since,
                cases.c.id != bindparam("case_id", type_=Integer),
            )
            .exists()
        )
        applicants = _TOPICS.c.applicant_count + sql_case((seen_before, 0), else_=1)
    received = bindparam("received", type_=Date)
    return (
        update(_TOPICS)
        .where(
            _TOPICS.c.id == topic_id,
            _TOPICS.c.case_count == bindparam("seen_case_count", type_=Integer),
            _TOPICS.c.status == bindparam("seen_status", type_=_TOPICS.c.status.type),
        )
        .values(
            case_count=_TOPICS.c.case_count + 1,
            applicant_count=applicants,
            last_on=sql_case((_TOPICS.c.last_on < received, received), else_=_TOPICS.c.last_on),
            **column_params(_TOPICS, ("slot_profile", "daily_arrivals")),
        )
        .returning(_TOPICS.c.status, _TOPICS.c.case_count, _TOPICS.c.applicant_count)
    )


def _become_candidate(session: Session, indexed: Indexed) -> None:
    topic = session.get(Topic, indexed.topic_id)
    assert topic is not None
    topic_event(
        session,
        topic,
        None,
        "candidate",
        "became_candidate",
        {"applicants": indexed.applicant_count},
    )
    topic.status = TopicStatus.CANDIDATE
    outbox.publish(
        session,
        EventType.TOPIC_CANDIDATE,
        agency_id=topic.agency_id,
        topic=topic,
        data={"applicants": indexed.applicant_count},
    )


def _as_text(*documents: Any) -> list[Any]:
    """JSON columns read as their text, so that the service decides what to decode."""
    return [cast(d, Text).label(d.key) for d in documents]


@lru_cache(maxsize=FEATURES_CACHE_SIZE)
def _topic_slots(document: str | None) -> Features:
    """A topic's merged slots from its stored JSON text; cached by that text (a pure function
    of it, the result immutable): most candidates' topics have not changed since the last
    intake that read them."""
    return slots_from_json(json.loads(document) if document is not None else None)


def _candidates(session: Session, agency_id: int, keys: list[str], since: date) -> list[_Candidate]:
    """Cases sharing the most index keys, counted in SQL over the latest few per key, with
    their text and topic, in one statement.

    A popular topic shares each key with thousands of cases; fetching them all made intake
    slow (p99 > 600 ms at 200,000 applications, bench/bench_intake_index.py). The most recent
    PER_KEY cases of each key are enough to find the topic, and the index
    (agency_id, band_key, received_on, case_id) answers each part without touching the table.
    Candidates without a topic keep their rank and are then left out, as before.
    """
    if not keys:
        return []
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"agency_id": agency_id, "since": since}
    if dialect == "postgresql":
        params["keys"] = keys
        statement = _lookup_by_lateral()
    else:
        params.update({f"k{i}": key for i, key in enumerate(keys)})
        statement = _lookup_by_union(len(keys))
    return [_Candidate(*row) for row in session.execute(statement, params)]


# The lookup names the tables, not the entities (issue 16): with entities, the same SQL ran
# through the ORM's execution and row loading, a third of the lookup's CPU.
_BAND_KEYS = RequestBandKey.metadata.tables[RequestBandKey.__tablename__]
_CASES = Case.metadata.tables[Case.__tablename__]


def _latest_per_key(key: Any) -> Select[int]:
    return (
        select(_BAND_KEYS.c.case_id)
        .where(
            _BAND_KEYS.c.agency_id == bindparam("agency_id"),
            _BAND_KEYS.c.band_key == key,
            _BAND_KEYS.c.received_on >= bindparam("since"),
        )
        # Latest first; on one day the later application (the domain's input order).
        .order_by(_BAND_KEYS.c.received_on.desc(), _BAND_KEYS.c.case_id.desc())
        .limit(PER_KEY)
    )


def _with_cases_and_topics(hits: Subquery) -> Select[Any]:
    ranked = (
        select(hits.c.case_id, func.count().label("shared"))
        .group_by(hits.c.case_id)
        .order_by(func.count().desc(), hits.c.case_id.desc())
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    return (
        select(
            ranked.c.case_id,
            _CASES.c.requested_information,
            _CASES.c.topic_id,
            _TOPICS.c.status,
            _TOPICS.c.case_count,
            *_as_text(_TOPICS.c.slot_profile, _TOPICS.c.daily_arrivals),
        )
        .join_from(ranked, _CASES, _CASES.c.id == ranked.c.case_id)
        .join(_TOPICS, _TOPICS.c.id == _CASES.c.topic_id)
        .order_by(ranked.c.shared.desc(), ranked.c.case_id.desc())
    )


@lru_cache(maxsize=1)
def _lookup_by_lateral() -> Select[Any]:
    # PostgreSQL: one index probe per key through LATERAL — one subquery to plan, not 42.
    keys = func.unnest(bindparam("keys", type_=StringArray()))
    key = keys.table_valued("band_key").render_derived("key")
    latest = _latest_per_key(key.c.band_key).lateral("latest")
    hits = select(latest.c.case_id).select_from(key).join(latest, true()).subquery("hits")
    return _with_cases_and_topics(hits)


@lru_cache(maxsize=8)
def _lookup_by_union(n_keys: int) -> Select[Any]:
    # SQLite has no LATERAL: one part per key, built once per key count.
    parts = [
        select(_latest_per_key(bindparam(f"k{i}")).subquery().c.case_id) for i in range(n_keys)
    ]
    return _with_cases_and_topics(union_all(*parts).subquery("hits"))


def _check_surge(
    session: Session, topic_id: int, agency_id: int, arrivals: Mapping[str, int], today: date
) -> None:
    """Daily arrivals (Asia/Shanghai days) of the topic against its 28-day baseline, from the
    counts kept with the topic; an alert is written only on a surge."""
    counts = [arrivals.get(day, 0) for day in _surge_days(today)]
    result = surge(counts, window=SURGE_WINDOW_DAYS, min_count=SURGE_MIN_COUNT)
    if result is None:
        return
    alert = dialect_insert(session, SurgeAlert).values(
        topic_id=topic_id,
        agency_id=agency_id,
        day=today,
        today_count=result.today_count,
        baseline_mean=result.baseline_mean,
        message=result.message,
    )
    session.execute(
        alert.on_conflict_do_update(
            index_elements=[SurgeAlert.topic_id, SurgeAlert.day],
            set_={"today_count": result.today_count, "message": result.message},
        )
    )


@lru_cache(maxsize=4)
def _surge_days(today: date) -> tuple[str, ...]:
    """The surge window's days as the arrivals' keys (ISO dates), oldest first, ending on
    ``today``: the same few days for every intake of a day, spelt once (issue 16)."""
    start = today - timedelta(days=SURGE_WINDOW_DAYS)
    return tuple((start + timedelta(days=i)).isoformat() for i in range(SURGE_WINDOW_DAYS + 1))


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
            topic_event(session, topic, actor, "declined", "decline", {"reason": command.reason})
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
    topic_event(
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
                topic_event(
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
    person = person_key(case.applicant)
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
        # Not placed yet (TOPIC_PLACEMENT=queue): no earlier request is found until it is.
        "topic_pending": case.topic_pending,
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
