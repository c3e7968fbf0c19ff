"""Who is acting and which agencies they may see."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, bindparam, event, or_, select
from sqlalchemy.orm import Mapper, Session, SessionTransaction, object_session

from requests_service.db.base import utcnow
from requests_service.db.models import Agency, ApiToken, User, UserRole
from requests_service.domain.errors import Forbidden
from requests_service.domain.lifecycle import Role

TOKEN_PREFIX = "rs_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Actor:
    """An authenticated person (or the applicant/system) acting on cases."""

    role_set: frozenset[Role]
    name: str
    user_id: int | None = None
    agency_id: int | None = None
    visible_agency_ids: frozenset[int] = field(default_factory=frozenset)

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.role_set & set(roles))

    def can_see_agency(self, agency_id: int) -> bool:
        return agency_id in self.visible_agency_ids

    def acting_role(self, allowed: Iterable[Role]) -> Role | None:
        """The role under which this actor may perform an action allowed for ``allowed``."""
        allowed_set = set(allowed)
        for role in sorted(self.role_set, key=lambda r: r.value):
            if role in allowed_set:
                return role
        return None

    @property
    def home_agency_id(self) -> int:
        """The officer's own agency; the applicant and the system have none."""
        if self.agency_id is None:
            raise Forbidden("此操作只能由机关工作人员执行。")
        return self.agency_id

    @property
    def primary_role(self) -> Role:
        return sorted(self.role_set, key=lambda r: r.value)[0]


APPLICANT = Actor(role_set=frozenset({Role.APPLICANT}), name="申请人")
SYSTEM = Actor(role_set=frozenset({Role.SYSTEM}), name="系统")


def descendant_agency_ids(session: Session, root_id: int) -> set[int]:
    rows = session.execute(select(Agency.id, Agency.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for agency_id, parent_id in rows:
        children.setdefault(parent_id, []).append(agency_id)
    seen: set[int] = set()
    stack = [root_id]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(children.get(current, []))
    return seen


def actor_for_user(session: Session, user: User) -> Actor:
    roles = frozenset(user.roles)
    visible = {user.agency_id}
    if Role.OVERSIGHT in roles:
        # The oversight office reads every case of the agencies under it, never others.
        visible = descendant_agency_ids(session, user.agency_id)
    return Actor(
        role_set=roles,
        name=user.display_name,
        user_id=user.id,
        agency_id=user.agency_id,
        visible_agency_ids=frozenset(visible),
    )


_TOKEN_TABLE, _USER_TABLE, _ROLE_TABLE = ApiToken.__table__, User.__table__, UserRole.__table__
_TOKENS, _USERS, _ROLES = _TOKEN_TABLE.c, _USER_TABLE.c, _ROLE_TABLE.c
# Built once with bound parameters (every authenticated request runs it; issue 16): the token's
# hash and the current time are its only inputs. The token's expiry bounds a cached actor's life.
_ACTOR_BY_TOKEN: Select[int, int, str, datetime | None, Role | None] = (
    select(_USERS.id, _USERS.agency_id, _USERS.display_name, _TOKENS.expires_at, _ROLES.role)
    .select_from(_TOKEN_TABLE)
    .join(_USER_TABLE, _USERS.id == _TOKENS.user_id)
    .outerjoin(_ROLE_TABLE, _ROLES.user_id == _USERS.id)
    .where(
        _TOKENS.token_hash == bindparam("token_hash"),
        _TOKENS.revoked_at.is_(None),
        or_(_TOKENS.expires_at.is_(None), _TOKENS.expires_at > bindparam("now")),
        _USERS.active.is_(True),
    )
)

# Seconds a process may answer a safe request (GET, HEAD, OPTIONS) with an actor it resolved
# earlier (``Config.ACTOR_CACHE_SECONDS``; 0: resolve on every request).
DEFAULT_ACTOR_CACHE_SECONDS = 2.0
# Tokens per process; the least recently used goes first. Only tokens that resolved are kept,
# so made-up tokens cannot push real ones out.
ACTOR_CACHE_ENTRIES = 1024


class ActorCache:
    """One process's recently resolved actors for one database, keyed by the token's SHA-256
    (the plain token is never kept), each until ``seconds`` after its database read began on
    the monotonic clock, and never past the token's own expiry. Bounded (LRU).

    Why a revoked token may still *read* for up to ``seconds`` (2 s by default) in another
    process: resolution is one of the two statements of an officer's case list or detail, so
    half of their database work (issue 16). The bound is strict — an entry is used only by
    calls that start less than ``seconds`` after the read that made it began, and a read sees
    what was committed when it began — and it covers reads only: ``actor_for_token`` never
    answers an unsafe request (POST, PUT, PATCH, DELETE) from the cache, so a revoked token,
    a deactivated user or a removed role can never write on a stale entry, in any process.

    The process that makes the change does not wait: every ORM insert, update or delete of a
    token, user, role or agency marks its session (``actors_changed``), and the end of that
    transaction clears this process's cache for the database. ``seconds <= 0`` disables it.
    """

    def __init__(
        self,
        seconds: float = DEFAULT_ACTOR_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = ACTOR_CACHE_ENTRIES,
    ) -> None:
        self.seconds = seconds
        self.monotonic = monotonic  # injectable: tests move time without sleeping
        self.max_entries = max_entries
        # token hash -> (actor, monotonic time until which it may be used)
        self._entries: OrderedDict[str, tuple[Actor, float]] = OrderedDict()
        self._lock = threading.Lock()
        # Moves with every clear, so a read that began before one cannot store its answer.
        self._generation = 0

    def get(self, token_hash: str) -> Actor | None:
        """The cached actor, if its entry is still valid now."""
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if self.monotonic() >= entry[1]:
                del self._entries[token_hash]
                return None
            self._entries.move_to_end(token_hash)
            return entry[0]

    def put(
        self,
        token_hash: str,
        actor: Actor | None,
        *,
        started: float,
        generation: int,
        expires_in: float | None,
    ) -> None:
        """Store what a read begun at ``started`` (monotonic) found; None drops the entry.

        ``expires_in``: seconds from the read to the token's expiry (None: it never expires)."""
        lifetime = self.seconds if expires_in is None else min(self.seconds, expires_in)
        with self._lock:
            if actor is None or lifetime <= 0 or generation != self._generation:
                self._entries.pop(token_hash, None)
                return
            self._entries[token_hash] = (actor, started + lifetime)
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    @property
    def generation(self) -> int:
        return self._generation

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# One cache per engine (per database) in this process, as the calendar's (services.clock).
_CACHES: weakref.WeakKeyDictionary[Engine, ActorCache] = weakref.WeakKeyDictionary()


def actor_cache(engine: Engine) -> ActorCache:
    """This process's actor cache for ``engine``'s database (made on first use; the app
    factory sets its ``seconds`` from the configuration)."""
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES.setdefault(engine, ActorCache())
    return cache


def actor_for_token(session: Session, token: str, *, safe: bool = False) -> Actor | None:
    """The actor behind a bearer token, in one statement on the token's unique index.

    One row per role (a user without roles gives one row with a NULL role). Only oversight
    officers cost a second statement: the agencies under theirs.

    ``safe``: the request only reads (GET, HEAD, OPTIONS), so an actor this process resolved
    less than ``ActorCache.seconds`` ago may answer without a statement. Otherwise the token
    is always resolved from the database (and the cached entry refreshed or dropped).
    """
    token_hash = hash_token(token)
    cache = actor_cache(session.get_bind().engine)
    if cache.seconds <= 0:
        return _resolve(session, token_hash, utcnow())[0]
    if safe:
        cached = cache.get(token_hash)
        if cached is not None:
            return cached
    generation = cache.generation
    started = cache.monotonic()
    now = utcnow()
    actor, expires_at = _resolve(session, token_hash, now)
    expires_in = None if expires_at is None else (expires_at - now).total_seconds()
    cache.put(token_hash, actor, started=started, generation=generation, expires_in=expires_in)
    return actor


def _resolve(
    session: Session, token_hash: str, now: datetime
) -> tuple[Actor | None, datetime | None]:
    """The actor and the token's expiry, from the database."""
    rows = session.execute(_ACTOR_BY_TOKEN, {"token_hash": token_hash, "now": now}).all()
    if not rows:
        return None, None
    user_id, agency_id, display_name, expires_at, _role = rows[0]
    roles = frozenset(row.role for row in rows if row.role is not None)
    visible = {agency_id}
    if Role.OVERSIGHT in roles:
        visible = descendant_agency_ids(session, agency_id)
    actor = Actor(
        role_set=roles,
        name=display_name,
        user_id=user_id,
        agency_id=agency_id,
        visible_agency_ids=frozenset(visible),
    )
    return actor, expires_at


# Marks a session whose transaction changed a token, user, role or agency.
_CHANGED_IN_SESSION = "actors_changed_in_transaction"
_LISTENING = "actors_change_listener"


def actors_changed(session: Session) -> None:
    """Record that ``session``'s transaction changes who a token stands for (a revoked token,
    a deactivated or renamed user, roles, the agency tree an oversight office sees). When that
    transaction ends — committed or rolled back — this process's actor cache for the database
    is cleared, so this process's next request resolves every token again."""
    info = session.info
    info[_CHANGED_IN_SESSION] = True
    if _LISTENING in info:
        return
    info[_LISTENING] = True
    engine = session.get_bind().engine

    def _ended(ended: Session, transaction: SessionTransaction) -> None:
        # The session's whole transaction, not a savepoint inside it.
        if transaction.parent is None and ended.info.pop(_CHANGED_IN_SESSION, False):
            actor_cache(engine).clear()

    event.listen(session, "after_transaction_end", _ended)


def _written(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        actors_changed(session)


# Every ORM write of what an actor is made of, by any use case or command (admin.update_user,
# revoke_token, update_agency, the CLI...): only administrative acts write these tables.
for _model in (ApiToken, User, UserRole, Agency):
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _written)
