"""Frequent requests → proactive disclosure, catalogue search, surges, repeat/excessive flags."""

from __future__ import annotations

from typing import Any

from tests.factories import World, person
from tests.helpers import act, ok, register

PARAPHRASES = [
    "请公开2025年示范区拆迁补偿标准",
    "申请公开示范区二〇二五年拆迁补偿标准文件",
    "2025年示范区房屋拆迁补偿标准",
    "我想了解示范区2025年的拆迁补偿标准",
]


def submit(client: Any, world: World, text: str, serial: int) -> dict[str, Any]:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(serial, name=f"申请人{serial}"),
            "requested_information": text,
        },
    )
    assert response.status_code == 201, response.json
    return response.json


def test_paraphrases_from_three_applicants_become_a_candidate(client: Any, world: World) -> None:
    for serial, text in enumerate(PARAPHRASES[:3], start=1):
        submit(client, world, text, serial)
    submit(client, world, "2025年示范区财政预算执行情况", 9)
    topics = client.get("/topics", headers=world.auth("handler")).json
    biggest = topics[0]
    assert biggest["case_count"] == 3
    assert biggest["applicant_count"] == 3
    assert biggest["status"] == "candidate"
    assert {t["case_count"] for t in topics} == {3, 1}
    candidates = client.get("/topics?status=candidate", headers=world.auth("approver")).json
    assert [t["id"] for t in candidates] == [biggest["id"]]
    assert client.get("/topics", headers=world.auth("oversight2")).json == []

    incomplete = client.post(
        f"/topics/{biggest['id']}/decision",
        json={"decision": "convert", "title": "拆迁补偿标准"},
        headers=world.auth("approver"),
    )
    assert incomplete.status_code == 422
    handler = client.post(
        f"/topics/{biggest['id']}/decision",
        json={"decision": "decline", "reason": "x"},
        headers=world.auth("handler"),
    )
    assert handler.status_code == 403
    converted = client.post(
        f"/topics/{biggest['id']}/decision",
        json={
            "decision": "convert",
            "title": "示范区2025年房屋拆迁补偿标准",
            "location": "https://www.example.gov.cn/zdgk/bcbz",
            "category": "征收补偿",
            "published_on": "2026-11-20",
        },
        headers=world.auth("approver"),
    )
    assert converted.status_code == 200, converted.json
    assert converted.json["status"] == "converted"
    again = client.post(
        f"/topics/{biggest['id']}/decision",
        json={"decision": "decline", "reason": "重复决定"},
        headers=world.auth("approver"),
    )
    assert again.status_code == 409
    history = client.get(f"/topics/{biggest['id']}/history", headers=world.auth("handler")).json
    assert [h["action"] for h in history] == ["became_candidate", "convert"]

    found = client.get("/public/catalogue", query_string={"q": PARAPHRASES[3]}).json
    assert found and found[0]["title"] == "示范区2025年房屋拆迁补偿标准"
    unrelated = client.get("/public/catalogue", query_string={"q": "公交线路调整方案"}).json
    assert unrelated == []


def test_decline_needs_reason(client: Any, world: World) -> None:
    submit(client, world, PARAPHRASES[0], 1)
    topic = client.get("/topics", headers=world.auth("approver")).json[0]
    empty = client.post(
        f"/topics/{topic['id']}/decision",
        json={"decision": "decline", "reason": " "},
        headers=world.auth("approver"),
    )
    assert empty.status_code == 422
    declined = client.post(
        f"/topics/{topic['id']}/decision",
        json={"decision": "decline", "reason": "涉及个人信息，不宜主动公开"},
        headers=world.auth("approver"),
    )
    assert declined.json["status"] == "declined"


def test_repeat_request_shows_the_earlier_reply(client: Any, world: World) -> None:
    first = register(client, world, submitted_at=None, requested_information=PARAPHRASES[0])
    ok(
        act(
            client,
            world,
            "handler",
            first["id"],
            "draft_reply",
            outcome="disclosed",
            reasons="予以公开。",
            details={"disclosure_route": "provided"},
        )
    )
    ok(act(client, world, "approver", first["id"], "approve_reply"))
    second = register(client, world, submitted_at=None, requested_information=PARAPHRASES[1])
    related = client.get(f"/cases/{second['id']}/related", headers=world.auth("handler")).json
    assert related["repeat_suspected"] is True
    assert related["earlier_same_topic"][0]["id"] == first["id"]
    assert related["earlier_same_topic"][0]["outcome"] == "disclosed"
    assert (
        client.get(f"/cases/{second['id']}/related", headers=world.auth("handler_b")).status_code
        == 404
    )


def test_surge_raises_an_alert(client: Any, world: World) -> None:
    for serial in range(1, 6):
        submit(client, world, f"关于示范区化工厂爆炸事故调查报告（第{serial}份申请）", serial)
    alerts = client.get("/alerts", headers=world.auth("approver")).json
    assert len(alerts) == 1
    assert alerts[0]["today_count"] == 5
    assert "明显增多" in alerts[0]["message"]
    assert client.get("/alerts", headers=world.auth("oversight")).json[0]["id"] == alerts[0]["id"]
    assert client.get("/alerts", headers=world.auth("oversight2")).json == []
    acked = client.post(
        f"/alerts/{alerts[0]['id']}/acknowledgement", headers=world.auth("approver")
    )
    assert acked.json["acknowledged_at"]


def test_weird_texts_never_fail(client: Any, world: World) -> None:
    for serial, text in enumerate(["ab", "Ａｂｃ１２３ mixed 中英 text", "公开" * 2000, "★申请①"]):
        submit(client, world, text[:5000], serial + 20)
    # Emoji are refused in stored text (issue 15: letters cannot print them), never a 500.
    refused = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(30, name="申请人30"),
            "requested_information": "😀😀😀申请",
        },
    )
    assert refused.status_code == 422, refused.json
    # Searching for one is harmless.
    assert client.get("/public/catalogue", query_string={"q": "😀"}).status_code == 200


def test_candidate_threshold_is_an_agency_setting(client: Any, world: World) -> None:
    changed = client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"topic_min_applicants": 2},
        headers=world.auth("admin"),
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["topic_min_applicants"] == 2
    for serial, text in enumerate(PARAPHRASES[:2], start=1):
        submit(client, world, text, serial)
    topic = client.get("/topics", headers=world.auth("handler")).json[0]
    assert topic["status"] == "candidate"
    bad = client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"topic_min_applicants": 0},
        headers=world.auth("admin"),
    )
    assert bad.status_code == 422


def _members(client: Any, world: World, topic_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/topics/{topic_id}/members", headers=world.auth("handler"))
    assert response.status_code == 200, response.json
    return response.json


def _topic(client: Any, world: World, topic_id: int) -> dict[str, Any]:
    return client.get(f"/topics/{topic_id}", headers=world.auth("handler")).json


def test_members_show_why_they_are_in_the_topic(client: Any, world: World) -> None:
    for serial, text in enumerate(PARAPHRASES[:3], start=1):
        submit(client, world, text, serial)
    topic = client.get("/topics", headers=world.auth("handler")).json[0]
    members = _members(client, world, topic["id"])
    assert members[0]["topic_explanation"] == "新主题的首件申请"
    for member in members[1:]:
        assert member["topic_explanation"].startswith("共同要素：")
        assert "示范区" in member["topic_explanation"]
    assert (
        client.get(f"/topics/{topic['id']}/members", headers=world.auth("handler_b")).status_code
        == 404
    )


def test_split_move_and_merge_keep_constraints_and_recompute_candidacy(
    client: Any, world: World
) -> None:
    for serial, text in enumerate(PARAPHRASES[:3], start=1):
        submit(client, world, text, serial)
    topic = client.get("/topics", headers=world.auth("handler")).json[0]
    assert topic["status"] == "candidate"
    first, second, third = (m["id"] for m in _members(client, world, topic["id"]))
    handler = world.auth("handler")

    # bad inputs: one error shape, never a 500
    for body in (
        {"case_ids": [third], "reason": " "},
        {"case_ids": [], "reason": "x"},
        {"case_ids": [first, second, third], "reason": "全部拆出"},
        {"case_ids": [999_999_999], "reason": "不存在"},
        {"reason": "缺少申请"},
    ):
        bad = client.post(f"/topics/{topic['id']}/split", json=body, headers=handler)
        assert bad.status_code == 422, (body, bad.json)
        assert set(bad.json) >= {"code", "status", "message"} or "errors" in bad.json
    assert (
        client.post(
            f"/topics/{topic['id']}/split",
            json={"case_ids": [third], "reason": "x"},
            headers=world.auth("registrar"),
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/topics/{topic['id']}/split",
            json={"case_ids": [third], "reason": "x"},
            headers=world.auth("handler_b"),
        ).status_code
        == 404
    )

    split = client.post(
        f"/topics/{topic['id']}/split",
        json={"case_ids": [third], "reason": "申请的是补偿方案而非补偿标准"},
        headers=handler,
    )
    assert split.status_code == 201, split.json
    new = split.json
    assert new["case_count"] == 1
    assert new["status"] == "open"
    old = _topic(client, world, topic["id"])
    assert old["case_count"] == 2
    assert old["applicant_count"] == 2
    assert old["status"] == "open"  # candidacy recomputed: two applicants are below three
    history = client.get(f"/topics/{topic['id']}/history", headers=handler).json
    assert [h["action"] for h in history][-2:] == ["split", "candidacy_withdrawn"]
    assert history[-2]["data"]["reason"] == "申请的是补偿方案而非补偿标准"
    moved = _members(client, world, new["id"])
    assert moved[0]["topic_explanation"].startswith("承办人调整（申请的是补偿方案而非补偿标准）")

    # the cannot-link is respected: neither a move back nor a merge
    back = client.put(
        f"/cases/{third}/topic", json={"topic_id": topic["id"], "reason": "误拆"}, headers=handler
    )
    assert back.status_code == 409, back.json
    merge = client.post(
        f"/topics/{topic['id']}/merge",
        json={"topic_id": new["id"], "reason": "其实相同"},
        headers=handler,
    )
    assert merge.status_code == 409, merge.json

    # a move elsewhere, audited on both sides, leaves the emptied topic with no cases
    submit(client, world, "2025年示范区财政预算执行情况", 9)
    budget = next(
        t for t in client.get("/topics", headers=handler).json if "预算" in t["representative_text"]
    )
    moved_ok = client.put(
        f"/cases/{third}/topic",
        json={"topic_id": budget["id"], "reason": "归入预算类"},
        headers=handler,
    )
    assert moved_ok.status_code == 200, moved_ok.json
    assert moved_ok.json["case_count"] == 2
    assert _topic(client, world, new["id"])["case_count"] == 0
    actions = [
        h["action"] for h in client.get(f"/topics/{new['id']}/history", headers=handler).json
    ]
    assert actions == ["split_from", "case_moved_out"]
    same = client.put(
        f"/cases/{third}/topic", json={"topic_id": budget["id"], "reason": "再次"}, headers=handler
    )
    assert same.status_code == 409

    # merging the emptied split topic back is fine (no cannot-link left between them)
    merged = client.post(
        f"/topics/{topic['id']}/merge",
        json={"topic_id": new["id"], "reason": "空主题并回"},
        headers=handler,
    )
    assert merged.status_code == 200, merged.json
    assert _topic(client, world, new["id"])["status"] == "merged"
    listed = {t["id"] for t in client.get("/topics", headers=handler).json}
    assert new["id"] not in listed and topic["id"] in listed
    merged_only = client.get("/topics?status=merged", headers=handler).json
    assert [t["id"] for t in merged_only] == [new["id"]]
    again = client.post(
        f"/topics/{topic['id']}/merge",
        json={"topic_id": new["id"], "reason": "重复"},
        headers=handler,
    )
    assert again.status_code == 409
    self_merge = client.post(
        f"/topics/{topic['id']}/merge",
        json={"topic_id": topic["id"], "reason": "x"},
        headers=handler,
    )
    assert self_merge.status_code == 422

    # a fourth applicant's paraphrase still finds the corrected topic at intake, and the
    # topic becomes a candidate again once three different applicants ask
    submit(client, world, PARAPHRASES[3], 4)
    again_topic = _topic(client, world, topic["id"])
    assert again_topic["case_count"] == 3
    assert again_topic["status"] == "candidate"
