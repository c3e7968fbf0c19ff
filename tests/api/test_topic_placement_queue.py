"""Topic placement on the queue (``TOPIC_PLACEMENT=queue``, issue 16): intake writes the case
unplaced and kicks a job; the job places each agency's pending cases exactly once, in arrival
order, with intake's rule and effects, so the topics are those inline intake makes; intake does
not need Redis, and the scheduler and ``flask place-topics`` place what a lost kick left."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from requests_service.db.models import (
    Case,
    OutboxEvent,
    RequestBandKey,
    SurgeAlert,
    Topic,
    TopicEvent,
)
from requests_service.jobs import placement as placement_jobs
from requests_service.jobs.schedule import place_pending_topics
from requests_service.services.topic_placement import pending_count, place_pending
from tests.api.test_intake_statements import PARAPHRASES, statements
from tests.factories import World, person

# Two subjects paraphrased, one unrelated text, a person applying twice: enough for a new
# topic, joins, an Art. 44 candidacy (three persons), a surge (five arrivals in a day).
SEQUENCE = [
    (PARAPHRASES[0], 1),
    ("请公开本县2024年政府信息公开工作年度报告", 2),
    (PARAPHRASES[1], 2),
    (PARAPHRASES[2], 1),
    ("申请公开本县二〇二四年政府信息公开工作年度报告全文", 3),
    (PARAPHRASES[3], 3),
    ("请提供某某路口交通信号灯设置依据", 4),
    (PARAPHRASES[4], 4),
    (PARAPHRASES[0], 5),
    ("本县2024年度政府信息公开工作年度报告", 6),
]

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: every kick fails at once


@pytest.fixture
def queued(app: Any) -> Iterator[Any]:
    """The app in queue mode, with Redis unreachable unless a test sets it."""
    app.config.update(TOPIC_PLACEMENT="queue", REDIS_URL=DEAD_REDIS)
    app.extensions.pop("events_redis", None)
    app.extensions.pop("placement_kick_paused_until", None)
    yield app
    app.extensions.pop("events_redis", None)
    app.extensions.pop("placement_kick_paused_until", None)


def _submit(client: Any, agency_id: int, text: str, serial: int) -> int:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": agency_id,
            "applicant": person(serial, name=f"申请人{serial}"),
            "requested_information": text,
        },
    )
    assert response.status_code == 201, response.json
    return int(response.json["case_id"])


def _cli(app: Any, *args: str) -> Any:
    context = app.app_context()
    context.push()
    try:
        return app.test_cli_runner().invoke(args=list(args))
    finally:
        context.pop()


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


def _outcome(app: Any, case_ids: list[int]) -> dict[str, Any]:
    """What placement made of these cases, in terms that do not depend on ids: the partition
    (positions grouped by topic), each member's explanation, each topic's figures and status,
    its candidacy events and outbox rows, surge alerts and the index keys per case."""
    session = _session(app)
    try:
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids))).all()}
        position = {case_id: i for i, case_id in enumerate(case_ids)}
        topics: dict[int, list[int]] = {}
        for case_id in case_ids:
            topic_id = cases[case_id].topic_id
            assert topic_id is not None
            topics.setdefault(topic_id, []).append(position[case_id])
        figures = []
        for topic_id, members in topics.items():
            topic = session.get(Topic, topic_id)
            assert topic is not None
            events = session.scalars(
                select(TopicEvent.action).where(TopicEvent.topic_id == topic_id)
            ).all()
            published = sum(
                1
                for payload in session.scalars(select(OutboxEvent.payload))
                if (payload.get("topic") or {}).get("id") == topic_id
            )
            surges = session.scalar(
                select(func.count()).select_from(SurgeAlert).where(SurgeAlert.topic_id == topic_id)
            )
            figures.append(
                (
                    tuple(members),
                    topic.case_count,
                    topic.applicant_count,
                    topic.status.value,
                    topic.representative_text,
                    dict(topic.daily_arrivals or {}),
                    tuple(events),
                    published,
                    surges,
                )
            )
        keys = [
            session.scalar(
                select(func.count()).select_from(RequestBandKey).where(RequestBandKey.case_id == c)
            )
            for c in case_ids
        ]
        return {
            "topics": sorted(figures),
            "explanations": [cases[c].topic_explanation for c in case_ids],
            "keys": keys,
            "pending": [cases[c].topic_pending for c in case_ids],
        }
    finally:
        session.close()


def test_queued_submission_writes_no_topic_and_redis_down_loses_nothing(
    queued: Any, client: Any, world: World
) -> None:
    """Redis down: the submission is still 201, the case has no topic and no index keys, and
    is marked pending; the scheduler's fallback then places it."""
    case_id = _submit(client, world.agencies["A"], PARAPHRASES[0], 1)
    session = _session(queued)
    try:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.topic_id, case.topic_explanation, case.topic_pending) == (None, None, True)
        assert session.scalar(select(func.count()).select_from(Topic)) == 0
        assert (
            session.scalar(
                select(func.count())
                .select_from(RequestBandKey)
                .where(RequestBandKey.case_id == case_id)
            )
            == 0
        )
    finally:
        session.close()
    # The kick failed and paused kicks; the reads cope with an unplaced case meanwhile.
    assert queued.extensions["placement_kick_paused_until"] > 0
    related = client.get(f"/cases/{case_id}/related", headers=world.auth("handler"))
    assert related.status_code == 200, related.json
    assert (related.json["topic_id"], related.json["topic_pending"]) == (None, True)
    assert client.get(f"/cases/{case_id}", headers=world.auth("handler")).status_code == 200
    assert client.get("/cases", headers=world.auth("handler")).status_code == 200
    assert client.get("/topics", headers=world.auth("handler")).status_code == 200
    assert place_pending_topics(queued) == 1
    assert _outcome(queued, [case_id])["pending"] == [False]
    related = client.get(f"/cases/{case_id}/related", headers=world.auth("handler"))
    assert related.json["topic_id"] is not None and related.json["topic_pending"] is False
    assert place_pending_topics(queued) == 0


def test_same_topics_as_inline_intake(app: Any, client: Any, world: World) -> None:
    """The same texts, applicants and order: inline into agency A, queued into agency B and
    then placed by the job (in two batches) — the same partition, explanations, figures,
    candidacy and surge records, index keys."""
    inline = [_submit(client, world.agencies["A"], text, serial) for text, serial in SEQUENCE]
    app.config.update(TOPIC_PLACEMENT="queue", REDIS_URL=DEAD_REDIS)
    app.extensions.pop("events_redis", None)
    try:
        queued = [
            _submit(client, world.agencies["B"], text, serial + 100) for text, serial in SEQUENCE
        ]
    finally:
        app.extensions.pop("events_redis", None)
        app.extensions.pop("placement_kick_paused_until", None)
    session = _session(app)
    try:
        assert pending_count(session, world.agencies["B"]) == len(SEQUENCE)
        assert place_pending(session, batch=4) == len(SEQUENCE)
        assert pending_count(session) == 0
    finally:
        session.close()
    expected = _outcome(app, inline)
    assert expected["topics"][0][3] in ("open", "candidate")
    assert any(t[3] == "candidate" for t in expected["topics"])
    assert any(t[8] for t in expected["topics"])  # a surge alert
    assert _outcome(app, queued) == expected


def test_placement_runs_once(queued: Any, client: Any, world: World) -> None:
    """A second run, the CLI and the scheduler find nothing more to place; figures unchanged."""
    ids = [_submit(client, world.agencies["A"], text, n) for n, text in enumerate(PARAPHRASES)]
    session = _session(queued)
    try:
        with statements(queued) as seen:
            assert place_pending(session) == len(ids)
        # Per batch: the lock (PostgreSQL), the claim, the agency; per case: the candidate
        # lookup, the new topic's INSERT or the topic's UPDATE, the case's UPDATE, its keys
        # (candidacy and surge add theirs, as in intake).
        assert len(seen) < 8 * len(ids)
        first = _outcome(queued, ids)
        assert place_pending(session) == 0
    finally:
        session.close()
    result = _cli(queued, "place-topics")
    assert result.exit_code == 0, result.output
    assert "已归入主题 0 件申请；仍待归入 0 件" in result.output
    assert _outcome(queued, ids) == first
    (topic,) = first["topics"]
    assert topic[:4] == ((0, 1, 2, 3, 4), 5, 5, "candidate")


def test_cli_places_pending_cases(queued: Any, client: Any, world: World) -> None:
    ids = [_submit(client, world.agencies["A"], text, 1) for text in PARAPHRASES[:2]]
    result = _cli(queued, "place-topics", "--agency", "999")
    assert "已归入主题 0 件申请" in result.output
    result = _cli(queued, "place-topics")
    assert result.exit_code == 0, result.output
    assert "已归入主题 2 件申请；仍待归入 0 件" in result.output
    assert _outcome(queued, ids)["topics"][0][:3] == ((0, 1), 2, 1)


def test_registration_is_deferred_too(queued: Any, client: Any, world: World) -> None:
    """A clerk's registration shares intake's placement: deferred in queue mode (else it would
    overtake the online applications still waiting), placed from its receipt date."""
    response = client.post(
        "/cases",
        json={
            "channel": "post_signed",
            "applicant": person(1),
            "requested_information": PARAPHRASES[0],
            "submitted_at": "2026-03-02T10:00:00+08:00",
            "signed_for_at": "2026-03-03T10:00:00+08:00",
        },
        headers=world.auth("registrar"),
    )
    assert response.status_code == 201, response.json
    case_id = response.json["id"]
    etag = client.get(f"/cases/{case_id}", headers=world.auth("registrar")).headers["ETag"]
    assert _outcome(queued, [])["pending"] == []
    session = _session(queued)
    try:
        assert session.get(Case, case_id).topic_pending is True  # type: ignore[union-attr]
        assert place_pending(session) == 1
        keys = session.scalars(
            select(RequestBandKey.received_on).where(RequestBandKey.case_id == case_id)
        ).all()
    finally:
        session.close()
    assert set(keys) == {datetime.fromisoformat("2026-03-03").date()}
    # Placement is not an edit of the case: its ETag is unchanged.
    assert (
        client.get(f"/cases/{case_id}", headers=world.auth("registrar")).headers.get("ETag") == etag
    )


def test_moving_a_pending_case_waits_for_its_placement(
    queued: Any, client: Any, world: World
) -> None:
    placed = _submit(client, world.agencies["A"], PARAPHRASES[0], 1)
    session = _session(queued)
    try:
        place_pending(session)
        topic_id = session.get(Case, placed).topic_id  # type: ignore[union-attr]
    finally:
        session.close()
    pending = _submit(client, world.agencies["A"], "请提供某某路口交通信号灯设置依据", 2)
    response = client.put(
        f"/cases/{pending}/topic",
        json={"topic_id": topic_id, "reason": "同一信息"},
        headers=world.auth("handler"),
    )
    assert response.status_code == 409, response.json


def test_queued_submission_kicks_one_job(
    queued: Any, client: Any, world: World, redis_url: str
) -> None:
    """The first submission sets the flag and enqueues; the next finds the flag set; the job
    clears the flag and places both."""
    from redis import Redis
    from rq import Queue

    name = f"placement-test-{uuid.uuid4().hex[:8]}"
    queued.config.update(REDIS_URL=redis_url, TOPIC_PLACEMENT_QUEUE=name)
    connection = Redis.from_url(redis_url)
    queue = Queue(name, connection=connection)
    try:
        ids = [_submit(client, world.agencies["A"], t, n) for n, t in enumerate(PARAPHRASES[:2])]
        assert [job.func_name for job in queue.jobs] == [
            "requests_service.worker.place_topics_task"
        ]
        assert connection.exists(placement_jobs.kick_flag(queued))
        assert placement_jobs.place_topics_in(queued) == {"placed": 2}
        assert not connection.exists(placement_jobs.kick_flag(queued))
        assert _outcome(queued, ids)["pending"] == [False, False]
    finally:
        queue.delete(delete_jobs=True)
        connection.delete(placement_jobs.kick_flag(queued))
        for key in connection.scan_iter(f"rq:*:{name}"):
            connection.delete(key)


@pytest.mark.commits
def test_concurrent_jobs_place_each_case_once(queued: Any, client: Any, world: World) -> None:
    """Two jobs at once (PostgreSQL: really concurrent, serialised per agency by the advisory
    lock; SQLite serialises writers): every case placed once, the same topics as one job."""
    ids = [_submit(client, world.agencies["A"], text, serial) for text, serial in SEQUENCE * 2]
    counts: list[int] = []
    errors: list[BaseException] = []

    def job() -> None:
        session = _session(queued)
        try:
            counts.append(place_pending(session, batch=3))
        except BaseException as exc:
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(counts) == len(ids)
    outcome = _outcome(queued, ids)
    assert not any(outcome["pending"])
    assert sum(t[1] for t in outcome["topics"]) == len(ids)
    assert all(n > 0 for n in outcome["keys"])
    session = _session(queued)
    try:
        rows = session.execute(
            select(
                Topic.case_count,
                select(func.count(Case.id)).where(Case.topic_id == Topic.id).scalar_subquery(),
            )
        ).all()
    finally:
        session.close()
    assert all(count == members for count, members in rows)


def test_scheduler_and_daily_tick_place_what_a_lost_kick_left(
    queued: Any, client: Any, world: World
) -> None:
    """Redis down: `flask run-scheduler --once` places the pending case (before the daily
    jobs); so does the ten-minute tick ``rq cron`` runs (``daily_jobs_in``)."""
    from requests_service.jobs.schedule import daily_jobs_in

    first = _submit(client, world.agencies["A"], PARAPHRASES[0], 1)
    result = _cli(queued, "run-scheduler", "--once")
    assert result.exit_code == 0, result.output
    assert _outcome(queued, [first])["pending"] == [False]
    second = _submit(client, world.agencies["A"], PARAPHRASES[1], 2)
    daily_jobs_in(queued)
    outcome = _outcome(queued, [first, second])
    assert outcome["pending"] == [False, False]
    assert outcome["topics"][0][:3] == ((0, 1), 2, 2)


@pytest.mark.commits
def test_an_rq_worker_process_places_the_kicked_cases(
    queued: Any, client: Any, world: World, redis_url: str, database_url: str
) -> None:
    """As deployed: the submission kicks, an ``rq worker`` process (its app built from the
    environment) runs ``place_topics_task`` and places every pending case."""
    from redis import Redis
    from rq import Queue

    name = f"placement-test-{uuid.uuid4().hex[:8]}"
    queued.config.update(REDIS_URL=redis_url, TOPIC_PLACEMENT_QUEUE=name)
    connection = Redis.from_url(redis_url)
    try:
        ids = [_submit(client, world.agencies["A"], t, n) for n, t in enumerate(PARAPHRASES)]
        assert Queue(name, connection=connection).count == 1
        rq = str(Path(sys.executable).with_name("rq"))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": queued.config["SECRET_KEY"],
            "REDIS_URL": redis_url,
            "TOPIC_PLACEMENT": "queue",
            "TOPIC_PLACEMENT_QUEUE": name,
            "EVENT_DELIVERY": "manual",
        }
        worker = subprocess.run(
            [
                rq,
                "worker",
                "--burst",
                "--worker-class",
                "rq.SimpleWorker",
                "--url",
                redis_url,
                name,
            ],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stdout.decode(errors="replace")[-2000:]
        outcome = _outcome(queued, ids)
        assert outcome["pending"] == [False] * len(ids)
        assert outcome["topics"][0][:4] == ((0, 1, 2, 3, 4), 5, 5, "candidate")
    finally:
        Queue(name, connection=connection).delete(delete_jobs=True)
        connection.delete(placement_jobs.kick_flag(queued))
        for key in connection.scan_iter(f"rq:*:{name}"):
            connection.delete(key)


def test_a_case_whose_placement_fails_does_not_hold_back_the_rest(
    queued: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """Placement itself failing on one case (not the database): that case is unmarked without
    a topic and logged, the others are placed in order; nothing is placed twice."""
    from requests_service.services import topic_placement

    poison = "请公开某某街道2025年垃圾分类督查通报"
    real = topic_placement.place_request

    def failing(session: Any, **kwargs: Any) -> Any:
        if kwargs["text"] == poison:
            raise ValueError("placement failed")
        return real(session, **kwargs)

    monkeypatch.setattr(topic_placement, "place_request", failing)
    ids = [
        _submit(client, world.agencies["A"], PARAPHRASES[0], 1),
        _submit(client, world.agencies["A"], poison, 2),
        _submit(client, world.agencies["A"], PARAPHRASES[1], 3),
    ]
    session = _session(queued)
    try:
        assert place_pending(session, batch=10) == 2
        assert place_pending(session) == 0
        cases = [session.get(Case, case_id) for case_id in ids]
        assert [(c.topic_id is None, c.topic_pending) for c in cases if c] == [
            (False, False),
            (True, False),
            (False, False),
        ]
        assert cases[0].topic_id == cases[2].topic_id  # type: ignore[union-attr]
    finally:
        session.close()
    assert f"case {ids[1]} left without a topic" in caplog.text


def test_statements_of_the_placement_job(queued: Any, client: Any, world: World) -> None:
    """Per run: which agencies have pending cases.  Per batch: the agency's lock
    (PostgreSQL), the claim, the agency.  Per case: the
    candidate lookup, the new topic's INSERT or the joined topic's UPDATE, and the case's
    topic with its index keys (one statement on PostgreSQL, two on SQLite) — intake's own
    statements for placement, nothing per case besides."""
    texts = [
        "请公开某某街道2025年垃圾分类督查通报",
        "请提供某某路口交通信号灯设置依据",
        PARAPHRASES[0],
        PARAPHRASES[1],  # joins the topic PARAPHRASES[0] started
    ]
    for serial, text in enumerate(texts, start=1):
        _submit(client, world.agencies["A"], text, serial)
    session = _session(queued)
    try:
        with statements(queued) as seen:
            assert place_pending(session) == len(texts)
    finally:
        session.close()
    pg = queued.extensions["db_engine"].dialect.name == "postgresql"
    per_batch = 3 if pg else 2
    per_case = 3 if pg else 4
    assert len(seen) == 1 + per_batch + per_case * len(texts), "\n".join(seen)


def test_a_case_placed_meanwhile_rolls_the_batch_back_and_it_is_read_again(
    queued: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guarded UPDATE finds the case no longer pending (what a job not holding the lock
    would cause): the batch rolls back — the new topic its lookup inserted too — and is read
    again; each case ends in exactly one topic, no topic is left over."""
    from sqlalchemy import update

    from requests_service.services import topic_placement

    real = topic_placement.place_request
    calls: list[str] = []

    def interleaved(session: Any, **kwargs: Any) -> Any:
        placement = real(session, **kwargs)
        if not calls:  # another writer flips the flag between our read and our UPDATE
            session.execute(
                update(Case)
                .where(Case.requested_information == kwargs["text"])
                .values(topic_pending=False)
            )
        calls.append(kwargs["text"])
        return placement

    monkeypatch.setattr(topic_placement, "place_request", interleaved)
    ids = [
        _submit(client, world.agencies["A"], "请公开某某街道2025年垃圾分类督查通报", 1),
        _submit(client, world.agencies["A"], "请提供某某路口交通信号灯设置依据", 2),
    ]
    session = _session(queued)
    try:
        assert place_pending(session) == 2
        topics = session.scalar(select(func.count()).select_from(Topic))
    finally:
        session.close()
    assert len(calls) == 3  # the first case twice: before and after the rollback
    assert topics == 2
    outcome = _outcome(queued, ids)
    assert outcome["pending"] == [False, False]
    assert [t[:3] for t in outcome["topics"]] == [((0,), 1, 1), ((1,), 1, 1)]


def _received_on(app: Any, case_id: int) -> set[Any]:
    session = _session(app)
    try:
        return set(
            session.scalars(
                select(RequestBandKey.received_on).where(RequestBandKey.case_id == case_id)
            ).all()
        )
    finally:
        session.close()


def test_online_application_a_clerk_registers_counts_from_its_receipt_date(
    app: Any, client: Any, world: World
) -> None:
    """A clerk may register an application that came online (channel ``online``) with its
    confirmation date: inline intake places it from that receipt date, and so must the job —
    what decides is how the case was taken in (registered), not its channel.  Found by review:
    the job took the submission day."""
    results = []
    for serial, mode in enumerate(("inline", "queue"), start=1):
        app.config.update(TOPIC_PLACEMENT=mode, REDIS_URL=DEAD_REDIS)
        response = client.post(
            "/cases",
            json={
                "channel": "online",
                "applicant": person(serial),
                "requested_information": PARAPHRASES[serial - 1],
                "submitted_at": "2026-03-02T10:00:00+08:00",
                "confirmed_at": "2026-03-09T10:00:00+08:00",
            },
            headers=world.auth("registrar"),
        )
        assert response.status_code == 201, response.json
        if mode == "queue":
            session = _session(app)
            try:
                assert place_pending(session) == 1
            finally:
                session.close()
        results.append(_received_on(app, response.json["id"]))
    app.extensions.pop("placement_kick_paused_until", None)
    assert results == [{datetime.fromisoformat("2026-03-09").date()}] * 2


def test_online_submission_confirmed_before_the_job_counts_from_its_submission_day(
    queued: Any, client: Any, world: World, fixed_clock: Any
) -> None:
    """Inline intake places an online submission from the day it arrived (its receipt date is
    fixed later, on confirmation, Art. 31).  A job that runs only after the registrar confirmed
    it (a lost kick, a stopped worker) must not take the receipt date instead."""
    from datetime import timedelta

    from tests.helpers import act, ok

    case_id = _submit(client, world.agencies["A"], PARAPHRASES[0], 1)
    fixed_clock.advance(timedelta(days=2))
    confirmed = ok(act(client, world, "registrar", case_id, "register"))
    assert confirmed["receipt_date"] == "2026-03-12"
    session = _session(queued)
    try:
        assert place_pending(session) == 1
    finally:
        session.close()
    assert _received_on(queued, case_id) == {datetime.fromisoformat("2026-03-10").date()}


def _failing_on(monkeypatch: pytest.MonkeyPatch, fails: Any) -> None:
    from requests_service.services import topic_placement

    real = topic_placement.place_request

    def failing(session: Any, **kwargs: Any) -> Any:
        if fails(kwargs["text"]):
            raise ValueError("placement failed")
        return real(session, **kwargs)

    monkeypatch.setattr(topic_placement, "place_request", failing)


def test_a_one_off_failure_gives_nothing_up(
    queued: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Placement failing once on a case (a job timeout landing in it, say) is not the case's
    fault: it is tried again alone, placed, and the rest go on in batches."""
    failed: list[str] = []

    def once(text: str) -> bool:
        if text == PARAPHRASES[1] and not failed:
            failed.append(text)
            return True
        return False

    _failing_on(monkeypatch, once)
    ids = [
        _submit(client, world.agencies["A"], text, serial)
        for serial, text in enumerate(PARAPHRASES[:3], start=1)
    ]
    session = _session(queued)
    try:
        assert place_pending(session) == 3
    finally:
        session.close()
    outcome = _outcome(queued, ids)
    assert outcome["pending"] == [False] * 3
    assert outcome["topics"][0][:3] == ((0, 1, 2), 3, 3)


def test_placement_failing_on_every_case_gives_up_one_and_fails_the_run(
    queued: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When placement fails on every case (a bad deploy, not bad cases), a run gives up at most
    one case and then fails visibly: the others stay pending for a fixed placement, instead of
    being unmarked one after another without a topic."""
    _failing_on(monkeypatch, lambda text: True)
    ids = [
        _submit(client, world.agencies["A"], text, serial)
        for serial, text in enumerate(PARAPHRASES[:3], start=1)
    ]
    session = _session(queued)
    try:
        with pytest.raises(Exception, match="placement failed on case"):
            place_pending(session)
        session.rollback()
        pending = [session.get(Case, case_id).topic_pending for case_id in ids]  # type: ignore[union-attr]
    finally:
        session.close()
    assert pending == [False, True, True]


def test_a_failing_placement_does_not_stop_the_daily_jobs(
    queued: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's tick places pending cases first; that failing (the database, a bad
    deploy) is logged and the statutory daily jobs still run."""
    from requests_service.jobs import schedule

    def broken(app: Any, *, agency_id: int | None = None) -> int:
        raise RuntimeError("placement is broken")

    monkeypatch.setattr(placement_jobs, "place", broken)
    ran: list[str] = []
    monkeypatch.setattr(schedule, "run_due_jobs", lambda app, day=None: ran.append("daily") or [])
    assert place_pending_topics(queued) == 0
    schedule.daily_jobs_in(queued)
    assert ran == ["daily"]


def test_sqlite_finds_pending_cases_through_the_partial_index(queued: Any) -> None:
    """``WHERE topic_pending`` as the index states it: SQLite does not match the index to the
    ``topic_pending = 1`` a Boolean column compiles to (found by review)."""
    from requests_service.services import topic_placement

    engine = queued.extensions["db_engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("the planner's choice is checked on SQLite; PostgreSQL renders the bare term")
    session = _session(queued)
    try:
        for query, params in (
            (topic_placement._pending(), {"pending_agency_id": 1, "batch": 10}),
            (topic_placement._pending_agencies(), {}),
        ):
            bound = query.params(**params)
            sql = str(bound.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = " ".join(
                str(row[-1])
                for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
            assert "ix_cases_topic_pending" in plan, plan
    finally:
        session.close()
