"""One error shape for every failure: {code, status, message, reason, errors?, details?}."""

from __future__ import annotations

from typing import Any

from requests_service.api.errors import JsonErrorsMiddleware, flatten_errors
from tests.factories import World
from tests.helpers import act, register

SHAPE = {"code", "status", "message", "reason", "errors", "details"}


def check_shape(response: Any, code: int, reason: str) -> dict[str, Any]:
    body = response.json
    assert response.status_code == code, body
    assert response.mimetype == "application/json"
    assert set(body) <= SHAPE and {"code", "status", "message", "reason"} <= set(body), body
    assert body["code"] == code and body["reason"] == reason, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    for field, messages in body.get("errors", {}).items():
        assert isinstance(field, str) and all(isinstance(m, str) for m in messages)
    return body


def test_malformed_json_is_answered_in_chinese(client: Any, world: World) -> None:
    response = client.post(
        "/public/applications", data="{bad", headers={"Content-Type": "application/json"}
    )
    check_shape(response, 400, "malformed_json")
    case = register(client, world)
    response = client.post(
        f"/cases/{case['id']}/transitions",
        data=b'{"action": "start_review",}',
        headers={**world.auth("handler"), "Content-Type": "application/json"},
    )
    check_shape(response, 400, "malformed_json")


def test_schema_errors_are_flat(client: Any, world: World) -> None:
    response = client.post(
        "/cases", json={"applicant": {"name": ""}}, headers=world.auth("registrar")
    )
    body = check_shape(response, 422, "validation_failed")
    assert "applicant.name" in body["errors"] and "channel" in body["errors"]
    assert "json" not in body["errors"]
    bad_query = client.get("/cases?sort=bogus", headers=world.auth("handler"))
    assert "sort" in check_shape(bad_query, 422, "validation_failed")["errors"]


def test_transition_conflict_has_a_reason_and_details(client: Any, world: World) -> None:
    case = register(client, world)
    body = check_shape(
        act(client, world, "handler", case["id"], "archive"), 409, "invalid_transition"
    )
    assert body["details"]["state"] == "registered"
    assert "delivered" in body["details"]["allowed_states"]


def test_domain_rule_errors_use_the_same_flat_errors(client: Any, world: World) -> None:
    case = register(client, world)
    act(client, world, "handler", case["id"], "start_review")
    # The action's schema now says what is required: the schema answers, before the domain.
    missing = act(client, world, "handler", case["id"], "request_correction")
    body = check_shape(missing, 422, "validation_failed")
    assert body["errors"] == {"correction_items": ["此项为必填项。"]}
    # What only the domain knows (details an outcome needs) comes back in the same place.
    partial = act(
        client, world, "handler", case["id"], "draft_reply", outcome="partially_disclosed"
    )
    body = check_shape(partial, 422, "rule_violation")
    assert "withheld_parts" in body["errors"]


def test_deadline_calculator_names_its_field_in_errors(client: Any) -> None:
    response = client.post(
        "/calendar/deadline-calculator",
        json={"channel": "carrier_pigeon", "submitted_at": "2026-03-02T10:00:00+08:00"},
    )
    body = response.json
    assert response.status_code == 422, body
    assert body["reason"] in ("rule_violation", "validation_failed")
    assert "channel" in body["errors"] and "field" not in body.get("details", {})


def test_auth_etag_and_not_found(client: Any, world: World) -> None:
    check_shape(client.get("/cases"), 401, "unauthenticated")
    check_shape(client.get("/cases/999999999", headers=world.auth("handler")), 404, "not_found")
    case = register(client, world)
    stale = client.post(
        f"/cases/{case['id']}/transitions",
        json={"action": "start_review"},
        headers={**world.auth("handler"), "If-Match": '"stale"'},
    )
    check_shape(stale, 412, "precondition_failed")


def test_flatten_errors() -> None:
    nested = {"json": {"applicant": {"name": ["短"]}, "items": {0: ["空"]}, "_schema": ["整体"]}}
    assert flatten_errors(nested) == {
        "applicant.name": ["短"],
        "items.0": ["空"],
        "_schema": ["整体"],
    }


def test_errors_escaping_flask_are_json() -> None:
    def broken(_environ: Any, _start_response: Any) -> Any:
        raise RuntimeError("boom")

    seen: list[Any] = []
    body = JsonErrorsMiddleware(broken)(
        {}, lambda status, headers, *_: seen.append((status, headers))
    )
    assert seen[0][0].startswith("500")
    assert b'"reason": "internal_error"' in body[0]


def test_demo_tokens_and_data_only_in_demo_mode(client: Any, app: Any) -> None:
    refused = client.get("/cases", headers={"Authorization": "Bearer rs_demo_handler"})
    check_shape(refused, 401, "demo_token_outside_demo")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "DEMO=1" in result.output


def test_a_discriminator_that_is_not_a_string_is_a_422(client: Any, world: World) -> None:
    """Found by the contract fuzzer: {"decision": {}} was a TypeError (500)."""
    case = register(client, world)
    for body in ({"decision": {}}, {"decision": ["reply"]}, {"decision": 3}):
        response = client.post(
            f"/cases/{case['id']}/decisions", json=body, headers=world.auth("handler")
        )
        assert response.status_code == 422, response.json
        assert "decision" in response.json["errors"]
    for body in ({"action": {}}, {"action": None}):
        response = client.post(
            f"/cases/{case['id']}/transitions", json=body, headers=world.auth("handler")
        )
        assert response.status_code == 422, response.json
        assert "action" in response.json["errors"]
