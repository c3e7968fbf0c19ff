"""The hot paths' database work (issue 16): statements per request, fixed so they cannot creep
back up; the calendar cache's invalidation across app instances; the list's bounded total.

Statements are counted with a ``before_cursor_execute`` listener on the app's engine, on both
backends. Transaction control is left out (the test harness's SAVEPOINTs; in production BEGIN
and COMMIT are not statements of the request's work).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from requests_service import create_app
from requests_service.services.access import actor_cache
from requests_service.services.clock import calendar_cache
from tests.factories import World
from tests.helpers import register

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def _count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


class SteppedMonotonic:
    """A monotonic clock that moves only when told (the calendar cache's version-check
    interval is measured on it; no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(app: Any) -> Iterator[SteppedMonotonic]:
    """The app's calendar cache on a clock the test moves, with the configured interval."""
    cache = calendar_cache(app.extensions["db_engine"])
    saved = cache.monotonic
    cache.monotonic = clock = SteppedMonotonic()
    try:
        yield clock
    finally:
        cache.monotonic = saved


@pytest.fixture
def actor_clock(app: Any) -> Iterator[SteppedMonotonic]:
    """The app's actor cache on a clock the test moves (its own: the calendar's moves apart)."""
    cache = actor_cache(app.extensions["db_engine"])
    saved = cache.monotonic
    cache.monotonic = clock = SteppedMonotonic()
    try:
        yield clock
    finally:
        cache.monotonic = saved


def statements_of(app: Any, call: Any) -> list[str]:
    call()  # warm: the calendar is built once per process and database
    return statements_of_one_call(app, call)


def statements_of_one_call(app: Any, call: Callable[[], Any]) -> list[str]:
    """The statements one successful call of a hot path sends, as things stand."""
    with counting(app) as statements:
        response = call()
        assert response.status_code == 200, response.json
    return statements


def submitted(client: Any, world: World) -> dict[str, Any]:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": {
                "applicant_type": "natural_person",
                "name": "张三",
                "id_type": "resident_id",
                "id_number": "11010519491231002X",
                "phone": "13800138000",
            },
            "requested_information": "2025年本市重点建设项目计划",
        },
    )
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


# Each one: what the request must read, and nothing else — within the calendar's version-check
# interval (CALENDAR_VERSION_CHECK_SECONDS) of the last read of its version, as nearly every
# call is; a call after it reads the version once more (READS_CALENDAR_VERSION). Officers'
# reads within ACTOR_CACHE_SECONDS of their token's last resolution in the process; one more
# statement when it is resolved again (COLD).
EXPECTED = {
    # The page with its bounded total (the actor is this process's).
    "case list": 1,
    # The case with agency, applicant and assignee, and its fees, in one UNION ALL.
    "case detail": 1,
    # The case by code; its public events, fees, letters and files in one UNION ALL (no clock
    # before registration).
    "tracking": 2,
    # The same (the clock's calendar is this process's).
    "tracking, registered": 2,
    # Nothing: the calendar is this process's.
    "deadline calculator": 0,
    "fee calculator": 0,
}
READS_CALENDAR_VERSION = ("case detail", "tracking, registered", "deadline calculator")
# The same with the token resolved again (token, user and roles in one statement): the first
# request of a token in a process, after ACTOR_CACHE_SECONDS, and every write.
COLD = {"case list": 2, "case detail": 2}


def hot_path_calls(client: Any, world: World) -> dict[str, Any]:
    case = register(client, world)
    register(client, world, submitted_at="2026-03-03T10:00:00+08:00")
    tracked = submitted(client, world)
    handler = world.auth("handler")
    calls = {
        "case list": lambda: client.get("/cases?page=1", headers=handler),
        "case detail": lambda: client.get(f"/cases/{case['id']}", headers=handler),
        "tracking": lambda: client.get(
            f"/public/tracking/{tracked['tracking_code']}",
            headers={"X-Tracking-Secret": tracked["tracking_secret"]},
        ),
        "tracking, registered": lambda: client.get(
            f"/public/tracking/{case['tracking_code']}",
            headers={"X-Tracking-Secret": case["tracking_secret"]},
        ),
        "deadline calculator": lambda: client.post(
            "/calendar/deadline-calculator",
            json={"channel": "in_person", "submitted_at": "2026-03-02T10:00:00+08:00"},
        ),
        "fee calculator": lambda: client.post(
            "/fees/calculator", json={"method": "per_piece", "piece_ordinal_in_month": 12}
        ),
    }
    return calls


def test_hot_paths_statement_counts(
    app: Any,
    client: Any,
    world: World,
    monotonic: SteppedMonotonic,
    actor_clock: SteppedMonotonic,
) -> None:
    calls = hot_path_calls(client, world)
    counted = {name: statements_of(app, call) for name, call in calls.items()}
    assert {name: len(s) for name, s in counted.items()} == EXPECTED, json.dumps(
        {name: [s[:90] for s in found] for name, found in counted.items()},
        ensure_ascii=False,
        indent=1,
    )


def is_calendar_version_read(statement: str) -> bool:
    return "calendar_changes" in statement and "calendar_years" not in statement


@pytest.mark.parametrize("name", READS_CALENDAR_VERSION)
def test_calendar_version_is_read_once_when_the_check_interval_has_elapsed(
    app: Any,
    client: Any,
    world: World,
    monotonic: SteppedMonotonic,
    actor_clock: SteppedMonotonic,
    name: str,
) -> None:
    call = hot_path_calls(client, world)[name]
    interval = calendar_cache(app.extensions["db_engine"]).check_seconds
    assert interval == 2.0  # the default

    def counted() -> list[str]:
        return statements_of_one_call(app, call)

    call()  # warm: version read at monotonic 1000.0
    monotonic.now += interval - 0.001
    assert len(counted()) == EXPECTED[name]  # still inside the interval
    monotonic.now += 0.001  # exactly the interval since the last read began
    elapsed = counted()
    assert len(elapsed) == EXPECTED[name] + 1, elapsed
    assert sum(map(is_calendar_version_read, elapsed)) == 1  # the version
    assert not any("calendar_years" in s for s in elapsed)  # unchanged: no rebuild
    assert len(counted()) == EXPECTED[name]  # the next interval starts at that read


def is_actor_read(statement: str) -> bool:
    return "api_tokens" in statement


@pytest.mark.parametrize("name", sorted(COLD))
def test_officer_reads_resolve_the_token_when_cold_and_after_the_actor_cache_lifetime(
    app: Any,
    client: Any,
    world: World,
    monotonic: SteppedMonotonic,
    actor_clock: SteppedMonotonic,
    name: str,
) -> None:
    call = hot_path_calls(client, world)[name]
    lifetime = actor_cache(app.extensions["db_engine"]).seconds
    assert lifetime == 2.0  # the default

    def counted() -> list[str]:
        return statements_of_one_call(app, call)

    call()  # the calendar, if the path uses it, is this process's from now on
    actor_cache(app.extensions["db_engine"]).clear()
    cold = counted()  # the token resolved at actor clock 1000.0
    assert len(cold) == COLD[name], cold
    assert sum(map(is_actor_read, cold)) == 1
    actor_clock.now += lifetime - 0.001
    warm = counted()
    assert len(warm) == EXPECTED[name] and not any(map(is_actor_read, warm)), warm
    actor_clock.now += 0.001  # exactly the lifetime since the resolution began
    again = counted()
    assert len(again) == COLD[name] and sum(map(is_actor_read, again)) == 1, again
    assert len(counted()) == EXPECTED[name]  # the next lifetime starts at that resolution


def test_oversight_actor_costs_one_more_statement(
    app: Any, client: Any, world: World, actor_clock: SteppedMonotonic
) -> None:
    register(client, world)

    def call() -> Any:
        return client.get("/cases?page=1", headers=world.auth("oversight"))

    actor_cache(app.extensions["db_engine"]).clear()
    with counting(app) as cold:
        assert call().status_code == 200
    assert len(cold) == COLD["case list"] + 1  # the agencies under the office
    # Cached with its agencies: the same single statement as any officer's list.
    assert len(statements_of(app, call)) == EXPECTED["case list"]


def test_revoked_or_deactivated_token_is_refused_on_the_next_call(
    app: Any, client: Any, world: World
) -> None:
    handler = world.auth("handler")
    assert client.get("/cases", headers=handler).status_code == 200
    with app.app_context():
        from requests_service.db.models import ApiToken, User
        from requests_service.db.session import current_session
        from requests_service.services.access import hash_token

        session = current_session()
        token = session.query(ApiToken).filter_by(token_hash=hash_token("rs_test_handler")).one()
        token.revoked_at = token.created_at
        session.get(User, world.users["approver"]).active = False  # type: ignore[union-attr]
        session.commit()
    assert client.get("/cases", headers=handler).status_code == 401
    assert client.get("/cases", headers=world.auth("approver")).status_code == 401
    assert client.get("/cases", headers=world.auth("registrar")).status_code == 200


def test_list_total_is_exact_up_to_the_bound_and_on_request(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from requests_service.services import queries

    for day in range(2, 7):
        register(client, world, submitted_at=f"2026-03-0{day}T10:00:00+08:00")
    monkeypatch.setattr(queries, "EXACT_TOTAL_UP_TO", 3)
    handler = world.auth("handler")

    def pagination(query: str) -> dict[str, Any]:
        response = client.get(f"/cases?{query}", headers=handler)
        assert response.status_code == 200, response.json
        meta: dict[str, Any] = json.loads(response.headers["X-Pagination"])
        meta["ids"] = [c["id"] for c in response.json]
        return meta

    bounded = pagination("page=1&page_size=1")
    assert bounded["total"] == 3  # a lower bound: counting stopped at 3
    assert bounded["next_page"] == 2
    exact = pagination("page=1&page_size=1&exact_total=true")
    assert exact["total"] == 5
    assert exact["ids"] == bounded["ids"]
    # Deeper pages count further than the bound, so the next page is always known.
    deep = pagination("page=4&page_size=1")
    assert deep["total"] == 5
    assert "next_page" in deep
    last = pagination("page=3&page_size=2")
    assert last["total"] == 5 and "next_page" not in last
    past = pagination("page=9&page_size=2")
    assert past["ids"] == [] and past["total"] == 5
    everything = pagination("page=1&page_size=10")
    assert everything["ids"] == sorted(everything["ids"], reverse=True)
    assert everything["total"] == 5


CAL_2026 = json.loads(
    (
        Path(__file__).resolve().parents[2] / "requests_service" / "data" / "calendar" / "2026.json"
    ).read_text(encoding="utf-8")
)


def other_instance(database_url: str, tmp_path: Path, **config: Any) -> Any:
    """A second app on the same database: its own engine and its own calendar cache, as
    another gunicorn worker or host has."""
    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_DIR": str(tmp_path / "other"),
            "TESTING": True,
            "EVENT_DELIVERY": "manual",
            "RATELIMIT_ACTIVE": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


def national_admin(app: Any, world: World) -> dict[str, str]:
    """Headers of an administrator of a top-level body (who may change the calendar)."""
    with app.app_context():
        from requests_service.db.models import ApiToken, User, UserRole
        from requests_service.db.session import current_session
        from requests_service.domain.lifecycle import Role
        from requests_service.services.access import hash_token

        session = current_session()
        user = User(agency_id=world.agencies["O"], username="root", display_name="总管理员")
        user.role_rows = [UserRole(role=Role.AGENCY_ADMIN)]
        session.add(user)
        session.flush()
        session.add(ApiToken(user_id=user.id, token_hash=hash_token("rs_root"), name="t"))
        session.commit()
    return {"Authorization": "Bearer rs_root"}


CALCULATION = {"channel": "in_person", "submitted_at": "2026-03-02T10:00:00+08:00"}
# 16 March 2026 made a day off: the calculation's reply is due one working day later.
CORRECTED_2026 = {**CAL_2026, "days_off": [*CAL_2026["days_off"], "2026-03-16"]}


def reply_due(client: Any) -> Any:
    response = client.post("/calendar/deadline-calculator", json=CALCULATION)
    assert response.status_code == 200, response.json
    return response.json["reply_due"]


@pytest.mark.commits
def test_calendar_change_by_one_instance_is_seen_by_anothers_next_call_without_interval(
    app: Any, client: Any, world: World, database_url: str, tmp_path: Path
) -> None:
    """``CALENDAR_VERSION_CHECK_SECONDS=0``: every call reads the version, as before the
    interval existed."""
    other = other_instance(database_url, tmp_path, CALENDAR_VERSION_CHECK_SECONDS=0)
    try:
        other_client = other.test_client()

        def due_seen_by_other() -> Any:
            return reply_due(other_client)

        assert due_seen_by_other() == "2026-03-30"  # now cached in the other instance
        with counting(other) as cached_call:
            assert due_seen_by_other() == "2026-03-30"
        assert len(cached_call) == 1  # only the version

        root = national_admin(app, world)
        changed = client.put("/calendar/years/2026", json=CORRECTED_2026, headers=root)
        assert changed.status_code == 200, changed.json

        assert due_seen_by_other() == "2026-03-31"  # the very next call
        with counting(other) as after_rebuild:
            assert due_seen_by_other() == "2026-03-31"
        assert len(after_rebuild) == 1
    finally:
        other.extensions["db_engine"].dispose()


@pytest.mark.commits
def test_calendar_change_is_used_at_once_by_its_instance_and_by_another_after_the_interval(
    app: Any,
    client: Any,
    world: World,
    database_url: str,
    tmp_path: Path,
    monotonic: SteppedMonotonic,
) -> None:
    """Two workers with the default interval (2 s), each on a clock the test moves: the worker
    that changes the calendar answers on the new one at its very next call; the other keeps
    its calendar without a statement until the interval since its last version read has
    passed, then reads the version once, rebuilds, and is quiet again."""
    other = other_instance(database_url, tmp_path)
    other_cache = calendar_cache(other.extensions["db_engine"])
    assert other_cache is not calendar_cache(app.extensions["db_engine"])
    assert other_cache.check_seconds == 2.0
    other_cache.monotonic = other_clock = SteppedMonotonic()
    try:
        other_client = other.test_client()
        root = national_admin(app, world)
        assert reply_due(client) == "2026-03-30"  # both instances now hold the calendar
        assert reply_due(other_client) == "2026-03-30"  # version read at other's 1000.0

        changed = client.put("/calendar/years/2026", json=CORRECTED_2026, headers=root)
        assert changed.status_code == 200, changed.json
        # The changing instance: at once, though its clock has not moved.
        assert reply_due(client) == "2026-03-31"

        other_clock.now += 1.999
        with counting(other) as inside:
            assert reply_due(other_client) == "2026-03-30"  # not yet: inside the interval
        assert inside == []
        other_clock.now += 0.001
        with counting(other) as after:
            assert reply_due(other_client) == "2026-03-31"  # the interval has passed
        assert len(after) == 2, after  # the version, then the stored years (rebuild)
        assert is_calendar_version_read(after[0]) and "calendar_years" in after[1]
        with counting(other) as next_call:
            assert reply_due(other_client) == "2026-03-31"
        assert next_call == []
    finally:
        other.extensions["db_engine"].dispose()


def test_a_use_case_that_changes_the_calendar_computes_on_the_new_one_at_once(
    app: Any, client: Any, world: World, monotonic: SteppedMonotonic
) -> None:
    """Inside the transaction that changes a year, clocks use the changed calendar; rolled
    back, the process's calendar is the old one; committed, it is the new one at the next
    call. The monotonic clock never moves: none of this waits for the version-check interval."""
    from requests_service.db.models import Case
    from requests_service.db.session import current_session
    from requests_service.domain.lifecycle import Role
    from requests_service.services.access import Actor
    from requests_service.services.calendar_admin import SaveYear, save_year
    from requests_service.services.clock import case_clock, load_calendar
    from requests_service.services.unit_of_work import UnitOfWork

    case_id = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")["id"]
    actor = Actor(
        role_set=frozenset({Role.AGENCY_ADMIN}), name="总管理员", agency_id=world.agencies["O"]
    )
    command = SaveYear(
        source_ref=CORRECTED_2026["source_ref"],
        days_off=CORRECTED_2026["days_off"],
        makeup_workdays=CORRECTED_2026["makeup_workdays"],
    )
    added_day_off = date(2026, 3, 16)
    with app.app_context():
        session = current_session()
        assert load_calendar(session).is_working_day(added_day_off)  # cached in the process
        case = session.get(Case, case_id)
        assert case is not None
        with UnitOfWork(session):  # a composing use case that ends without committing
            save_year(session, actor, 2026, command)
            assert not load_calendar(session).is_working_day(added_day_off)
            clock = case_clock(session, case)
            assert clock is not None and clock.reply_due == date(2026, 3, 31)
        assert load_calendar(session).is_working_day(added_day_off)  # rolled back
        with UnitOfWork(session) as uow:
            save_year(session, actor, 2026, command)
            uow.commit()
        assert not load_calendar(session).is_working_day(added_day_off)
    assert reply_due(client) == "2026-03-31"  # the next request in this process, too


@pytest.mark.commits
def test_read_only_views_run_outside_a_transaction_on_postgresql(
    app: Any, client: Any, world: World
) -> None:
    case = register(client, world)
    seen: list[tuple[str, Any]] = []

    def _isolation(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append((statement, conn.get_execution_options().get("isolation_level")))

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", _isolation)
    try:
        read = client.get(f"/cases/{case['id']}", headers=world.auth("handler"))
        assert read.status_code == 200
        reads = list(seen)
        seen.clear()
        written = client.post(
            "/cases/{}/notes".format(case["id"]),
            json={"body": "备注"},
            headers=world.auth("handler"),
        )
        assert written.status_code == 201, written.json
        writes = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", _isolation)
    autocommit = "AUTOCOMMIT" if engine.dialect.name == "postgresql" else None
    assert reads and all(level == autocommit for _, level in reads), reads
    assert writes and all(level is None for _, level in writes), writes


@pytest.mark.commits
def test_deadline_calculator_on_the_cached_calendar_takes_no_connection(
    app: Any, client: Any, monotonic: SteppedMonotonic
) -> None:
    """No statement, so no connection checked out of the pool; once the interval has passed,
    one (for the version read)."""
    checkouts: list[Any] = []

    def _checkout(*args: Any) -> None:
        checkouts.append(args)

    engine = app.extensions["db_engine"]
    assert reply_due(client) == "2026-03-30"  # warm
    event.listen(engine.pool, "checkout", _checkout)
    try:
        assert reply_due(client) == "2026-03-30"
        assert checkouts == []
        monotonic.now += 2.0
        assert reply_due(client) == "2026-03-30"
        assert len(checkouts) == 1
    finally:
        event.remove(engine.pool, "checkout", _checkout)


def test_list_rows_loaded_by_their_columns_equal_the_full_rows_dumped(
    app: Any, client: Any, world: World
) -> None:
    """The list reads only the columns its summary shows (``case_views._SUMMARY_COLUMNS``);
    each row must equal the same summary dumped from the fully loaded case, assignee and
    applicant included."""
    from requests_service.api.cases.schemas import CaseSummarySchema
    from requests_service.db.models import Case
    from requests_service.db.session import current_session

    assigned = register(client, world)["id"]
    register(client, world, submitted_at="2026-03-03T10:00:00+08:00")
    etag = client.get(f"/cases/{assigned}", headers=world.auth("approver")).headers["ETag"]
    response = client.put(
        f"/cases/{assigned}/assignee",
        json={"assignee_id": world.users["handler"]},
        headers={**world.auth("approver"), "If-Match": etag},
    )
    assert response.status_code == 200, response.json
    listed = client.get("/cases?page=1", headers=world.auth("handler"))
    assert listed.status_code == 200, listed.json
    assert any(row["assignee_name"] for row in listed.json)
    with app.app_context():
        session = current_session()
        full = [session.get(Case, row["id"]) for row in listed.json]
        expected = json.loads(json.dumps(CaseSummarySchema(many=True).dump(full), default=str))
    assert listed.json == expected
