"""Composite decisions: whole cases in a handful of calls (issue 12, item 6), in-process.

The same paths run over real HTTP with the generated client in tests/e2e/.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.factories import World, person

PARTIAL = {
    "decision": "reply",
    "outcome": "partially_disclosed",
    "reasons": "申请公开的信息中，部分内容涉及个人隐私。",
    "details": {
        "withheld_parts": [
            {"description": "被征收人住址", "reason": "个人隐私", "legal_basis": "第十五条"}
        ],
        "disclosed_part_description": "补偿标准文件正文",
    },
}
DISCLOSED = {
    "decision": "reply",
    "outcome": "disclosed",
    "reasons": "该信息属于可以公开的政府信息。",
    "details": {"disclosure_route": "provided"},
}


class Counter:
    """The test client, counting every call a client of the service makes."""

    def __init__(self, client: Any, world: World) -> None:
        self.client, self.world, self.calls = client, world, 0

    def __call__(self, method: str, url: str, who: str | None = None, **kwargs: Any) -> Any:
        self.calls += 1
        headers = {**(self.world.auth(who) if who else {}), **kwargs.pop("headers", {})}
        return getattr(self.client, method)(url, headers=headers, **kwargs)


def submit(call: Counter, world: World) -> dict[str, Any]:
    receipt = call(
        "post",
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(),
            "requested_information": "请公开2025年XX区拆迁补偿标准文件",
            "delivery_form": "electronic",
            "delivery_method": "email",
        },
    )
    assert receipt.status_code == 201, receipt.json
    return receipt.json


def register(call: Counter, world: World, case_id: int) -> dict[str, Any]:
    body = {"action": "register", "assignee_id": world.users["handler"]}
    response = call("post", f"/cases/{case_id}/transitions", "registrar", json=body)
    assert response.status_code == 200, response.json
    assert response.json["assignee_id"] == world.users["handler"]
    assert response.json["assignee_name"] == "用户handler"
    return response.json


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.json
    return response.json


def finish(call: Counter, case_id: int, receipt: dict[str, Any]) -> None:
    """Approve (numbering + issuing the reply letter), deliver and archive, download."""
    approved = ok(call("post", f"/cases/{case_id}/decisions/approval", "approver", json={}))
    assert approved["case"]["state"] == "replied" and not approved["pending"]
    reply = next(letter for letter in approved["letters"] if letter["kind"] == "reply")
    assert reply["status"] == "issued" and reply["document_number"]
    base = f"/cases/{case_id}/letters/{reply['id']}"
    delivered = call(
        "post", f"{base}/delivery", "registrar", json={"delivery_method": "email", "archive": True}
    )
    assert ok(delivered)["delivered_on"]
    pdf = call("get", f"{base}/pdf", "handler")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert hashlib.sha256(pdf.data).hexdigest() == reply["pdf_sha256"]
    final = call.client.get(f"/cases/{case_id}", headers=call.world.auth("handler")).json
    assert final["state"] == "archived"
    tracked = call.client.get(
        f"/public/tracking/{receipt['tracking_code']}",
        headers={"X-Tracking-Secret": receipt["tracking_secret"]},
    ).json
    assert tracked["state"] == "archived"
    assert [item["document_number"] for item in tracked["letters"]][-1] == reply["document_number"]


@pytest.fixture
def call(client: Any, world: World, app: Any) -> Counter:
    app.config["LETTER_QUEUE"] = "inline"
    return Counter(client, world)


@pytest.mark.parametrize("decision", [DISCLOSED, PARTIAL], ids=["disclosed", "partial"])
def test_whole_case_in_six_calls(call: Counter, world: World, decision: dict[str, Any]) -> None:
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    register(call, world, case_id)
    decided = ok(call("post", f"/cases/{case_id}/decisions", "handler", json=decision))
    assert decided["case"]["state"] == "reply_drafted"
    assert decided["steps"] == ["draft_reply"]
    assert [(lt["kind"], lt["status"]) for lt in decided["letters"]] == [("reply", "draft")]
    finish(call, case_id, receipt)
    assert call.calls == 6


def test_fee_case(call: Counter, world: World) -> None:
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    register(call, world, case_id)
    fee = {"decision": "fee", "method": "per_piece", "units": 15}
    decided = ok(call("post", f"/cases/{case_id}/decisions", "handler", json=fee))
    assert decided["steps"] == ["start_review", "accept", "propose_fee"]
    approved = ok(call("post", f"/cases/{case_id}/decisions/approval", "approver", json={}))
    assert approved["case"]["state"] == "awaiting_fee_payment"
    assert [(lt["kind"], lt["status"]) for lt in approved["letters"]] == [("fee_notice", "issued")]
    payment = {
        "action": "record_fee_payment",
        "amount": approved["case"]["fees"][0]["amount_due"],
        "payment_method": "银行转账",
        "receipt_number": "FS-0001",
    }
    assert ok(call("post", f"/cases/{case_id}/transitions", "registrar", json=payment))
    ok(call("post", f"/cases/{case_id}/decisions", "handler", json=DISCLOSED))
    finish(call, case_id, receipt)
    assert call.calls == 9  # the fee notice's approval and the payment are the extra two


def test_correction_case(call: Counter, world: World) -> None:
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    register(call, world, case_id)
    correction = {"decision": "correction", "correction_items": ["请写明文件的文号或名称"]}
    decided = ok(call("post", f"/cases/{case_id}/decisions", "handler", json=correction))
    assert decided["case"]["state"] == "awaiting_correction"
    approved = ok(call("post", f"/cases/{case_id}/decisions/approval", "approver", json={}))
    assert [(lt["kind"], lt["status"]) for lt in approved["letters"]] == [
        ("correction_notice", "issued")
    ]
    corrected = call(
        "post",
        f"/public/tracking/{receipt['tracking_code']}/correction",
        headers={"X-Tracking-Secret": receipt["tracking_secret"]},
        json={"corrected_information": "请公开示范市XX区2025年拆迁补偿标准（示府〔2025〕1号）"},
    )
    assert ok(corrected)["state"] == "in_handling"
    ok(call("post", f"/cases/{case_id}/decisions", "handler", json=DISCLOSED))
    finish(call, case_id, receipt)
    assert call.calls == 9  # the notice's approval and the applicant's correction: two more


def test_extension_case(call: Counter, world: World) -> None:
    """Art. 33: the handler asks, the head of the office agrees; the notice is the handler's
    request in writing, so the approver's sign-off is a second pair of eyes on it."""
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    before = register(call, world, case_id)
    extension = {"decision": "extension", "extra_working_days": 20, "reason": "需要多个部门会商"}
    requested = ok(call("post", f"/cases/{case_id}/decisions", "handler", json=extension))
    assert requested["steps"] == ["request_extension"] and requested["letters"] == []
    assert not requested["case"]["extended"]
    assert requested["case"]["due_on"] == before["due_on"]
    again = call("post", f"/cases/{case_id}/decisions", "handler", json=extension)
    assert again.status_code == 409, again.json  # one pending request at a time
    approved = ok(call("post", f"/cases/{case_id}/decisions/approval", "approver", json={}))
    assert approved["steps"] == ["extend"]
    assert approved["case"]["extended"] and approved["case"]["due_on"] > before["due_on"]
    assert [(lt["kind"], lt["status"]) for lt in approved["letters"]] == [
        ("extension_notice", "issued")
    ]
    history = call.client.get(f"/cases/{case_id}/history", headers=call.world.auth("handler")).json
    actions = [e["action"] for e in history]
    assert actions.index("extension_requested") < actions.index("extend")
    ok(call("post", f"/cases/{case_id}/decisions", "handler", json=DISCLOSED))
    finish(call, case_id, receipt)
    assert call.calls == 9  # 8, and the refused second request


def test_an_approver_cannot_approve_their_own_extension_request(
    call: Counter, world: World
) -> None:
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    register(call, world, case_id)
    extension = {"decision": "extension", "extra_working_days": 10, "reason": "需要调取档案"}
    ok(call("post", f"/cases/{case_id}/decisions", "approver", json=extension))
    refused = call("post", f"/cases/{case_id}/decisions/approval", "approver", json={})
    assert refused.status_code == 403, refused.json
    assert refused.json["details"]["rule"] == "four_eyes"
    case = call.client.get(f"/cases/{case_id}", headers=call.world.auth("handler")).json
    assert not case["extended"]  # nothing of the refused approval stayed


def test_withdrawal_case(call: Counter, world: World) -> None:
    receipt = submit(call, world)
    secret = {"X-Tracking-Secret": receipt["tracking_secret"]}
    code = receipt["tracking_code"]
    withdrawn = call("post", f"/public/tracking/{code}/withdrawal", headers=secret, json={})
    assert ok(withdrawn)["state"] == "withdrawn"
    archived = call(
        "post", f"/cases/{receipt['case_id']}/transitions", "registrar", json={"action": "archive"}
    )
    assert ok(archived)["state"] == "archived"
    assert call.calls == 3


def test_decision_bodies_are_exact(call: Counter, world: World) -> None:
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    unknown = call("post", f"/cases/{case_id}/decisions", "handler", json={"decision": "bogus"})
    expected = {"decision": ["取值应为：reply、correction、extension、fee。"]}
    assert ok(unknown, 422)["errors"] == expected
    missing = call("post", f"/cases/{case_id}/decisions", "handler", json={"decision": "reply"})
    assert "outcome" in ok(missing, 422)["errors"]
    stray = call(
        "post",
        f"/cases/{case_id}/transitions",
        "handler",
        json={"action": "start_review", "outcome": "disclosed"},
    )
    assert ok(stray, 422)["errors"] == {"outcome": ["未知字段。"]}
    nothing = call("post", f"/cases/{case_id}/decisions/approval", "approver", json={})
    assert ok(nothing, 409)["reason"] == "nothing_to_approve"
    # Approving twice or deciding on an archived case are refused, nothing changes.
    register(call, world, case_id)
    ok(call("post", f"/cases/{case_id}/decisions", "handler", json=DISCLOSED))
    ok(call("post", f"/cases/{case_id}/decisions/approval", "approver", json={}))
    again = call("post", f"/cases/{case_id}/decisions/approval", "approver", json={})
    assert ok(again, 409)["reason"] == "nothing_to_approve"
    late = call("post", f"/cases/{case_id}/decisions", "handler", json=DISCLOSED)
    assert ok(late, 409)["reason"] == "invalid_transition"


def test_receipt_and_tracking_code_find_the_case(call: Counter, world: World) -> None:
    receipt = submit(call, world)
    found = call.client.get(
        f"/cases?q={receipt['tracking_code'].lower()}", headers=world.auth("registrar")
    ).json
    assert [row["id"] for row in found] == [receipt["case_id"]]


def test_signed_download_link_is_a_plain_link(call: Counter, world: World, app: Any) -> None:
    receipt = submit(call, world)
    case_id = receipt["case_id"]
    register(call, world, case_id)
    ok(call("post", f"/cases/{case_id}/decisions", "handler", json=DISCLOSED))
    ok(call("post", f"/cases/{case_id}/decisions/approval", "approver", json={}))
    tracked = call.client.get(
        f"/public/tracking/{receipt['tracking_code']}",
        headers={"X-Tracking-Secret": receipt["tracking_secret"]},
    ).json
    url = tracked["letters"][0]["download_url"]
    assert url.startswith("/public/letters/")
    pdf = call.client.get(url)  # no header: it can be an <a href>
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    tampered = url.replace("signature=", "signature=0")[:-1]
    assert call.client.get(tampered).status_code == 404
    app.config["SIGNED_LINK_SECONDS"] = -1
    expired = call.client.get(
        f"/public/tracking/{receipt['tracking_code']}",
        headers={"X-Tracking-Secret": receipt["tracking_secret"]},
    ).json["letters"][0]["download_url"]
    refused = call.client.get(expired)
    assert refused.status_code == 403 and refused.json["reason"] == "link_expired"


def test_the_service_itself_refuses_a_decision_outside_the_actors_roles(
    call: Counter, world: World, app: Any
) -> None:
    """The role rule lives in the service, so any caller (CLI, job, another route) meets it."""
    from requests_service.db.models import Case, User
    from requests_service.domain.errors import Forbidden
    from requests_service.domain.outcomes import Outcome
    from requests_service.services import decisions
    from requests_service.services.access import actor_for_user

    receipt = submit(call, world)
    case_id = receipt["case_id"]
    register(call, world, case_id)
    session = app.extensions["db_session_factory"]()
    try:
        case = session.get(Case, case_id)
        assert case is not None
        before = (case.state, case.version)
        registrar = actor_for_user(session, session.get(User, world.users["registrar"]))
        handler = actor_for_user(session, session.get(User, world.users["handler"]))
        reply = decisions.ReplyDecision(
            outcome=Outcome.DISCLOSED,
            reasons=DISCLOSED["reasons"],
            details=DISCLOSED["details"],
        )
        with pytest.raises(Forbidden):
            decisions.decide(session, registrar, case, reply)
        with pytest.raises(Forbidden):
            decisions.approve(session, handler, case, decisions.Approval())
        session.rollback()
        case = session.get(Case, case_id)
        assert case is not None and (case.state, case.version) == before
    finally:
        session.close()
    refused = call("post", f"/cases/{case_id}/decisions", "registrar", json=DISCLOSED)
    assert refused.status_code == 403, refused.json
