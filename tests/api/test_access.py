"""Roles and isolation: a table of endpoint × role, and cross-agency 404s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World, person
from tests.helpers import register

# (method, path template, body, {who: expected status})
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    (
        "GET",
        "/cases",
        None,
        {
            "registrar": 200,
            "handler": 200,
            "approver": 200,
            "admin": 200,
            "oversight": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/cases/{case}",
        None,
        {
            "registrar": 200,
            "handler": 200,
            "oversight": 200,
            "handler_b": 404,
            "oversight2": 404,
            "handler_c": 404,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/cases/{case}/history",
        None,
        {"handler": 200, "oversight": 200, "handler_b": 404, "anonymous": 401},
    ),
    (
        "POST",
        "/cases/{case}/transitions",
        {"action": "start_review"},
        {"oversight": 403, "admin": 403, "handler_b": 404, "anonymous": 401},
    ),
    (
        "POST",
        "/cases/{case}/notes",
        {"body": "内部备注"},
        {"handler": 201, "oversight": 403, "handler_b": 404, "anonymous": 401},
    ),
    (
        "POST",
        "/cases",
        {"channel": "in_person", "applicant": person(), "requested_information": "某信息"},
        {"registrar": 201, "handler": 403, "approver": 403, "oversight": 403, "anonymous": 401},
    ),
    (
        "GET",
        "/admin/users",
        None,
        {"admin": 200, "handler": 403, "oversight": 403, "anonymous": 401},
    ),
    ("GET", "/admin/agencies", None, {"admin": 200, "registrar": 403, "anonymous": 401}),
    ("GET", "/public/agencies", None, {"anonymous": 200, "handler": 200}),
    ("GET", "/meta/enums", None, {"anonymous": 200}),
]

CASES = [
    (method, path, body, who, status)
    for method, path, body, expected in MATRIX
    for who, status in expected.items()
]


@pytest.mark.parametrize(("method", "path", "body", "who", "status"), CASES)
def test_endpoint_role_matrix(
    client: Any, world: World, method: str, path: str, body: Any, who: str, status: int
) -> None:
    case_id = register(client, world)["id"]
    headers = {} if who == "anonymous" else world.auth(who)
    response = client.open(path.format(case=case_id), method=method, json=body, headers=headers)
    assert response.status_code == status, response.json
    if status >= 400:
        assert set(response.json) >= {"code", "status", "message"}


def test_oversight_lists_only_agencies_under_it(client: Any, world: World) -> None:
    register(client, world)
    assert len(client.get("/cases", headers=world.auth("oversight")).json) == 1
    assert client.get("/cases", headers=world.auth("oversight2")).json == []
    assert client.get("/cases", headers=world.auth("handler_b")).json == []


def test_revoked_and_bad_tokens_are_refused(client: Any, world: World) -> None:
    assert client.get("/cases", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/cases", headers={"Authorization": "Basic abc"}).status_code == 401
    tokens = client.get(
        f"/admin/users/{world.users['handler']}/tokens", headers=world.auth("admin")
    ).json
    revoked = client.delete(f"/admin/tokens/{tokens[0]['id']}", headers=world.auth("admin"))
    assert revoked.status_code == 200
    assert client.get("/cases", headers=world.auth("handler")).status_code == 401


def test_admin_enrols_a_user_and_manages_roles(client: Any, world: World) -> None:
    created = client.post(
        "/admin/users",
        json={"username": "new.handler", "display_name": "新承办人", "roles": ["handler"]},
        headers=world.auth("admin"),
    )
    assert created.status_code == 201, created.json
    # The admin never holds the new officer's token: a one-time code, redeemed by the officer.
    code = client.post(
        f"/admin/users/{created.json['id']}/enrolment", headers=world.auth("admin")
    ).json["code"]
    token = client.post("/auth/enrolment", json={"code": code, "name": "laptop"}).json["token"]
    assert client.get("/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    dup = client.post(
        "/admin/users",
        json={"username": "new.handler", "display_name": "重复", "roles": ["handler"]},
        headers=world.auth("admin"),
    )
    assert dup.status_code == 409
    other = client.patch(
        f"/admin/users/{world.users['handler_c']}",
        json={"active": False},
        headers=world.auth("admin"),
    )
    assert other.status_code == 404


def test_admin_changes_are_audited(client: Any, world: World) -> None:
    changed = client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"intake_office": {"phone": "010-87654321"}},
        headers=world.auth("admin"),
    )
    assert changed.status_code == 200, changed.json
    client.post(f"/admin/users/{world.users['handler']}/enrolment", headers=world.auth("admin"))
    events = client.get("/admin/events", headers=world.auth("admin")).json
    assert [e["action"] for e in events[:2]] == ["enrolment_create", "agency_update"]
    update = events[1]
    assert update["before"]["intake_phone"] == "010-12345678"
    assert update["after"]["intake_phone"] == "010-87654321"
    assert update["actor_name"] == "用户admin"
    assert client.get("/admin/events", headers=world.auth("handler")).status_code == 403
