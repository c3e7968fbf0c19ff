"""Limits resolved once per endpoint (issue 16): flask-limiter rebuilt every applicable limit on
every request; ``OncePerEndpointLimitManager`` keeps each endpoint's resolution per app. These
tests pin that limits, exemptions, newly registered limits and changed settings behave exactly
as before, and that resolution happens once per endpoint, not once per request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter

from requests_service.api.limits import (
    ConfigLimit,
    OncePerEndpointLimitManager,
    limiter,
    resolve_once_per_endpoint,
)
from tests.api.test_guards import assert_error
from tests.factories import World, person


def _manager() -> OncePerEndpointLimitManager:
    manager = limiter.limit_manager
    assert isinstance(manager, OncePerEndpointLimitManager)  # installed flask-limiter is 4.x
    return manager


def _receipt(client: Any, world: World) -> dict[str, Any]:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(1),
            "requested_information": "请公开2025年本市重点建设项目计划",
        },
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def assert_limited(response: Any) -> None:
    body = assert_error(response, 429)
    assert "请求过于频繁" in body["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_limits_are_resolved_once_per_endpoint_not_per_request(
    client: Any, world: World, limited: Any
) -> None:
    receipt = _receipt(client, world)
    url = f"/public/tracking/{receipt['tracking_code']}"
    headers = {"X-Tracking-Secret": receipt["tracking_secret"]}
    manager = _manager()
    # The first request teaches flask-limiter that the view's method carries limits (an
    # endpoint hint, a registration), so the second resolves the endpoint's limits again.
    for _ in range(2):
        assert client.get(url, headers=headers).status_code == 200
    first = manager.resolutions
    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 200
    assert manager.resolutions == first  # the next three requests resolved nothing
    # The limits were still counted: the sixth request is refused, with Retry-After.
    assert_limited(client.get(url, headers=headers))

    # A calculator (only the application-wide limit) resolves once too.
    body = {"channel": "in_person", "submitted_at": "2026-03-02T10:00:00+08:00", "events": []}
    before = manager.resolutions
    assert client.post("/calendar/deadline-calculator", json=body).status_code == 200
    once = manager.resolutions
    for _ in range(5):
        assert client.post("/calendar/deadline-calculator", json=body).status_code == 200
    assert once - before <= 2 and manager.resolutions == once


def test_a_changed_limit_setting_is_seen_by_the_next_request(
    client: Any, world: World, limited: Any
) -> None:
    receipt = _receipt(client, world)
    url = f"/public/tracking/{receipt['tracking_code']}"
    headers = {"X-Tracking-Secret": receipt["tracking_secret"]}
    for _ in range(2):
        assert client.get(url, headers=headers).status_code == 200
    # A new limit string counts in a counter of its own (``limits`` keys it by the limit).
    limited.config["RATELIMIT_TRACKING"] = "2/minute"
    for _ in range(2):
        assert client.get(url, headers=headers).status_code == 200
    assert_limited(client.get(url, headers=headers))
    limited.config["RATELIMIT_TRACKING"] = "50/minute"
    assert client.get(url, headers=headers).status_code == 200


def _bare_app() -> tuple[Flask, Any]:
    """A minimal app with a limiter of its own, using the same manager."""

    app = Flask(__name__)
    app.config.update(
        RATELIMIT_STORAGE_URI="memory://", RATELIMIT_DEFAULT="2/minute", OWN_LIMIT="3/minute"
    )
    own = resolve_once_per_endpoint(Limiter(key_func=lambda: "client"))
    assert isinstance(own.limit_manager, OncePerEndpointLimitManager)
    return app, own


def test_exemptions_are_still_respected() -> None:
    app, own = _bare_app()
    exempt_bp = Blueprint("open", __name__)

    @app.get("/limited")
    def limited_view() -> str:
        return "ok"

    @app.get("/exempt")
    @own.exempt
    def exempt_view() -> str:
        return "ok"

    @exempt_bp.get("/inside")
    def inside() -> str:
        return "ok"

    @app.get("/configured")
    @own.limit(ConfigLimit("OWN_LIMIT"))
    def configured() -> str:
        return "ok"

    own.exempt(exempt_bp)
    app.register_blueprint(exempt_bp, url_prefix="/open")
    own.init_app(app)
    client = app.test_client()
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]
    assert {client.get("/exempt").status_code for _ in range(6)} == {200}
    assert {client.get("/open/inside").status_code for _ in range(6)} == {200}
    # The decorated limit (from config) replaces the default one.
    assert [client.get("/configured").status_code for _ in range(4)] == [200, 200, 200, 429]
    # A new limit string counts in a counter of its own (``limits`` keys it by the limit).
    app.config["OWN_LIMIT"] = "5/minute"
    assert [client.get("/configured").status_code for _ in range(6)] == [200] * 5 + [429]


def test_a_limit_registered_after_requests_is_seen() -> None:
    app, own = _bare_app()
    app.config["RATELIMIT_DEFAULT"] = "100/minute"
    work: dict[str, Any] = {"step": lambda: "ok"}
    bp = Blueprint("late", __name__)

    @app.get("/work")
    def view() -> str:
        return str(work["step"]())

    @bp.get("/thing")
    def thing() -> str:
        return "ok"

    app.register_blueprint(bp, url_prefix="/late")
    own.init_app(app)
    client = app.test_client()
    assert {client.get("/work").status_code for _ in range(3)} == {200}
    assert {client.get("/late/thing").status_code for _ in range(3)} == {200}
    generation = own.limit_manager.generation

    # A limited callable inside the view (flask-limiter's endpoint hint) …
    work["step"] = own.limit("1/minute")(lambda: "ok")
    assert [client.get("/work").status_code for _ in range(2)] == [200, 429]
    # … and a blueprint limit declared after the blueprint served requests.
    own.limit("1/minute")(bp)
    assert [client.get("/late/thing").status_code for _ in range(2)] == [200, 429]
    assert own.limit_manager.generation > generation


def test_a_limit_string_from_an_unknown_callable_is_never_cached() -> None:
    app, own = _bare_app()
    current = {"limit": "1/minute"}

    @app.get("/dynamic")
    @own.limit(lambda: current["limit"])
    def dynamic() -> str:
        return "ok"

    own.init_app(app)
    client = app.test_client()
    assert [client.get("/dynamic").status_code for _ in range(2)] == [200, 429]
    current["limit"] = "5/minute"  # no config key to watch: resolved on every request
    assert client.get("/dynamic").status_code == 200
    before = own.limit_manager.resolutions
    client.get("/dynamic")
    assert own.limit_manager.resolutions > before


def _method_limited_app(*, cached: bool) -> Flask:
    """Defaults of 1/minute beside a limit declared for POST only, on a GET+POST view."""
    limiter = Limiter(key_func=lambda: "k", default_limits=["1/minute"], storage_uri="memory://")
    if cached:
        limiter = resolve_once_per_endpoint(limiter)
    app = Flask(__name__)

    @app.route("/x", methods=["GET", "POST"])
    @limiter.limit("100/minute", methods=["POST"])
    def x() -> str:
        return "ok"

    limiter.init_app(app)
    return app


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        (["POST", "GET", "GET"], [200, 200, 429]),  # GET falls under the default
        (["GET", "POST", "POST"], [200, 200, 200]),  # POST does not
    ],
)
def test_resolution_once_per_endpoint_and_method(methods: list[str], expected: list[int]) -> None:
    """Resolved once per endpoint *and method*: the first method's answer is not reused for
    another, as flask-limiter's own resolution (compared here) would not."""
    for cached in (False, True):
        client = _method_limited_app(cached=cached).test_client()
        codes = [client.open("/x", method=m).status_code for m in methods]
        assert codes == expected, (cached, codes)
