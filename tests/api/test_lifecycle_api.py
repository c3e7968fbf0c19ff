"""The API end to end for each path of the lifecycle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from requests_service.timekeeping import FixedClock
from tests.factories import World, company, person
from tests.helpers import PAYMENT, act, ok, propose_fee, register


def test_online_submission_through_archive(
    client: Any, world: World, fixed_clock: FixedClock
) -> None:
    submitted = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(),
            "requested_information": "请公开2025年XX区拆迁补偿标准",
            "delivery_form": "electronic",
            "delivery_method": "email",
        },
    )
    assert submitted.status_code == 201, submitted.json
    code, secret = submitted.json["tracking_code"], submitted.json["tracking_secret"]
    assert submitted.json["state"] == "received"
    tracked = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": secret})
    assert tracked.status_code == 200
    assert tracked.json["state_label"] == "已提交待登记"
    assert tracked.json["due_on"] is None
    case_id = client.get("/cases", headers=world.auth("registrar")).json[0]["id"]

    case = ok(act(client, world, "registrar", case_id, "register"))
    assert case["state"] == "registered"
    # Submitted online at 10:00 on a working day: received that day (Art. 31(3)).
    assert case["receipt_date"] == "2026-03-10"
    assert case["case_number"] == "A依申〔2026〕第0001号"
    assert case["due_on"] is not None
    ok(act(client, world, "handler", case_id, "start_review"))
    case = ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            correction_items=["请说明所需信息的具体年份和区域"],
        )
    )
    assert case["state"] == "awaiting_correction"
    assert case["correction_due_on"]
    tracked = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": secret}).json
    assert tracked["correction_items"] == ["请说明所需信息的具体年份和区域"]
    assert tracked["state"] == "awaiting_correction"

    corrected = client.post(
        f"/public/tracking/{code}/correction",
        json={"corrected_information": "请公开2025年示范区房屋征收补偿方案"},
        headers={"X-Tracking-Secret": secret},
    )
    assert corrected.status_code == 200, corrected.json
    assert corrected.json["state"] == "in_handling"

    ok(act(client, world, "handler", case_id, "start_consultation", consulted_party="某公司"))
    case = ok(act(client, world, "handler", case_id, "end_consultation", opinion="同意公开"))
    ok(act(client, world, "handler", case_id, "start_secrecy_review"))
    ok(act(client, world, "handler", case_id, "end_secrecy_review"))
    draft = {
        "outcome": "disclosed",
        "reasons": "经审查，该信息可以公开。",
        "details": {"disclosure_route": "provided"},
    }
    ok(act(client, world, "handler", case_id, "draft_reply", **draft))
    returned = ok(act(client, world, "approver", case_id, "return_draft", reason="理由不充分"))
    assert returned["state"] == "in_handling"
    ok(act(client, world, "handler", case_id, "draft_reply", **draft))
    case = ok(act(client, world, "approver", case_id, "approve_reply"))
    assert case["state"] == "replied"
    assert case["outcome_label"] == "予以公开"
    case = ok(act(client, world, "registrar", case_id, "deliver", delivery_method="email"))
    assert case["state"] == "delivered"
    case = ok(act(client, world, "handler", case_id, "archive"))
    assert case["state"] == "archived"

    # Archived cases are read-only.
    refused = act(client, world, "approver", case_id, "extend", extra_working_days=5, reason="x")
    assert refused.status_code == 409
    assert "只读" in refused.json["message"]
    note = client.post(f"/cases/{case_id}/notes", json={"body": "x"}, headers=world.auth("handler"))
    assert note.status_code == 409

    history = client.get(f"/cases/{case_id}/history", headers=world.auth("handler")).json
    actions = [e["action"] for e in history]
    assert actions[0] == "submit"
    assert actions[-1] == "archive"
    for event in history:
        assert event["actor_name"]
        assert event["occurred_at"]
    transitions = [e for e in history if e["action"] == "approve_reply"]
    assert transitions[0]["from_state"] == "reply_drafted"
    assert transitions[0]["to_state"] == "replied"

    timeline = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": secret}).json
    labels = [t["action"] for t in timeline["timeline"]]
    assert "start_secrecy_review" not in labels  # internal steps stay internal
    assert timeline["outcome"] == "disclosed"


def test_on_the_spot_reply(client: Any, world: World) -> None:
    case = register(client, world, submitted_at=None)
    case_id = case["id"]
    reply = {
        "outcome": "not_processed_petition",
        "reasons": "申请内容为信访投诉，不作为政府信息公开申请处理。",
        "details": {"proper_channel": "示范市信访局"},
    }
    ok(act(client, world, "handler", case_id, "draft_reply", **reply))
    case = ok(act(client, world, "approver", case_id, "approve_reply"))
    assert case["state"] == "replied"
    assert case["replied_on"] == case["receipt_date"]


def test_clerk_registration_assigns_sequential_numbers(client: Any, world: World) -> None:
    first = register(client, world)
    second = register(client, world, applicant=company())
    assert first["case_number"] == "A依申〔2026〕第0001号"
    assert second["case_number"] == "A依申〔2026〕第0002号"
    assert first["receipt_date"] == "2026-03-02"
    assert first["due_on"] == "2026-03-30"
    assert first["tracking_secret"]
    assert first["applicant"]["id_number_masked"].count("*") >= 8


def test_post_receipt_date_is_signature_day(client: Any, world: World) -> None:
    case = register(
        client,
        world,
        channel="post_signed",
        submitted_at="2026-06-10T00:00:00+08:00",
        signed_for_at="2026-06-15T09:30:00+08:00",
    )
    assert case["receipt_date"] == "2026-06-15"
    assert case["due_on"] == "2026-07-14"


def test_post_without_signature_is_refused(client: Any, world: World) -> None:
    response = client.post(
        "/cases",
        json={
            "channel": "post_signed",
            "applicant": person(),
            "requested_information": "某信息",
            "submitted_at": "2026-06-10T00:00:00+08:00",
        },
        headers=world.auth("registrar"),
    )
    assert response.status_code == 422
    assert client.get("/cases", headers=world.auth("registrar")).json == []


def test_withdrawal_by_applicant(client: Any, world: World) -> None:
    case = register(client, world)
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    code = detail["tracking_code"]
    wrong = client.post(
        f"/public/tracking/{code}/withdrawal", json={}, headers={"X-Tracking-Secret": "WRONG"}
    )
    assert wrong.status_code == 404
    done = client.post(
        f"/public/tracking/{code}/withdrawal",
        json={"reason": "已自行获取"},
        headers={"X-Tracking-Secret": case["tracking_secret"]},
    )
    assert done.status_code == 200, done.json
    assert done.json["state"] == "withdrawn"
    assert done.json["outcome"] == "other"
    again = client.post(
        f"/public/tracking/{code}/withdrawal",
        json={},
        headers={"X-Tracking-Secret": case["tracking_secret"]},
    )
    assert again.status_code == 409
    archived = ok(act(client, world, "handler", case["id"], "archive"))
    assert archived["state"] == "archived"


def test_deemed_abandoned_after_correction_period(client: Any, world: World) -> None:
    case = register(client, world)
    case_id = case["id"]
    ok(act(client, world, "handler", case_id, "start_review", on="2026-03-03"))
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            on="2026-03-04",
            correction_items=["请补充身份证明"],
            correction_period_working_days=10,
        )
    )
    early = act(client, world, "handler", case_id, "deem_abandoned_no_correction", on="2026-03-10")
    assert early.status_code == 422
    closed = ok(
        act(client, world, "handler", case_id, "deem_abandoned_no_correction", on="2026-03-20")
    )
    assert closed["state"] == "closed_no_correction"
    assert closed["outcome"] == "other_no_correction"


def test_fee_and_extension_path(client: Any, world: World) -> None:
    case = register(client, world, submitted_at="2026-08-03T10:00:00+08:00")
    case_id = case["id"]
    ok(act(client, world, "handler", case_id, "start_review", on="2026-08-04"))
    ok(act(client, world, "handler", case_id, "accept", on="2026-08-04"))
    # Pieces 11 of the month: 100 yuan (Fee Measures, per piece).
    proposal = propose_fee(client, world, case_id, units=11)
    assert proposal["amount"] == "100.00"
    forbidden = act(client, world, "handler", case_id, "issue_fee_notice")
    assert forbidden.status_code == 403
    ok(act(client, world, "approver", case_id, "issue_fee_notice", on="2026-08-10"))
    paid = ok(
        act(client, world, "handler", case_id, "record_fee_payment", on="2026-08-14", **PAYMENT)
    )
    assert paid["state"] == "in_handling"
    assert paid["due_on"] == "2026-09-04"
    refused = act(client, world, "handler", case_id, "extend", extra_working_days=10, reason="需要")
    assert refused.status_code == 403
    extended = ok(
        act(
            client,
            world,
            "approver",
            case_id,
            "extend",
            on="2026-08-20",
            extra_working_days=20,
            reason="需要检索大量档案",
        )
    )
    assert extended["extended"] is True
    assert extended["due_on"] > paid["due_on"]
    twice = act(client, world, "approver", case_id, "extend", extra_working_days=5, reason="再延")
    assert twice.status_code == 409


def test_partial_disclosure_requires_withheld_parts(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    bad = act(
        client,
        world,
        "handler",
        case_id,
        "draft_reply",
        outcome="partially_disclosed",
        reasons="部分涉及个人隐私。",
        details={},
    )
    assert bad.status_code == 422
    assert "withheld_parts" in bad.json["errors"]
    detail = client.get(f"/cases/{case_id}", headers=world.auth("handler")).json
    assert detail["state"] == "registered"
    assert detail["outcome"] is None


def test_not_held_other_agency_names_the_competent_agency_only_where_determinable(
    client: Any, world: World
) -> None:
    # Art. 36(5): name and contact "能够确定的" — a contact without a name is refused, no name
    # at all is accepted (the letter says it cannot be determined).
    case_id = register(client, world)["id"]
    bad = act(
        client,
        world,
        "handler",
        case_id,
        "draft_reply",
        outcome="unavailable_not_held",
        reasons="该信息不属于本机关公开职责。",
        details={"not_held_basis": "other_agency", "competent_agency_contact": "010-1"},
    )
    assert bad.status_code == 422
    assert "competent_agency_contact" in bad.json["errors"]
    undetermined = act(
        client,
        world,
        "handler",
        case_id,
        "draft_reply",
        outcome="unavailable_not_held",
        reasons="该信息不属于本机关公开职责。",
        details={"not_held_basis": "other_agency"},
    )
    assert undetermined.status_code == 200, undetermined.json
    case_id = register(client, world)["id"]
    good = act(
        client,
        world,
        "handler",
        case_id,
        "draft_reply",
        outcome="unavailable_not_held",
        reasons="该信息不属于本机关公开职责。",
        details={
            "not_held_basis": "other_agency",
            "competent_agency_name": "示范市自然资源局",
            "competent_agency_contact": "010-66668888",
        },
    )
    assert good.status_code == 200, good.json
    assert good.json["reply_legal_basis"]


def test_automatic_outcomes_cannot_be_chosen(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    response = act(
        client, world, "handler", case_id, "draft_reply", outcome="other_fee_unpaid", reasons="x"
    )
    assert response.status_code == 422


def test_illegal_transition_is_409_in_chinese(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    response = act(client, world, "approver", case_id, "approve_reply")
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert response.json["status"] == "Conflict"
    assert "已登记" in response.json["message"]


def test_event_date_in_future_or_before_receipt_refused(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    future = (date.today() + timedelta(days=3)).isoformat()
    assert act(client, world, "handler", case_id, "start_review", on=future).status_code == 422
    before = act(client, world, "handler", case_id, "start_review", on="2026-02-01")
    assert before.status_code == 422
    history = client.get(f"/cases/{case_id}/history", headers=world.auth("handler")).json
    assert [e["action"] for e in history] == ["register"]


def test_registration_retried_with_idempotency_key_makes_one_case(
    client: Any, world: World
) -> None:
    """Issue 15, item 7: a retry after an ambiguous answer (timeout, 503 after the commit)."""
    body = {
        "channel": "in_person",
        "applicant": person(),
        "requested_information": "2025年本市重点建设项目计划",
    }
    headers = {**world.auth("registrar"), "Idempotency-Key": "desk-1-0001"}
    first = client.post("/cases", json=body, headers=headers)
    assert first.status_code == 201, first.json
    again = client.post("/cases", json=body, headers=headers)
    assert again.status_code == 200, again.json
    assert again.json["id"] == first.json["id"]
    assert again.json["case_number"] == first.json["case_number"]
    assert again.json["tracking_secret"] == first.json["tracking_secret"]
    assert len(client.get("/cases", headers=world.auth("registrar")).json) == 1
    other = client.post(
        "/cases", json={**body, "requested_information": "另一份申请"}, headers=headers
    )
    assert other.status_code == 409
    assert client.post("/cases", json=body, headers=world.auth("registrar")).status_code == 201
    assert len(client.get("/cases", headers=world.auth("registrar")).json) == 2
