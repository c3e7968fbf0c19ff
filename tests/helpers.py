"""What API tests do again and again: register a case, act on it, check the answer."""

from __future__ import annotations

from typing import Any

from tests.factories import World, person


def register(client: Any, world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "channel": "in_person",
        "applicant": person(),
        "requested_information": "2025年本市重点建设项目计划",
        "submitted_at": "2026-03-02T10:00:00+08:00",
    }
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post("/cases", json=body, headers=world.auth("registrar"))
    assert response.status_code == 201, response.json
    return response.json


def act(client: Any, world: World, who: str, case_id: int, action: str, **data: Any) -> Any:
    return client.post(
        f"/cases/{case_id}/transitions", json={"action": action, **data}, headers=world.auth(who)
    )


PAYMENT = {"amount": "100.00", "payment_method": "银行转账", "receipt_number": "FS-0001"}


def propose_fee(client: Any, world: World, case_id: int, *, units: int) -> dict[str, Any]:
    response = client.post(
        f"/cases/{case_id}/fees/proposal",
        json={"method": "per_piece", "units": units},
        headers=world.auth("handler"),
    )
    assert response.status_code == 201, response.json
    return response.json


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.json
    return response.json


def in_handling(client: Any, world: World, **overrides: Any) -> dict[str, Any]:
    case = register(client, world, **overrides)
    on = case["receipt_date"]
    ok(act(client, world, "handler", case["id"], "start_review", on=on))
    ok(act(client, world, "handler", case["id"], "accept", on=on))
    return case
