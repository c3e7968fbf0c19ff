"""Webhook subscriptions through the API: audited, host allow-list, dead letters, re-send."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from requests_service.db.models import AdminEvent
from requests_service.jobs.events import drain
from tests.factories import World
from tests.helpers import register
from tests.receiver import Receiver, running


@pytest.fixture
def hooks(app: Any) -> Any:
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ("127.0.0.1",)
    app.config["WEBHOOK_BACKOFF_SECONDS"] = 0
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 3
    return app


def subscribe(client: Any, world: World, url: str, **extra: Any) -> Any:
    return client.post(
        "/webhooks/subscriptions", json={"url": url, **extra}, headers=world.auth("admin")
    )


def test_subscription_secret_is_shown_once_and_never_audited(
    hooks: Any, client: Any, world: World
) -> None:
    created = subscribe(client, world, "http://127.0.0.1:9/hooks", event_types=["case.registered"])
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    assert secret.startswith("whsec_") and len(secret) > 30
    sub_id = created.json["id"]
    shown = client.get(f"/webhooks/subscriptions/{sub_id}", headers=world.auth("admin"))
    assert shown.status_code == 200 and "secret" not in shown.json
    listed = client.get("/webhooks/subscriptions", headers=world.auth("admin"))
    assert [s["id"] for s in listed.json] == [sub_id] and "secret" not in listed.json[0]
    changed = client.patch(
        f"/webhooks/subscriptions/{sub_id}", json={"active": False}, headers=world.auth("admin")
    )
    assert changed.status_code == 200 and "secret" not in changed.json
    rotated = client.post(f"/webhooks/subscriptions/{sub_id}/secret", headers=world.auth("admin"))
    assert rotated.json["secret"] not in (None, secret)
    session = hooks.extensions["db_session_factory"]()
    audit = session.scalars(
        select(AdminEvent)
        .where(AdminEvent.target_type == "WebhookSubscription")
        .order_by(AdminEvent.id)
    ).all()
    assert [a.action for a in audit] == ["webhook_create", "webhook_update", "webhook_update"]
    assert audit[1].before["active"] is True and audit[1].after["active"] is False
    assert secret not in str([(a.before, a.after) for a in audit])
    assert rotated.json["secret"] not in str([(a.before, a.after) for a in audit])
    session.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://10.0.0.8/hooks", "主机 10.0.0.8 未被允许"),
        ("http://evil.example.com/hooks", "未被允许"),
        ("ftp://127.0.0.1/hooks", "http"),
        ("http://user:pw@127.0.0.1/hooks", "凭据"),
        ("http://127.0.0.1:99999/hooks", "格式"),
    ],
)
def test_subscription_url_must_go_to_a_configured_host(
    hooks: Any, client: Any, world: World, url: str, message: str
) -> None:
    response = subscribe(client, world, url)
    assert response.status_code == 422
    assert response.json["code"] == 422 and message in str(response.json)


def test_subscription_inputs_and_access(hooks: Any, client: Any, world: World) -> None:
    bad_type = subscribe(client, world, "http://127.0.0.1/h", event_types=["case.exploded"])
    assert bad_type.status_code == 422 and bad_type.json["status"] == "Unprocessable Entity"
    forbidden = client.post(
        "/webhooks/subscriptions",
        json={"url": "http://127.0.0.1/h"},
        headers=world.auth("handler"),
    )
    assert forbidden.status_code == 403
    assert client.get("/webhooks/subscriptions").status_code == 401
    other = subscribe(client, world, "http://127.0.0.1/h", agency_id=world.agencies["C"])
    assert other.status_code == 404
    created = subscribe(client, world, "http://127.0.0.1/h")
    assert (
        client.get(
            f"/webhooks/subscriptions/{created.json['id'] + 999}", headers=world.auth("admin")
        ).status_code
        == 404
    )


def test_dead_letter_after_the_limit_then_manual_resend(
    hooks: Any, client: Any, world: World
) -> None:
    receiver = Receiver("", failures=[500, 502, 503])
    with running(receiver):
        created = subscribe(client, world, receiver.url)
        receiver.secret = created.json["secret"]
        register(client, world)
        report = drain(hooks)
        assert report.dead == 1 and report.failed == 2 and receiver.accepted == {}
        dead = client.get("/webhooks/dead-letters", headers=world.auth("admin"))
        assert dead.status_code == 200 and len(dead.json) == 1
        letter = dead.json[0]
        assert letter["status"] == "dead" and letter["attempts"] == 3
        assert letter["last_status_code"] == 503 and "503" in letter["last_error"]
        detail = client.get(f"/webhooks/deliveries/{letter['id']}", headers=world.auth("admin"))
        assert [a["status_code"] for a in detail.json["log"]] == [500, 502, 503]
        assert detail.json["payload"]["id"] == letter["event_id"]
        resent = client.post(
            f"/webhooks/deliveries/{letter['id']}/resend", headers=world.auth("admin")
        )
        assert resent.status_code == 200 and resent.json["status"] == "pending"
        assert drain(hooks).delivered == 1
        assert list(receiver.accepted) == [letter["event_id"]]
        log = client.get(
            f"/webhooks/subscriptions/{created.json['id']}/deliveries?status=succeeded",
            headers=world.auth("admin"),
        )
        assert [d["id"] for d in log.json] == [letter["id"]]
        assert client.get("/webhooks/dead-letters", headers=world.auth("admin")).json == []
        missing = client.post("/webhooks/deliveries/999999/resend", headers=world.auth("admin"))
        assert missing.status_code == 404


def test_redirect_to_another_host_is_not_followed(hooks: Any, client: Any, world: World) -> None:
    target = Receiver("")
    with running(target):
        hooks.config["WEBHOOK_ALLOWED_HOSTS"] = ("127.0.0.1", "localhost")
        bouncer = Receiver("", redirect_to=f"http://localhost:{target.port}/hooks")
        with running(bouncer):
            created = subscribe(client, world, bouncer.url.replace("/hooks", "/old"))
            target.secret = bouncer.secret = created.json["secret"]
            register(client, world)
            report = drain(hooks)
            assert report.delivered == 0
            assert target.requests == [] and len(bouncer.requests) == 3
            dead = client.get("/webhooks/dead-letters", headers=world.auth("admin")).json
            assert "拒绝跟随重定向" in dead[0]["last_error"]


def test_redirect_within_the_host_is_followed(hooks: Any, client: Any, world: World) -> None:
    receiver = Receiver("", redirect_to="/hooks")
    with running(receiver):
        created = subscribe(client, world, receiver.url.replace("/hooks", "/old-path"))
        receiver.secret = created.json["secret"]
        register(client, world)
        assert drain(hooks).delivered == 1
        assert [r["path"] for r in receiver.requests] == ["/old-path", "/hooks"]
        assert len(receiver.accepted) == 1


def test_redirect_to_another_port_is_not_followed(hooks: Any, client: Any, world: World) -> None:
    target = Receiver("")
    with running(target):
        bouncer = Receiver("", redirect_to=f"http://127.0.0.1:{target.port}/hooks")
        with running(bouncer):
            created = subscribe(client, world, bouncer.url.replace("/hooks", "/old"))
            target.secret = created.json["secret"]
            register(client, world)
            assert drain(hooks).delivered == 0
            assert target.requests == []


def test_host_removed_from_configuration_stops_deliveries(
    hooks: Any, client: Any, world: World
) -> None:
    receiver = Receiver("")
    with running(receiver):
        created = subscribe(client, world, receiver.url)
        receiver.secret = created.json["secret"]
        hooks.config["WEBHOOK_ALLOWED_HOSTS"] = ("hooks.example.gov.cn",)
        register(client, world)
        report = drain(hooks)
        assert report.delivered == 0 and receiver.requests == []
        dead = client.get("/webhooks/dead-letters", headers=world.auth("admin")).json
        assert "不在系统允许的范围内" in dead[0]["last_error"]
