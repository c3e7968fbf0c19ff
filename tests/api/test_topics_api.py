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
