"""Fees through the API: vectors, the workflow end to end, aggregation, bad inputs, totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import World, person
from tests.helpers import PAYMENT, act, in_handling, ok, propose_fee, register

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "vectors.json").read_text(encoding="utf-8")
)["vectors"]
FEE_VECTORS = [v for v in VECTORS if v["kind"] == "fee"]


@pytest.mark.parametrize("vector", FEE_VECTORS, ids=lambda v: v["id"])
def test_fee_vector_through_calculator_endpoint(client: Any, vector: dict[str, Any]) -> None:
    response = client.post("/fees/calculator", json=vector["inputs"])
    assert response.status_code == 200, response.json
    assert Decimal(str(response.json["yuan"])) == Decimal(str(vector["expected"]["yuan"]))
    assert response.json["yuan"] == vector["expected"]["yuan"]
    assert Decimal(response.json["amount"]) == Decimal(str(vector["expected"]["yuan"]))
    assert response.json["explanation"]


@pytest.mark.parametrize(
    "body",
    [
        {"method": "per_volume", "pages": -1},
        {"method": "per_volume", "pages": 10**9},
        {"method": "per_volume", "pages": 10.5},
        {"method": "per_volume", "pages": "10.000001"},
        {"method": "per_volume", "pages": True},
        {"method": "per_piece"},
        {"method": "per_kilo", "pages": 3},
    ],
)
def test_fee_calculator_bad_inputs_are_422(client: Any, body: dict[str, Any]) -> None:
    response = client.post("/fees/calculator", json=body)
    assert response.status_code == 422, response.json
    assert response.json["errors"], response.json  # names the field at fault
    assert "amount" not in response.json


def test_fee_notice_pause_payment_and_reply(client: Any, world: World) -> None:
    case = in_handling(client, world, submitted_at="2026-08-03T10:00:00+08:00")
    case_id = case["id"]
    assert case["due_on"] == "2026-08-31"
    proposal = propose_fee(client, world, case_id, units=15)
    assert proposal["amount"] == "500.00"
    assert proposal["status"] == "proposed"
    assert any("第11—15件" in line for line in proposal["breakdown"]["explanation"])
    notice = ok(act(client, world, "approver", case_id, "issue_fee_notice", on="2026-08-10"))
    assert notice["state"] == "awaiting_fee_payment"
    assert notice["fee_payment_due_on"] == "2026-09-07"  # received the day it was sent
    tracked = client.get(
        f"/public/tracking/{notice['tracking_code']}",
        headers={"X-Tracking-Secret": case["tracking_secret"]},
    ).json
    assert tracked["fees"][0]["amount_due"] == "500.00"
    assert tracked["paused"] is True
    wrong = act(
        client,
        world,
        "handler",
        case_id,
        "record_fee_payment",
        on="2026-08-14",
        amount="499.99",
        payment_method="银行转账",
        receipt_number="FS-1",
    )
    assert wrong.status_code == 422
    sneaky = act(
        client,
        world,
        "handler",
        case_id,
        "record_fee_payment",
        on="2026-08-14",
        amount="500.001",
        payment_method="银行转账",
        receipt_number="FS-1",
    )
    assert sneaky.status_code == 422
    as_number = act(
        client,
        world,
        "handler",
        case_id,
        "record_fee_payment",
        on="2026-08-14",
        amount=500,
        payment_method="银行转账",
        receipt_number="FS-1",
    )
    assert as_number.status_code == 422
    still = client.get(f"/cases/{case_id}", headers=world.auth("handler")).json
    assert still["state"] == "awaiting_fee_payment"
    paid = ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "record_fee_payment",
            on="2026-08-14",
            amount="500.00",
            payment_method="银行转账",
            receipt_number="FS-2026-0001",
        )
    )
    # Moved by exactly the unpaid period: (10 Aug, 14 Aug] holds 4 working days.
    assert paid["due_on"] == "2026-09-04"
    assert paid["fees"][0]["status"] == "paid"
    assert paid["fees"][0]["receipt_number"] == "FS-2026-0001"
    reply = {
        "outcome": "disclosed",
        "reasons": "予以公开。",
        "details": {"disclosure_route": "provided"},
    }
    ok(act(client, world, "handler", case_id, "draft_reply", on="2026-08-20", **reply))
    replied = ok(act(client, world, "approver", case_id, "approve_reply", on="2026-08-21"))
    assert replied["state"] == "replied"
    totals = client.get(
        "/fees/totals?date_from=2026-08-01&date_to=2026-08-31", headers=world.auth("approver")
    ).json
    assert totals[0]["collected"] == "500.00"
    assert totals[0]["notices_issued"] == 1


def test_fee_never_paid_ends_the_case(client: Any, world: World) -> None:
    case = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    case_id = case["id"]
    propose_fee(client, world, case_id, units=12)
    ok(act(client, world, "approver", case_id, "issue_fee_notice", on="2026-03-04"))
    early = act(client, world, "handler", case_id, "deem_abandoned_no_fee", on="2026-03-20")
    assert early.status_code == 422
    report = client.post("/admin/jobs/close-lapsed", headers=world.auth("admin")).json
    assert report["closed_fee_unpaid"] == [case_id]
    closed = client.get(f"/cases/{case_id}", headers=world.auth("handler")).json
    assert closed["state"] == "closed_fee_unpaid"
    assert closed["outcome"] == "other_fee_unpaid"
    assert closed["fees"][0]["status"] == "abandoned"
    late = act(client, world, "handler", case_id, "record_fee_payment", **PAYMENT)
    assert late.status_code == 409
    assert (
        client.get(f"/cases/{case_id}", headers=world.auth("handler")).json["fees"][0]["status"]
        == "abandoned"
    )


def test_waiver_needs_policy_and_reason(client: Any, world: World) -> None:
    case = in_handling(client, world, submitted_at=None)
    case_id = case["id"]
    propose_fee(client, world, case_id, units=11)
    ok(act(client, world, "approver", case_id, "issue_fee_notice"))
    off = act(client, world, "approver", case_id, "waive_fee", reason="生活困难")
    assert off.status_code == 422
    enabled = client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"fee_waiver_allowed": True},
        headers=world.auth("admin"),
    )
    assert enabled.status_code == 200, enabled.json
    no_reason = act(client, world, "approver", case_id, "waive_fee")
    assert no_reason.status_code == 422
    reduced = client.post(
        f"/cases/{case_id}/fees/reduction",
        json={"amount": "50.00", "reason": "部分信息已公开"},
        headers=world.auth("approver"),
    )
    assert reduced.status_code == 200, reduced.json
    assert reduced.json["amount_due"] == "50.00"
    waived = ok(act(client, world, "approver", case_id, "waive_fee", reason="申请人生活困难"))
    assert waived["state"] == "in_handling"
    assert waived["fees"][0]["status"] == "waived"


def test_refund_after_withdrawal(client: Any, world: World) -> None:
    case = in_handling(client, world, submitted_at=None)
    case_id = case["id"]
    propose_fee(client, world, case_id, units=11)
    ok(act(client, world, "approver", case_id, "issue_fee_notice"))
    ok(act(client, world, "handler", case_id, "record_fee_payment", **PAYMENT))
    early = client.post(
        f"/cases/{case_id}/fees/refund",
        json={"amount": "100.00", "reason": "撤回"},
        headers=world.auth("approver"),
    )
    assert early.status_code == 409
    ok(act(client, world, "handler", case_id, "withdraw", reason="申请人书面撤回"))
    too_much = client.post(
        f"/cases/{case_id}/fees/refund",
        json={"amount": "100.01", "reason": "撤回"},
        headers=world.auth("approver"),
    )
    assert too_much.status_code == 422
    refund = client.post(
        f"/cases/{case_id}/fees/refund",
        json={"amount": "100.00", "reason": "申请人撤回申请，全额退费"},
        headers=world.auth("approver"),
    )
    assert refund.status_code == 200, refund.json
    assert refund.json["status"] == "refunded"


def test_same_person_is_counted_across_linked_records(client: Any, world: World) -> None:
    first = in_handling(client, world, submitted_at=None)
    second = in_handling(client, world, submitted_at=None, applicant=person(2, name="张叁"))
    preview = client.post(
        f"/cases/{second['id']}/fees/preview",
        json={"method": "per_piece", "units": 10},
        headers=world.auth("handler"),
    ).json
    assert preview["amount"] == "0.00"
    no_reason = client.post(
        f"/applicants/{second['applicant']['id']}/links",
        json={"same_as_id": first["applicant"]["id"], "reason": ""},
        headers=world.auth("handler"),
    )
    assert no_reason.status_code == 422
    link = client.post(
        f"/applicants/{second['applicant']['id']}/links",
        json={"same_as_id": first["applicant"]["id"], "reason": "同一人以不同姓名申请"},
        headers=world.auth("handler"),
    )
    assert link.status_code == 201, link.json
    preview = client.post(
        f"/cases/{second['id']}/fees/preview",
        json={"method": "per_piece", "units": 10},
        headers=world.auth("handler"),
    ).json
    # The first application is piece 1; these ten are pieces 2-11: one charged piece.
    assert preview["amount"] == "100.00"
    again = client.post(
        f"/applicants/{second['applicant']['id']}/links",
        json={"same_as_id": first["applicant"]["id"], "reason": "重复"},
        headers=world.auth("handler"),
    )
    assert again.status_code == 409
    foreign = client.post(
        f"/applicants/{second['applicant']['id']}/links",
        json={"same_as_id": first["applicant"]["id"], "reason": "越权"},
        headers=world.auth("handler_c") if "handler_c" in world.tokens else {},
    )
    assert foreign.status_code in (403, 404)


def test_bad_fee_proposals(client: Any, world: World) -> None:
    case = in_handling(client, world, submitted_at=None)
    case_id = case["id"]
    for body in (
        {"method": "per_piece", "units": -3},
        {"method": "per_piece", "units": 10**7},
        {"method": "per_volume"},
        {"method": "per_piece", "units": 5},
    ):
        response = client.post(
            f"/cases/{case_id}/fees/proposal", json=body, headers=world.auth("handler")
        )
        assert response.status_code == 422, (body, response.json)
    on_site = register(client, world, submitted_at=None, delivery_form="on_site")
    ok(act(client, world, "handler", on_site["id"], "start_review"))
    ok(act(client, world, "handler", on_site["id"], "accept"))
    volume = client.post(
        f"/cases/{on_site['id']}/fees/proposal",
        json={"method": "per_volume", "units": 100},
        headers=world.auth("handler"),
    )
    assert volume.status_code == 422
    propose_fee(client, world, case_id, units=11)
    twice = client.post(
        f"/cases/{case_id}/fees/proposal",
        json={"method": "per_piece", "units": 11},
        headers=world.auth("handler"),
    )
    assert twice.status_code == 409
    assert len(client.get(f"/cases/{case_id}/fees", headers=world.auth("handler")).json) == 1
    declined = client.post(
        f"/cases/{case_id}/fees/decline",
        json={"reason": "不属于明显超出合理范围"},
        headers=world.auth("approver"),
    )
    assert declined.status_code == 200
    assert declined.json["status"] == "declined"
    no_proposal = act(client, world, "approver", case_id, "issue_fee_notice")
    assert no_proposal.status_code == 422
