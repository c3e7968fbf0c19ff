"""Difficult-case filing, remedy records, loss rates, section 四 inputs and the self-check."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.helpers import act, ok, register

FILING = {
    "category": "likely_litigation",
    "summary": "申请人多次申请同类信息，并表示将提起诉讼。",
    "proposed_reply": "拟部分公开，隐去个人信息。",
    "proposed_basis": "《政府信息公开条例》第十五条、第三十七条",
}


def file_case(client: Any, world: World, case_id: int, **overrides: Any) -> Any:
    return client.post(
        f"/cases/{case_id}/filings", json={**FILING, **overrides}, headers=world.auth("handler")
    )


def test_filing_lifecycle_end_to_end(client: Any, world: World) -> None:
    case = register(client, world, submitted_at=None)
    filed = file_case(client, world, case["id"])
    assert filed.status_code == 201, filed.json
    filing = filed.json
    assert filing["status"] == "filed"
    assert filing["oversight_agency_id"] == world.agencies["O"]
    assert filing["working_days_to_file"] == 0
    twice = file_case(client, world, case["id"])
    assert twice.status_code == 409

    queue = client.get("/oversight/filings?status=filed", headers=world.auth("oversight"))
    assert [f["id"] for f in queue.json] == [filing["id"]]
    assert client.get("/oversight/filings", headers=world.auth("oversight2")).json == []
    counts = client.get("/oversight/filings/counts", headers=world.auth("oversight")).json
    assert counts["filed"] == 1

    foreign = client.post(
        f"/oversight/filings/{filing['id']}/actions",
        json={"action": "give_guidance", "guidance": "越权指导"},
        headers=world.auth("oversight2"),
    )
    assert foreign.status_code == 404
    not_yet = client.post(
        f"/oversight/filings/{filing['id']}/actions",
        json={"action": "close"},
        headers=world.auth("oversight"),
    )
    assert not_yet.status_code == 409
    received = client.post(
        f"/oversight/filings/{filing['id']}/actions",
        json={"action": "receive"},
        headers=world.auth("oversight"),
    )
    assert received.json["status"] == "received"
    empty = client.post(
        f"/oversight/filings/{filing['id']}/actions",
        json={"action": "give_guidance", "guidance": "  "},
        headers=world.auth("oversight"),
    )
    assert empty.status_code == 422
    guided = client.post(
        f"/oversight/filings/{filing['id']}/actions",
        json={"action": "give_guidance", "guidance": "同意部分公开，注意说明理由。"},
        headers=world.auth("oversight"),
    )
    assert guided.status_code == 200, guided.json
    seen = client.get(f"/cases/{case['id']}/filings", headers=world.auth("handler")).json
    assert seen[0]["guidance"] == "同意部分公开，注意说明理由。"
    closed = client.post(
        f"/oversight/filings/{filing['id']}/actions",
        json={"action": "close", "note": "已按指导意见答复"},
        headers=world.auth("oversight"),
    )
    assert closed.json["status"] == "closed"
    history = client.get(
        f"/oversight/filings/{filing['id']}/history", headers=world.auth("oversight")
    ).json
    assert [h["action"] for h in history] == ["file", "receive", "give_guidance", "close"]
    assert history[1]["from_status"] == "filed" and history[1]["to_status"] == "received"


def test_reply_held_while_filing_awaits_guidance(client: Any, world: World) -> None:
    client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"hold_reply_while_filing_pending": True},
        headers=world.auth("admin"),
    )
    case = register(client, world, submitted_at=None)
    ok(
        act(
            client,
            world,
            "handler",
            case["id"],
            "draft_reply",
            outcome="unavailable_needs_creation",
            reasons="需另行加工制作。",
        )
    )
    assert file_case(client, world, case["id"]).status_code == 201
    held = act(client, world, "approver", case["id"], "approve_reply")
    assert held.status_code == 409
    assert "报备" in held.json["message"]


def test_filing_archived_case_is_refused(client: Any, world: World) -> None:
    case = register(client, world, submitted_at=None)
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    client.post(
        f"/public/tracking/{detail['tracking_code']}/withdrawal",
        json={},
        headers={"X-Tracking-Secret": case["tracking_secret"]},
    )
    ok(act(client, world, "handler", case["id"], "archive"))
    archived = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    refused = file_case(client, world, case["id"])
    assert refused.status_code == 409, refused.json
    assert refused.json["reason"] == "case_read_only"
    filings = client.get(f"/cases/{case['id']}/filings", headers=world.auth("handler"))
    assert filings.status_code == 200 and filings.json == []
    after = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    assert after == archived  # the archived case is frozen: not even its version moved


def remedy(client: Any, world: World, case_id: int, **body: Any) -> Any:
    return client.post(f"/cases/{case_id}/remedies", json=body, headers=world.auth("approver"))


def test_remedy_records_and_loss_rates(client: Any, world: World) -> None:
    first = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    second = register(client, world, submitted_at="2026-03-03T10:00:00+08:00")
    bad = remedy(
        client,
        world,
        first["id"],
        kind="reconsideration",
        body="示范市人民政府",
        filed_on="2026-05-10",
        decided_on="2026-05-01",
        result="upheld",
    )
    assert bad.status_code == 422
    unknown = remedy(
        client,
        world,
        first["id"],
        kind="reconsideration",
        body="示范市人民政府",
        filed_on="2026-05-10",
        result="lost",
    )
    assert unknown.status_code == 422
    no_reason = remedy(
        client,
        world,
        first["id"],
        kind="reconsideration",
        body="示范市人民政府",
        filed_on="2026-05-10",
        decided_on="2026-06-10",
        result="corrected",
    )
    assert no_reason.status_code == 422
    assert client.get(f"/cases/{first['id']}/remedies", headers=world.auth("handler")).json == []

    corrected = remedy(
        client,
        world,
        first["id"],
        kind="reconsideration",
        body="示范市人民政府",
        filed_on="2026-05-10",
        decided_on="2026-06-10",
        result="corrected",
        correction_reasons=["late_reply", "insufficient_reasons"],
    )
    assert corrected.status_code == 201, corrected.json
    upheld = remedy(
        client,
        world,
        second["id"],
        kind="litigation_direct",
        body="示范市人民法院",
        filed_on="2026-05-12",
        decided_on="2026-07-01",
        result="upheld",
    )
    assert upheld.status_code == 201
    pending = remedy(
        client,
        world,
        second["id"],
        kind="litigation_after_reconsideration",
        body="示范市人民法院",
        filed_on="2026-07-10",
        result="pending",
    )
    assert pending.status_code == 201
    by_agency = client.get(
        "/oversight/loss-rates?date_from=2026-01-01&date_to=2026-12-31&group_by=agency",
        headers=world.auth("oversight"),
    ).json
    assert by_agency == [
        {
            "key": str(world.agencies["A"]),
            "label": "测试机关A",
            "decided": 2,
            "corrected": 1,
            "loss_rate": 0.5,
        }
    ]
    by_reason = client.get(
        "/oversight/loss-rates?date_from=2026-01-01&date_to=2026-12-31&group_by=reason",
        headers=world.auth("oversight"),
    ).json
    assert {r["key"] for r in by_reason} == {"late_reply", "insufficient_reasons"}
    assert (
        client.get(
            "/oversight/loss-rates?date_from=2026-01-01&date_to=2026-12-31",
            headers=world.auth("oversight2"),
        ).json
        == []
    )
    decided = client.patch(
        f"/cases/{second['id']}/remedies/{pending.json['id']}",
        json={"result": "other", "decided_on": "2026-08-01"},
        headers=world.auth("approver"),
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["result_label"] == "其他结果"


def test_self_check_finds_planted_defects(client: Any, world: World, app: Any) -> None:
    # Late reply: received 2 Mar, due 30 Mar, replied 2 Apr.
    late = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    ok(
        act(
            client,
            world,
            "handler",
            late["id"],
            "draft_reply",
            on="2026-04-01",
            outcome="unavailable_needs_creation",
            reasons="需另行加工。",
        )
    )
    ok(act(client, world, "approver", late["id"], "approve_reply", on="2026-04-02"))
    # Late correction notice: received 2 Mar, notice on 16 Mar (> 7 working days).
    slow = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    ok(act(client, world, "handler", slow["id"], "start_review", on="2026-03-03"))
    ok(
        act(
            client,
            world,
            "handler",
            slow["id"],
            "request_correction",
            on="2026-03-16",
            correction_items=["补充信息名称"],
        )
    )
    # Open beyond due date: registered long ago, never answered.
    stale = register(client, world, submitted_at="2026-04-01T10:00:00+08:00")
    # Extension without approval: planted directly (the API only lets approvers extend).
    unapproved = register(client, world, submitted_at="2026-05-06T10:00:00+08:00")
    with app.app_context():
        from requests_service.db.models import Agency, CaseEvent
        from requests_service.db.session import current_session
        from requests_service.domain.lifecycle import CaseState, Role

        session = current_session()
        session.add(
            CaseEvent(
                case_id=unapproved["id"],
                action="extend",
                from_state=CaseState.REGISTERED,
                to_state=CaseState.REGISTERED,
                actor_role=Role.HANDLER,
                actor_name="某承办人",
                effective_on=__import__("datetime").date(2026, 5, 20),
                data={},
            )
        )
        session.get(Agency, world.agencies["A"]).online_form_url = ""
        session.commit()
    report = client.get(
        "/oversight/self-check?date_from=2026-01-01&date_to=2026-12-31",
        headers=world.auth("approver"),
    )
    assert report.status_code == 200, report.json
    findings = {f["key"]: {c["id"] for c in f["cases"]} for f in report.json["findings"]}
    assert late["id"] in findings["late_replies"]
    # Replied without an issued reply letter carrying the remedy notice.
    assert late["id"] in findings["replies_missing_remedy_or_basis"]
    assert findings["late_correction_notices"] == {slow["id"]}
    assert stale["id"] in findings["open_beyond_due"]
    assert findings["extensions_without_approval"] == {unapproved["id"]}
    assert "网上申请地址" in report.json["intake_office_missing"]
    other = client.get(
        f"/oversight/self-check?date_from=2026-01-01&date_to=2026-12-31"
        f"&agency_id={world.agencies['A']}",
        headers=world.auth("oversight2"),
    )
    assert other.status_code == 404
