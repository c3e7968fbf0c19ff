"""Who is acting and which agencies they may see."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

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
# hash and the current time are its only inputs.
_ACTOR_BY_TOKEN: Select[int, int, str, Role | None] = (
    select(_USERS.id, _USERS.agency_id, _USERS.display_name, _ROLES.role)
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


def actor_for_token(session: Session, token: str) -> Actor | None:
    """The actor behind a bearer token, in one statement on the token's unique index.

    One row per role (a user without roles gives one row with a NULL role). Only oversight
    officers cost a second statement: the agencies under theirs.
    """
    rows = session.execute(
        _ACTOR_BY_TOKEN, {"token_hash": hash_token(token), "now": utcnow()}
    ).all()
    if not rows:
        return None
    user_id, agency_id, display_name, _role = rows[0]
    roles = frozenset(row.role for row in rows if row.role is not None)
    visible = {agency_id}
    if Role.OVERSIGHT in roles:
        visible = descendant_agency_ids(session, agency_id)
    return Actor(
        role_set=roles,
        name=display_name,
        user_id=user_id,
        agency_id=agency_id,
        visible_agency_ids=frozenset(visible),
    )
