"""The submission hot path (issue 16): statements per submission, counted, on both databases;
the topic's figures stay exact when another intake changes the topic meanwhile."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from requests_service.db.models import Applicant, Case, Topic
from requests_service.domain.channels import Channel
from requests_service.domain.identity import ApplicantType, IdType
from requests_service.domain.lifecycle import CaseState, Role
from requests_service.services import cases as case_service
from requests_service.services.access import Actor
from requests_service.services.case_commands import ApplicantDetails, Registration
from requests_service.services.topics import place_request, record_placement
from requests_service.timekeeping import legal_date, utcnow
from tests.factories import World, person

PARAPHRASES = [
    "请公开2025年示范区拆迁补偿标准",
    "申请公开示范区二〇二五年拆迁补偿标准文件",
    "2025年示范区房屋拆迁补偿标准",
    "我想了解示范区2025年的拆迁补偿标准",
    "示范区2025年度拆迁补偿标准",
]

# The test harness wraps each service transaction in a SAVEPOINT of one outer transaction; in
# service they are the driver's BEGIN/COMMIT/ROLLBACK, which are not statements of ours.
HARNESS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE)


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    engine = app.extensions["db_engine"]
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not HARNESS.match(statement):
            seen.append(" ".join(statement.split())[:110])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _submit(
    client: Any, world: World, text: str, serial: int, key: str | None = None
) -> dict[str, Any]:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(serial, name=f"申请人{serial}"),
            "requested_information": text,
        },
        headers={"Idempotency-Key": key} if key else {},
    )
    assert response.status_code in (200, 201), response.json
    body: dict[str, Any] = response.json
    return body


def _count(app: Any, client: Any, world: World, text: str, serial: int, key: str | None) -> int:
    with statements(app) as seen:
        _submit(client, world, text, serial, key)
    return len(seen)


def _topic(client: Any, world: World, case_id: int) -> dict[str, Any]:
    related = client.get(f"/cases/{case_id}/related", headers=world.auth("handler")).json
    topic_id = related["topic_id"]
    body: dict[str, Any] = client.get(f"/topics/{topic_id}", headers=world.auth("handler")).json
    return body


def test_statements_per_submission(app: Any, client: Any, world: World) -> None:
    """Agency; candidate lookup; the new topic's INSERT or, at the end, one UPDATE of the joined
    topic; applicant and case INSERTs; the Idempotency-Key; audit event and outbox row; the
    index keys (on PostgreSQL with the case).  Nothing grows with the topic's size."""
    counts: dict[str, int] = {}
    with statements(app) as first:
        _submit(client, world, PARAPHRASES[0], 1, "k-1")
    counts["new topic"] = len(first)
    counts["joins an open topic"] = _count(app, client, world, PARAPHRASES[1], 2, "k-2")
    # The same person again: still two applicants, no candidacy; no key, no key INSERT.
    counts["joins, without a key"] = _count(app, client, world, PARAPHRASES[2], 1, None)
    with statements(app) as retry:
        again = _submit(client, world, PARAPHRASES[1], 2, "k-2")
    counts["retry, replayed"] = len(retry)
    # A third person: the topic becomes an Art. 44 candidate (audited, published): six more.
    counts["makes it a candidate"] = _count(app, client, world, PARAPHRASES[3], 3, "k-4")
    # The fifth arrival of the day: also the surge alert's upsert.
    counts["joins a candidate topic, surge"] = _count(app, client, world, PARAPHRASES[4], 4, "k-5")
    # PostgreSQL writes the applicant, the case and its index keys in one statement (two
    # fewer), and the audit event and its outbox row in another (one fewer): data-modifying
    # CTEs, which SQLite has not.  A replay wrote applicant and case (two statements before,
    # now one, the keys riding along) and found the key taken: no keys or event of its own.
    pg = app.extensions["db_engine"].dialect.name == "postgresql"
    fewer, fewer_replayed = (3, 1) if pg else (0, 0)
    assert counts == {
        "new topic": 9 - fewer,
        "joins an open topic": 9 - fewer,
        "joins, without a key": 8 - fewer,
        "retry, replayed": 6 - fewer_replayed,
        "makes it a candidate": 15 - fewer,
        "joins a candidate topic, surge": 10 - fewer,
    }, "\n".join([*first, "— retry —", *retry])
    topic = _topic(client, world, again["case_id"])
    assert (topic["case_count"], topic["applicant_count"], topic["status"]) == (5, 4, "candidate")


def test_statements_per_queued_submission(app: Any, client: Any, world: World) -> None:
    """TOPIC_PLACEMENT=queue (Redis unreachable here: the kick costs no statement): agency;
    applicant and case INSERTs; the Idempotency-Key; audit event and outbox row.  No candidate
    lookup, topic INSERT or UPDATE, or index keys (PostgreSQL: the case's statement carries an
    empty key list)."""
    app.config.update(TOPIC_PLACEMENT="queue", REDIS_URL="redis://127.0.0.1:1/0")
    app.extensions.pop("events_redis", None)
    try:
        counts = [
            _count(app, client, world, text, serial, f"q-{serial}")
            for serial, text in enumerate(PARAPHRASES[:3], start=1)
        ]
    finally:
        app.extensions.pop("events_redis", None)
        app.extensions.pop("placement_kick_paused_until", None)
    pg = app.extensions["db_engine"].dialect.name == "postgresql"
    assert counts == [4, 4, 4] if pg else [6, 6, 6]


def test_statements_per_registration(app: Any, world: World) -> None:
    """The clerk's registration through the same intake: number, due date and topic go into the
    case INSERT.  Calendar reads are the calendar's own business (cached elsewhere)."""
    actor = Actor(
        role_set=frozenset({Role.REGISTRAR}),
        name="登记员",
        user_id=world.users["registrar"],
        agency_id=world.agencies["A"],
        visible_agency_ids=frozenset({world.agencies["A"]}),
    )
    submitted_at = datetime.fromisoformat("2026-03-02T10:00:00+08:00")
    session = app.extensions["db_session_factory"]()
    try:
        counts = []
        for n, text in enumerate(PARAPHRASES[:4]):
            with statements(app) as seen:
                case_service.register_case(
                    session,
                    actor,
                    Registration(
                        channel="in_person",
                        applicant=ApplicantDetails(**person(1)),
                        requested_information=text,
                        submitted_at=submitted_at,
                    ),
                    secret_key="test-secret",
                    defer_placement=n >= 2,
                )
            counts.append(len([s for s in seen if not _calendar_read(s)]))
    finally:
        session.close()
    # agency, lookup, new topic | topic UPDATE, number, applicant, case, event, outbox, keys;
    # on PostgreSQL event and outbox row are one statement (a data-modifying CTE).
    cte = 1 if app.extensions["db_engine"].dialect.name == "postgresql" else 0
    assert counts[:2] == [9 - cte, 9 - cte]
    # TOPIC_PLACEMENT=queue: no lookup, topic INSERT/UPDATE or keys.
    assert counts[2:] == [6 - cte, 6 - cte]


def test_topic_changed_between_lookup_and_update_is_counted_exactly(
    app: Any, client: Any, world: World
) -> None:
    """Another intake joins the topic after this one read it: the guarded UPDATE finds the
    topic changed, locks it, reads it again and counts every member."""
    first = _submit(client, world, PARAPHRASES[0], 1)
    _submit(client, world, PARAPHRASES[1], 2)
    session = app.extensions["db_session_factory"]()
    try:
        agency = case_service.get_agency(session, world.agencies["A"])
        now = utcnow()
        placement = place_request(
            session,
            agency_id=agency.id,
            text=PARAPHRASES[2],
            received=legal_date(now),
            arrived_on=legal_date(now),
        )
        assert placement.seen is not None and placement.seen.case_count == 2
        # Meanwhile another application joins the topic (its own transaction, committed).
        _submit(client, world, PARAPHRASES[3], 3)
        applicant = Applicant(
            applicant_type=ApplicantType.NATURAL_PERSON,
            name="申请人4",
            id_type=IdType.RESIDENT_ID,
            id_number=person(4)["id_number"],
            id_fingerprint="interleaved-4",
        )
        case = Case(
            agency=agency,
            applicant=applicant,
            state=CaseState.RECEIVED,
            channel=Channel.ONLINE,
            tracking_code="INTERLEAVED1",
            tracking_secret_hash="0" * 64,
            requested_information=PARAPHRASES[2],
            submitted_at=now,
            reply_details={},
            topic_id=placement.topic_id,
            topic_explanation=placement.explanation,
        )
        session.add(case)
        session.flush()
        indexed = record_placement(session, case, placement, agency)
        session.commit()
    finally:
        session.close()
    assert (indexed.case_count, indexed.applicant_count) == (4, 4)
    topic = _topic(client, world, first["case_id"])
    assert (topic["case_count"], topic["applicant_count"]) == (4, 4)
    assert topic["status"] == "candidate"
    history = client.get(f"/topics/{topic['id']}/history", headers=world.auth("handler")).json
    assert [h["action"] for h in history] == ["became_candidate"]


def test_daily_arrivals_follow_corrections(app: Any, client: Any, world: World) -> None:
    """Arrivals kept with the topic are recounted from its members when an officer moves
    applications, so surge checks keep counting the topic's actual applications."""
    ids = [_submit(client, world, text, k)["case_id"] for k, text in enumerate(PARAPHRASES[:3])]
    topic = _topic(client, world, ids[0])
    split = client.post(
        f"/topics/{topic['id']}/split",
        json={"case_ids": [ids[2]], "reason": "另一项信息"},
        headers=world.auth("handler"),
    )
    assert split.status_code == 201, split.json
    session = app.extensions["db_session_factory"]()
    try:
        ids_of = [topic["id"], split.json["id"]]
        rows = session.execute(
            select(Topic.id, Topic.daily_arrivals).where(Topic.id.in_(ids_of))
        ).all()
        kept = {topic_id: arrivals for topic_id, arrivals in rows}
    finally:
        session.close()
    today = legal_date(utcnow()).isoformat()
    assert kept == {topic["id"]: {today: 2}, split.json["id"]: {today: 1}}


@pytest.mark.commits
def test_concurrent_intake_keeps_topic_figures_exact(app: Any, world: World) -> None:
    """Many applications joining one topic at once (PostgreSQL: really concurrent): every one
    is counted once, applicants are distinct persons, and nothing fails."""
    with app.test_client() as c:
        _submit(c, world, PARAPHRASES[0], 1)
    errors: list[Any] = []

    def work(worker: int) -> None:
        with app.test_client() as c:
            for k in range(3):
                serial = 10 + worker * 3 + k
                r = c.post(
                    "/public/applications",
                    json={
                        "agency_id": world.agencies["A"],
                        # Two submissions per person: 6 distinct persons among 12 applications.
                        "applicant": person(serial // 2, name=f"申请人{serial // 2}"),
                        "requested_information": PARAPHRASES[1 + (serial % 4)],
                    },
                )
                if r.status_code != 201:
                    errors.append(r.json)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    session = app.extensions["db_session_factory"]()
    try:
        rows = session.execute(
            select(
                Topic.id,
                Topic.case_count,
                Topic.applicant_count,
                Topic.daily_arrivals,
                select(func.count(Case.id)).where(Case.topic_id == Topic.id).scalar_subquery(),
                select(func.count(func.distinct(func.coalesce(Applicant.person_id, Applicant.id))))
                .select_from(Case)
                .join(Applicant, Applicant.id == Case.applicant_id)
                .where(Case.topic_id == Topic.id)
                .scalar_subquery(),
            )
        ).all()
    finally:
        session.close()
    assert sum(r[1] for r in rows) == 13
    for _topic_id, case_count, applicants, arrivals, members, persons in rows:
        assert case_count == members
        assert sum((arrivals or {}).values()) == members
        assert applicants == persons


def _calendar_read(statement: str) -> bool:
    """The calendar's reads: its years, or the one-row check of its change chain that keeps the
    per-process calendar cache fresh (counted in tests/api/test_statement_counts.py)."""
    return statement.lstrip().upper().startswith("SELECT") and (
        "calendar_years" in statement or "calendar_changes" in statement
    )
