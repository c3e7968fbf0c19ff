"""Deadline clocks through the API: vectors, the end-to-end case, calendar changes, lapses."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import World
from tests.helpers import PAYMENT, act, ok, propose_fee, register

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "vectors.json").read_text(encoding="utf-8")
)["vectors"]
DEADLINE_VECTORS = [v for v in VECTORS if v["kind"] == "deadline"]


@pytest.mark.parametrize("vector", DEADLINE_VECTORS, ids=lambda v: v["id"])
def test_deadline_vector_through_calculator_endpoint(client: Any, vector: dict[str, Any]) -> None:
    response = client.post("/calendar/deadline-calculator", json=vector["inputs"])
    assert response.status_code == 200, response.json
    for key, expected in vector["expected"].items():
        assert response.json[key] == expected, (vector["id"], key)
    assert response.json["explanation"]


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "teleport", "submitted_at": "2026-03-02T10:00:00+08:00"},
        {"channel": "in_person", "submitted_at": "2026-03-02"},
        {"channel": "in_person", "submitted_at": "not a date"},
        {
            "channel": "in_person",
            "submitted_at": "2026-03-02T10:00:00+08:00",
            "events": [{"type": "third_party_reply_received", "date": "2026-03-05"}],
        },
        {
            "channel": "in_person",
            "submitted_at": "2026-03-10T10:00:00+08:00",
            "events": [
                {"type": "third_party_consult_sent", "date": "2026-03-20"},
                {"type": "third_party_reply_received", "date": "2026-03-12"},
            ],
        },
        {"query": "fee_payment_deadline"},
        {"query": "nonsense"},
        [],
    ],
)
def test_calculator_bad_inputs_are_422(client: Any, body: Any) -> None:
    response = client.post("/calendar/deadline-calculator", json=body)
    assert response.status_code == 422, response.json
    assert response.json["message"]


def test_case_through_correction_consultation_fee_and_extension(client: Any, world: World) -> None:
    case = register(client, world, submitted_at="2026-03-10T15:00:00+08:00")
    case_id = case["id"]
    assert case["due_on"] == "2026-04-08"
    assert case["correction_notice_due_on"] == "2026-03-19"  # PUB-DL-04
    ok(act(client, world, "handler", case_id, "start_review", on="2026-03-11"))
    paused = ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            on="2026-03-12",
            correction_items=["请写明所需信息的年份"],
        )
    )
    assert paused["due_on"] is None
    assert paused["clock"]["state"] == "stopped"
    steps = [
        ("registrar", "receive_correction", "2026-03-20", {}, "2026-04-20"),
        ("handler", "start_consultation", "2026-03-27", {"consulted_party": "某公司"}, None),
        ("handler", "end_consultation", "2026-04-03", {}, "2026-04-27"),
        ("propose", "", "", {}, None),
        ("approver", "issue_fee_notice", "2026-04-08", {}, None),
        ("handler", "record_fee_payment", "2026-04-10", PAYMENT, "2026-04-29"),
        (
            "approver",
            "extend",
            "2026-04-15",
            {"extra_working_days": 20, "reason": "需调取大量历史档案"},
            "2026-05-29",
        ),
    ]
    for who, action, on, extra, expected_due in steps:
        if who == "propose":
            propose_fee(client, world, case_id, units=11)
            continue
        body = ok(act(client, world, who, case_id, action, on=on, **extra))
        if expected_due is not None:
            assert body["due_on"] == expected_due, action
            assert body["clock"]["reply_due"] == expected_due
    explanation = body["clock"]["explanation"]
    assert any("重新起算20个工作日 → 2026-04-20" in line for line in explanation)
    assert any("批准延期20个工作日 → 2026-05-29" in line for line in explanation)
    detail = client.get(f"/cases/{case_id}", headers=world.auth("handler")).json
    assert detail["clock"]["original_due"] == "2026-04-29"
    assert detail["extended"] is True


def test_pause_shows_reason_on_public_tracking(client: Any, world: World) -> None:
    case = register(client, world, submitted_at=None)
    ok(act(client, world, "handler", case["id"], "start_review"))
    ok(act(client, world, "handler", case["id"], "accept"))
    ok(act(client, world, "handler", case["id"], "start_consultation", consulted_party="某公司"))
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    tracked = client.get(
        f"/public/tracking/{detail['tracking_code']}",
        headers={"X-Tracking-Secret": case["tracking_secret"]},
    ).json
    assert tracked["paused"] is True
    assert "第三方" in tracked["pause_reason"]


def test_extension_after_original_due_is_refused(client: Any, world: World) -> None:
    case = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    response = act(
        client,
        world,
        "approver",
        case["id"],
        "extend",
        on="2026-03-31",
        extra_working_days=10,
        reason="迟了",
    )
    assert response.status_code == 422
    assert "延期" in response.json["message"]
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("approver")).json
    assert detail["extended"] is False
    assert detail["due_on"] == "2026-03-30"


def test_dashboard_and_due_filters(client: Any, world: World) -> None:
    overdue = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    fresh = register(client, world, submitted_at=None)
    paused = register(client, world, submitted_at=None)
    ok(act(client, world, "handler", paused["id"], "start_review"))
    ok(act(client, world, "handler", paused["id"], "accept"))
    ok(act(client, world, "handler", paused["id"], "start_consultation", consulted_party="甲"))
    board = client.get("/cases/dashboard", headers=world.auth("handler"))
    assert board.status_code == 200, board.json
    row = board.json["agencies"][0]
    assert row["agency_id"] == world.agencies["A"]
    assert (row["open"], row["paused"], row["overdue"]) == (3, 1, 1)
    listed = client.get("/cases?overdue=true", headers=world.auth("handler")).json
    assert [c["id"] for c in listed] == [overdue["id"]]
    soon = client.get("/cases?due_within=30", headers=world.auth("handler")).json
    assert {c["id"] for c in soon} == {overdue["id"], fresh["id"]}
    ordered = client.get("/cases?sort=due_on", headers=world.auth("handler")).json
    assert ordered[0]["id"] == overdue["id"]
    assert client.get("/cases/dashboard", headers=world.auth("oversight2")).json["agencies"] == []


CAL_2026 = json.loads(
    (
        Path(__file__).resolve().parents[2] / "requests_service" / "data" / "calendar" / "2026.json"
    ).read_text(encoding="utf-8")
)


def test_calendar_correction_recomputes_due_dates_and_is_audited(
    client: Any, world: World, app: Any
) -> None:
    case = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    assert case["due_on"] == "2026-03-30"
    corrected = {**CAL_2026, "days_off": [*CAL_2026["days_off"], "2026-03-16"]}
    # Only an administrator of a top-level body may change the national calendar.
    refused = client.put("/calendar/years/2026", json=corrected, headers=world.auth("admin"))
    assert refused.status_code == 403
    with app.app_context():
        from requests_service.db.models import User, UserRole
        from requests_service.db.session import current_session
        from requests_service.domain.lifecycle import Role

        session = current_session()
        user = User(agency_id=world.agencies["O"], username="root-admin", display_name="总管理员")
        user.role_rows = [UserRole(role=Role.AGENCY_ADMIN)]
        session.add(user)
        session.flush()
        from requests_service.db.models import ApiToken
        from requests_service.services.access import hash_token

        session.add(ApiToken(user_id=user.id, token_hash=hash_token("rs_root"), name="t"))
        session.commit()
    root = {"Authorization": "Bearer rs_root"}
    bad = client.put(
        "/calendar/years/2026",
        json={**CAL_2026, "makeup_workdays": ["2026-03-18"]},
        headers=root,
    )
    assert bad.status_code == 422
    dup = client.put(
        "/calendar/years/2026",
        json={**CAL_2026, "days_off": [*CAL_2026["days_off"], CAL_2026["days_off"][0]]},
        headers=root,
    )
    assert dup.status_code == 422
    done = client.put("/calendar/years/2026", json=corrected, headers=root)
    assert done.status_code == 200, done.json
    assert done.json["cases_changed"] == 1
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    assert detail["due_on"] == "2026-03-31"
    changes = client.get("/calendar/changes", headers=world.auth("handler")).json
    assert changes[0]["year"] == 2026
    assert changes[0]["actor_name"] == "总管理员"
    assert changes[0]["cases_recomputed"] >= 1


def test_provisional_year_is_flagged(client: Any, world: World) -> None:
    overview = client.get("/calendar", headers=world.auth("handler")).json
    years = {y["year"]: y for y in overview["years"]}
    assert years[2026]["official"] is True
    if date.today() < date(2027, 1, 1):
        assert years[2027]["provisional"] is True
    result = client.post(
        "/calendar/deadline-calculator",
        json={"channel": "in_person", "submitted_at": "2026-12-10T10:00:00+08:00"},
    ).json
    assert result["provisional"] is True


def test_close_lapsed_is_idempotent(client: Any, world: World) -> None:
    lapsed = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    ok(act(client, world, "handler", lapsed["id"], "start_review", on="2026-03-03"))
    ok(
        act(
            client,
            world,
            "handler",
            lapsed["id"],
            "request_correction",
            on="2026-03-04",
            correction_items=["补充身份证明"],
            correction_period_working_days=10,
        )
    )
    unpaid = register(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    ok(act(client, world, "handler", unpaid["id"], "start_review", on="2026-03-03"))
    ok(act(client, world, "handler", unpaid["id"], "accept", on="2026-03-03"))
    propose_fee(client, world, unpaid["id"], units=12)
    ok(act(client, world, "approver", unpaid["id"], "issue_fee_notice", on="2026-03-05"))
    current = register(client, world, submitted_at=None)
    first = client.post("/admin/jobs/close-lapsed", headers=world.auth("admin"))
    assert first.status_code == 200, first.json
    assert first.json["closed_no_correction"] == [lapsed["id"]]
    assert first.json["closed_fee_unpaid"] == [unpaid["id"]]
    second = client.post("/admin/jobs/close-lapsed", headers=world.auth("admin")).json
    assert second["closed_no_correction"] == [] and second["closed_fee_unpaid"] == []
    states = {
        c["id"]: (c["state"], c["outcome"])
        for c in client.get("/cases", headers=world.auth("handler")).json
    }
    assert states[lapsed["id"]] == ("closed_no_correction", "other_no_correction")
    assert states[unpaid["id"]] == ("closed_fee_unpaid", "other_fee_unpaid")
    assert states[current["id"]][0] == "registered"
    history = client.get(f"/cases/{unpaid['id']}/history", headers=world.auth("handler")).json
    assert history[-1]["actor_role"] == "system"
    # The same person's earlier application that month counts: pieces 2-13 → 11th-13th charged.
    assert Decimal(history[-2]["data"]["fee_amount"]) == Decimal("300")
    fees = client.get(f"/cases/{unpaid['id']}/fees", headers=world.auth("handler")).json
    assert fees[0]["status"] == "abandoned"
