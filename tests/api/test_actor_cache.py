"""The per-process actor cache (issue 16): a token resolved for a read may answer the same
process's reads for ACTOR_CACHE_SECONDS, never a write, never past the token's expiry; a
revocation, deactivation or role change is seen at once by the process that made it and by
every other within the lifetime (two app instances on one database, as two workers are)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from requests_service.db.base import utcnow
from requests_service.services.access import actor_cache, hash_token
from tests.api.test_statement_counts import (
    COLD,
    SteppedMonotonic,
    counting,
    is_actor_read,
    other_instance,
)
from tests.factories import World
from tests.helpers import register

LIST = "/cases?page=1"
NO_SUCH_CASE = "/cases/2147483647/notes"  # a write any officer may attempt: 404 when let in


def on_stepped_clock(app: Any) -> SteppedMonotonic:
    clock = SteppedMonotonic()
    actor_cache(app.extensions["db_engine"]).monotonic = clock
    return clock


@pytest.fixture
def pair(app: Any, database_url: str, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """Another instance of the service on the same database, and the clocks of both caches."""
    other = other_instance(database_url, tmp_path)
    try:
        assert actor_cache(other.extensions["db_engine"]) is not actor_cache(
            app.extensions["db_engine"]
        )
        yield other, (on_stepped_clock(app), on_stepped_clock(other))
    finally:
        other.extensions["db_engine"].dispose()


def note(client: Any, headers: dict[str, str]) -> int:
    status: int = client.post(NO_SUCH_CASE, json={"body": "备注"}, headers=headers).status_code
    return status


def revoke(client: Any, world: World, who: str) -> None:
    tokens = client.get(f"/admin/users/{world.users[who]}/tokens", headers=world.auth("admin"))
    assert tokens.status_code == 200, tokens.json
    revoked = client.delete(f"/admin/tokens/{tokens.json[0]['id']}", headers=world.auth("admin"))
    assert revoked.status_code == 200, revoked.json


def deactivate(client: Any, world: World, who: str) -> None:
    changed = client.patch(
        f"/admin/users/{world.users[who]}", json={"active": False}, headers=world.auth("admin")
    )
    assert changed.status_code == 200, changed.json


CHANGES: dict[str, Callable[[Any, World, str], None]] = {
    "revoked token": revoke,
    "deactivated user": deactivate,
}


@pytest.mark.commits
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_token_taken_away_stops_reads_at_once_here_and_within_the_lifetime_elsewhere(
    app: Any, client: Any, world: World, pair: tuple[Any, Any], change: str
) -> None:
    other, (_clock, other_clock) = pair
    other_client = other.test_client()
    handler = world.auth("handler")
    assert client.get(LIST, headers=handler).status_code == 200  # cached in both
    assert other_client.get(LIST, headers=handler).status_code == 200  # at other's 1000.0
    assert note(other_client, handler) == 404  # a write, let in (and no such case)

    CHANGES[change](client, world, "handler")
    # The instance that made the change: at once, though its clock has not moved.
    assert client.get(LIST, headers=handler).status_code == 401
    assert note(client, handler) == 401

    other_clock.now += 1.999
    with counting(other) as inside:
        assert other_client.get(LIST, headers=handler).status_code == 200  # a read, stale
    assert inside and not any(map(is_actor_read, inside)), inside  # no resolution
    # A write is resolved from the database even inside the lifetime: refused at once ...
    assert note(other_client, handler) == 401
    # ... and the refused resolution drops the entry, so the next read is refused too.
    assert other_client.get(LIST, headers=handler).status_code == 401


@pytest.mark.commits
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_another_instance_refuses_reads_once_the_lifetime_has_passed(
    app: Any, client: Any, world: World, pair: tuple[Any, Any], change: str
) -> None:
    other, (_clock, other_clock) = pair
    other_client = other.test_client()
    handler = world.auth("handler")
    assert other_client.get(LIST, headers=handler).status_code == 200  # at other's 1000.0
    CHANGES[change](client, world, "handler")
    other_clock.now += 1.999
    assert other_client.get(LIST, headers=handler).status_code == 200
    other_clock.now += 0.001  # exactly ACTOR_CACHE_SECONDS since the resolution began
    with counting(other) as after:
        assert other_client.get(LIST, headers=handler).status_code == 401
    assert len(after) == 1 and is_actor_read(after[0]), after


def second_admin(client: Any, world: World) -> tuple[int, dict[str, str]]:
    """Another administrator of agency A, with a token of their own (enrolled as officers are)."""
    created = client.post(
        "/admin/users",
        json={"username": "admin.two", "display_name": "第二管理员", "roles": ["agency_admin"]},
        headers=world.auth("admin"),
    )
    assert created.status_code == 201, created.json
    code = client.post(
        f"/admin/users/{created.json['id']}/enrolment", headers=world.auth("admin")
    ).json["code"]
    token = client.post("/auth/enrolment", json={"code": code, "name": "laptop"}).json["token"]
    return created.json["id"], {"Authorization": f"Bearer {token}"}


@pytest.mark.commits
def test_a_role_taken_away_stops_writes_at_once_and_reads_within_the_lifetime(
    app: Any, client: Any, world: World, pair: tuple[Any, Any]
) -> None:
    other, (_clock, other_clock) = pair
    other_client = other.test_client()
    user_id, admin_two = second_admin(client, world)
    assert client.get("/admin/users", headers=admin_two).status_code == 200
    assert other_client.get("/admin/users", headers=admin_two).status_code == 200
    # A write needing the role: let in (and refused for its empty body).
    assert other_client.post("/admin/users", json={}, headers=admin_two).status_code == 422

    demoted = client.patch(
        f"/admin/users/{user_id}", json={"roles": ["handler"]}, headers=world.auth("admin")
    )
    assert demoted.status_code == 200, demoted.json
    assert client.get("/admin/users", headers=admin_two).status_code == 403  # at once here

    other_clock.now += 1.999
    assert other_client.get("/admin/users", headers=admin_two).status_code == 200  # stale read
    assert other_client.post("/admin/users", json={}, headers=admin_two).status_code == 403
    assert other_client.get("/admin/users", headers=admin_two).status_code == 403
    # The new role is the actor's now, in both instances.
    assert other_client.get(LIST, headers=admin_two).status_code == 200


@pytest.mark.commits
def test_without_the_cache_every_request_resolves_its_token(
    app: Any, client: Any, world: World, database_url: str, tmp_path: Path
) -> None:
    """``ACTOR_CACHE_SECONDS=0``: one resolution per request, as before the cache existed; a
    change by another instance is seen by the very next request."""
    register(client, world)  # a page with a case: the list's one statement
    other = other_instance(database_url, tmp_path, ACTOR_CACHE_SECONDS=0)
    try:
        assert actor_cache(other.extensions["db_engine"]).seconds == 0
        other_client = other.test_client()
        handler = world.auth("handler")
        for _ in range(3):
            with counting(other) as statements:
                assert other_client.get(LIST, headers=handler).status_code == 200
            assert len(statements) == COLD["case list"], statements
            assert sum(map(is_actor_read, statements)) == 1
        assert len(actor_cache(other.extensions["db_engine"])) == 0
        revoke(client, world, "handler")
        assert other_client.get(LIST, headers=handler).status_code == 401
    finally:
        other.extensions["db_engine"].dispose()


def test_a_cached_actor_never_outlives_its_tokens_expiry(
    app: Any, client: Any, world: World, fixed_clock: Any
) -> None:
    """A token expiring 1.5 s from its resolution is resolved again after 1.5 s, not after
    the cache's 2 s; once expired, it is refused."""
    from requests_service.db.models import ApiToken
    from requests_service.db.session import current_session

    with app.app_context():
        session = current_session()
        session.add(
            ApiToken(
                user_id=world.users["handler"],
                token_hash=hash_token("rs_test_short_lived"),
                name="short",
                expires_at=utcnow() + timedelta(seconds=1.5),
            )
        )
        session.commit()
    headers = {"Authorization": "Bearer rs_test_short_lived"}
    clock = on_stepped_clock(app)
    register(client, world)

    def actor_reads() -> int:
        with counting(app) as statements:
            response = client.get(LIST, headers=headers)
        assert response.status_code == 200, response.json
        return sum(map(is_actor_read, statements))

    assert actor_reads() == 1  # resolved at 1000.0, 1.5 s before the token expires
    clock.now += 1.499
    assert actor_reads() == 0
    clock.now += 0.001  # the token's expiry, not yet the cache's lifetime
    assert actor_reads() == 1
    # Both clocks move on together to the token's expiry: resolved again, and refused.
    fixed_clock.advance(timedelta(seconds=1.5))
    clock.now += 1.5
    assert client.get(LIST, headers=headers).status_code == 401


def test_the_cache_keeps_no_token_and_logs_none(
    app: Any, client: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = world.tokens["handler"]
    assert client.get(LIST, headers=world.auth("handler")).status_code == 200
    assert note(client, world.auth("handler")) == 404
    cache = actor_cache(app.extensions["db_engine"])
    assert hash_token(token) in cache._entries
    assert token not in cache._entries
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged and hash_token(token) not in logged


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    from requests_service.domain.lifecycle import Role
    from requests_service.services.access import Actor, ActorCache

    clock = SteppedMonotonic()
    cache = ActorCache(seconds=2.0, monotonic=clock, max_entries=3)
    actors = {
        key: Actor(role_set=frozenset({Role.HANDLER}), name=key, user_id=n)
        for n, key in enumerate("abcd")
    }

    def put(key: str) -> None:
        cache.put(key, actors[key], started=clock(), generation=cache.generation, expires_in=None)

    for key in "abc":
        put(key)
    assert cache.get("a") is actors["a"]  # a is now the most recently used
    put("d")
    assert len(cache) == 3
    assert cache.get("b") is None  # the least recently used went first
    assert [cache.get(k) for k in "acd"] == [actors["a"], actors["c"], actors["d"]]
    # A read that began before a clear stores nothing.
    generation = cache.generation
    cache.clear()
    cache.put("a", actors["a"], started=clock(), generation=generation, expires_in=None)
    assert cache.get("a") is None
    # A refused resolution drops the entry.
    put("a")
    cache.put("a", None, started=clock(), generation=cache.generation, expires_in=None)
    assert cache.get("a") is None


def test_case_work_leaves_the_cache_alone(app: Any, client: Any, world: World) -> None:
    """Only writes of tokens, users, roles and agencies clear it: submitting, registering and
    noting cases (the everyday writes) never do."""
    cache = actor_cache(app.extensions["db_engine"])
    assert client.get(LIST, headers=world.auth("handler")).status_code == 200
    generation = cache.generation
    case = register(client, world)
    noted = client.post(
        f"/cases/{case['id']}/notes", json={"body": "备注"}, headers=world.auth("handler")
    )
    assert noted.status_code == 201, noted.json
    assert cache.generation == generation
    assert hash_token(world.tokens["handler"]) in cache._entries
