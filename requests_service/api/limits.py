"""Abuse limits (issue 15, item 6): flask-limiter on the public and authentication surfaces.

Limits are per client address. Storage: ``RATELIMIT_STORAGE_URI``, by default ``REDIS_URL``
(shared by every gunicorn worker), with an in-memory fallback while Redis is unreachable. A
refused request gets 429 in the common error shape with ``Retry-After``.

No ``X-RateLimit-*`` headers on answers that were let through (``RATELIMIT_HEADERS_ENABLED``,
off by default): writing them costs every request one more read of the counters (a Redis round
trip), and on most endpoints the only limit in force is the failed-authentication one, whose
"remaining" would tell a guesser how many tries are left. ``Retry-After`` on a 429 is computed
from the limit that refused, only then (:func:`retry_after_seconds`).

- ``POST /public/applications``: ``RATELIMIT_SUBMIT`` (10/minute;200/day), every submission;
- ``/public/tracking/…``: ``RATELIMIT_TRACKING`` (60/minute), every request;
- wrong tracking code or secret, wrong enrolment code: ``RATELIMIT_TRACKING_FAILURES``
  (10/minute), counting 404 answers only;
- ``GET /public/agencies/{id}/application-form`` (PDF, 0.2–1 s of CPU): ``RATELIMIT_FORM_PDF``
  (10/minute);
- failed bearer authentication on any endpoint: ``RATELIMIT_AUTH_FAILURES`` (20/minute), one
  application-wide counter per address counting 401 answers only; beyond it the address is
  refused everywhere until the window passes.

Limits are resolved once per endpoint (:class:`OncePerEndpointLimitManager`): flask-limiter
otherwise rebuilds every applicable limit on every request (reads its string, parses it with
``limits.parse_many``, builds ``RuntimeLimit`` objects, works out exemptions from the view's
qualified name and blueprint) — about 115 Python calls on a calculator and 300 on tracking,
where what can change between two requests of one endpoint is the configured limit strings and
the method (a limit declared for some methods only decides whether the defaults apply).
"""

from __future__ import annotations

import inspect
import time
import weakref
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_limiter import Limiter
from flask_limiter._limits import Limit, MetaLimit, RuntimeLimit
from flask_limiter._manager import LimitManager
from flask_limiter.constants import ExemptionScope
from flask_limiter.util import get_remote_address


class ConfigLimit:
    """A limit string read from the application's config (``RATELIMIT_…``) when limits are
    resolved. Its key lets :class:`OncePerEndpointLimitManager` key its cache on the value, so
    a changed setting is seen by the next request."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self) -> Any:
        # The setting as it is: None (no limit) must reach flask-limiter as None, not "None".
        return current_app.config[self.key]

    def __repr__(self) -> str:
        return f"ConfigLimit({self.key!r})"


class _Resolved:
    """One app's resolved limits and exemption scopes, valid while ``stamp`` holds."""

    __slots__ = ("limits", "scopes", "stamp")

    def __init__(self, stamp: tuple[Any, ...]) -> None:
        self.stamp = stamp
        self.limits: dict[tuple[Any, ...], tuple[tuple[RuntimeLimit, ...], ...]] = {}
        self.scopes: dict[tuple[str | None, str | None], ExemptionScope] = {}


class OncePerEndpointLimitManager(LimitManager):
    """flask-limiter's limit manager with each endpoint's resolution kept per app.

    What ``resolve_limits`` and ``exemption_scope`` answer depends on the registered limits,
    exemptions and endpoint hints (every registration bumps ``generation``), the app's views
    and blueprints (their counts: Flask refuses new routes once it has served a request) and
    the limit strings that ``ConfigLimit`` providers read from the app's config (their values).
    All of these are in the cache's stamp; a change empties that app's cache. A limit whose
    string comes from any other callable could change unseen, so while one is registered
    nothing is cached. ``resolutions`` counts the resolutions actually computed (tests).

    The manager is flask-limiter's internal class (``flask_limiter._manager``); it is used only
    when its ``resolve_limits`` has the signature written against (flask-limiter 4.x), see
    :func:`resolve_once_per_endpoint`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.generation = 0
        self.resolutions = 0
        self._keys_generation = -1
        self._config_keys: tuple[str, ...] | None = None
        self._resolved: weakref.WeakKeyDictionary[Flask, _Resolved] = weakref.WeakKeyDictionary()

    # Every registration changes what resolution answers.
    def _changed(self) -> None:
        self.generation += 1

    def set_application_limits(self, limits: Any) -> None:
        super().set_application_limits(limits)
        self._changed()

    def set_default_limits(self, limits: Any) -> None:
        super().set_default_limits(limits)
        self._changed()

    def add_decorated_limit(self, route: str, limit: Limit | None, override: bool = False) -> None:
        super().add_decorated_limit(route, limit, override)
        self._changed()

    def add_blueprint_limit(self, blueprint: str, limit: Limit | None) -> None:
        super().add_blueprint_limit(blueprint, limit)
        self._changed()

    def add_route_exemption(self, route: str, scope: ExemptionScope) -> None:
        super().add_route_exemption(route, scope)
        self._changed()

    def add_blueprint_exemption(self, blueprint: str, scope: ExemptionScope) -> None:
        super().add_blueprint_exemption(blueprint, scope)
        self._changed()

    def add_endpoint_hint(self, endpoint: str, callable: str) -> None:
        # flask-limiter calls this on every request through a limited callable that is not
        # the view function itself; only a new hint changes anything.
        if callable not in self._endpoint_hints.get(endpoint, ()):
            super().add_endpoint_hint(endpoint, callable)
            self._changed()

    def _limit_definitions(self) -> Iterator[Limit]:
        yield from self._application_limits
        yield from self._default_limits
        for groups in (*self._decorated_limits.values(), *self._blueprint_limits.values()):
            yield from groups

    def _keys(self) -> tuple[str, ...] | None:
        """The config keys the registered limit strings are read from; None when a string
        comes from a callable whose inputs are unknown (then nothing is cached)."""
        if self._keys_generation != self.generation:
            keys: set[str] | None = set()
            for definition in self._limit_definitions():
                metas = [
                    m.limit_provider if isinstance(m, MetaLimit) else m
                    for m in definition.meta_limits or ()
                ]
                for provider in (definition.limit_provider, *metas):
                    if isinstance(provider, ConfigLimit) and keys is not None:
                        keys.add(provider.key)
                    elif not isinstance(provider, str):
                        keys = None
            self._config_keys = None if keys is None else tuple(sorted(keys))
            self._keys_generation = self.generation
        return self._config_keys

    def _memo(self, app: Flask) -> _Resolved | None:
        keys = self._keys()
        if keys is None:
            return None
        # flask-limiter passes ``flask.current_app``: key on the app, not on the proxy.
        unwrap = getattr(app, "_get_current_object", None)
        if unwrap is not None:
            app = unwrap()
        config = app.config
        stamp = (
            self.generation,
            len(app.view_functions),
            len(app.blueprints),
            *[config.get(key) for key in keys],
        )
        memo = self._resolved.get(app)
        if memo is None or memo.stamp != stamp:
            memo = self._resolved[app] = _Resolved(stamp)
        return memo

    def resolve_limits(
        self,
        app: Flask,
        endpoint: str | None = None,
        blueprint: str | None = None,
        callable_name: str | None = None,
        in_middleware: bool = False,
        marked_for_limiting: bool = False,
    ) -> tuple[list[RuntimeLimit], ...]:
        memo = self._memo(app)
        # The method too: flask-limiter decides whether the defaults apply beside a limit
        # declared for some methods only (``method_exempt``) from the request's method.
        method = request.method if has_request_context() else None
        key = (endpoint, blueprint, callable_name, in_middleware, marked_for_limiting, method)
        found = None if memo is None else memo.limits.get(key)
        if found is None:
            self.resolutions += 1
            resolved = super().resolve_limits(
                app, endpoint, blueprint, callable_name, in_middleware, marked_for_limiting
            )
            found = tuple(tuple(limits) for limits in resolved)
            if memo is not None:
                memo.limits[key] = found
        # Fresh lists: the caller may extend them.
        return tuple(list(limits) for limits in found)

    def exemption_scope(
        self, app: Flask, endpoint: str | None, blueprint: str | None
    ) -> ExemptionScope:
        memo = self._memo(app)
        if memo is None:
            return super().exemption_scope(app, endpoint, blueprint)
        scope = memo.scopes.get((endpoint, blueprint))
        if scope is None:
            scope = memo.scopes[endpoint, blueprint] = super().exemption_scope(
                app, endpoint, blueprint
            )
        return scope


_RESOLVE_PARAMETERS = [
    "self",
    "app",
    "endpoint",
    "blueprint",
    "callable_name",
    "in_middleware",
    "marked_for_limiting",
]


def resolve_once_per_endpoint(limiter: Limiter) -> Limiter:
    """Give ``limiter`` a :class:`OncePerEndpointLimitManager` holding what its manager held.
    Call it before any limit is declared. Left as it is when flask-limiter's manager is not the
    one this was written against (its ``resolve_limits`` signature differs)."""
    manager = limiter.limit_manager
    if (
        type(manager) is LimitManager
        and list(inspect.signature(LimitManager.resolve_limits).parameters) == _RESOLVE_PARAMETERS
    ):
        limiter.limit_manager = OncePerEndpointLimitManager(
            application_limits=manager._application_limits,
            default_limits=manager._default_limits,
            decorated_limits=manager._decorated_limits,
            blueprint_limits=manager._blueprint_limits,
            route_exemptions=manager._route_exemptions,
            blueprint_exemptions=manager._blueprint_exemptions,
        )
    return limiter


limiter = resolve_once_per_endpoint(Limiter(key_func=get_remote_address))  # headers: config


def _config(name: str) -> Any:
    return ConfigLimit(name)


def _failed(*statuses: int) -> Any:
    return lambda response: response.status_code in statuses


submission_limit = limiter.limit(_config("RATELIMIT_SUBMIT"), methods=["POST"])
tracking_limit = limiter.shared_limit(_config("RATELIMIT_TRACKING"), scope="tracking")
tracking_failure_limit = limiter.shared_limit(
    _config("RATELIMIT_TRACKING_FAILURES"), scope="tracking-failures", deduct_when=_failed(404)
)
form_pdf_limit = limiter.limit(_config("RATELIMIT_FORM_PDF"))


@limiter.request_filter
def _inactive() -> bool:
    """``RATELIMIT_ACTIVE = False`` exempts one app (the test suite's shared apps)."""
    return not current_app.config.get("RATELIMIT_ACTIVE", True)


def retry_after_seconds() -> int | None:
    """Seconds until the limit that refused this request lets the caller in again (at least 1);
    None when no limit refused it. One read of that limit's counter, on 429 answers only."""
    refused = limiter.current_limit
    if refused is None or not refused.breached:
        return None
    return max(1, int(refused.reset_at - time.time()))


def init_app(app: Flask) -> None:
    # Counters live in Redis, shared by every worker and host (a per-process memory store would
    # multiply each limit by the number of workers); if Redis is unreachable the limiter falls
    # back to memory until it returns, rather than failing requests.
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # Failed bearer authentication (401) on any endpoint counts against one application-wide
    # limit per address, so guesses cannot be spread over many endpoints.
    app.config.setdefault("RATELIMIT_APPLICATION_DEDUCT_WHEN", _failed(401))
    app.config.setdefault("RATELIMIT_APPLICATION", app.config["RATELIMIT_AUTH_FAILURES"])
    limiter.init_app(app)
