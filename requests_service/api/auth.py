"""Bearer-token authentication and agency isolation for officer endpoints."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

from flask import current_app, g, request
from flask_smorest import abort

from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services.access import Actor, actor_for_token

DEMO_TOKEN_PREFIX = "rs_demo_"
# Requests that only read: they may be answered for an actor this process resolved a moment ago
# (ACTOR_CACHE_SECONDS); every other method resolves the token from the database.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def _refuse(code: int, message: str) -> NoReturn:
    abort(code, message=message)
    raise AssertionError("abort() returned")  # pragma: no cover - abort always raises


def current_actor(*roles: Role) -> Actor:
    """The authenticated officer; 401 without a valid token, 403 without one of ``roles``."""
    actor: Actor | None = g.get("actor")
    if actor is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            _refuse(401, "未认证：请在Authorization头中提供有效的Bearer令牌。")
        if token.strip().startswith(DEMO_TOKEN_PREFIX) and not current_app.config.get("DEMO"):
            # The demo tokens are printed in the README: they work only in demo mode.
            abort(
                401,
                message="演示令牌只在演示模式（DEMO=1，./scripts/serve）下有效。",
                reason="demo_token_outside_demo",
            )
        actor = actor_for_token(
            current_session(), token.strip(), safe=request.method in SAFE_METHODS
        )
        if actor is None:
            _refuse(401, "令牌无效、已吊销或用户已停用。")
        g.actor = actor
    if roles and not actor.has_any(roles):
        labels = "、".join(r.label for r in roles)
        _refuse(403, f"无权执行此操作：需要以下角色之一：{labels}。")
    return actor


def requires_roles(*roles: Role) -> Callable[[F], F]:
    """Declares who may call a write operation, checked before anything else of the request is
    read: an officer without one of ``roles`` gets 403 even when the body, the If-Match or the
    Idempotency-Key is wrong (outermost decorator, above flask-smorest's), and anonymous
    callers still get 401 (``current_actor`` answers that first). The view takes the actor
    with ``authorised_actor()``, so its roles are stated once, here."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            current_actor(*roles)
            g.roles_checked = True
            return view(*args, **kwargs)

        checked.required_roles = roles  # type: ignore[attr-defined]
        return cast(F, checked)

    return decorate


def authorised_actor() -> Actor:
    """The officer ``@requires_roles`` has let through. A view without that decorator fails
    loudly here (a 500, never an unchecked caller): its roles are the decorator's."""
    actor: Actor | None = g.get("actor")
    if actor is None or not g.get("roles_checked"):
        raise RuntimeError("authorised_actor() needs the view to be decorated @requires_roles")
    return actor
