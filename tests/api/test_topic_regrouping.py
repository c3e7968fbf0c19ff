"""Regrouping an agency's topics with the officers' corrections (issue 13): the batch rule over
the undecided topics' applications, must-links and cannot-links kept, Art. 44 candidacy
recomputed, every move audited, and a second run changes nothing. Both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from requests_service.db.models import Case, CaseEvent, Topic, TopicEvent
from requests_service.domain.topic_status import TopicStatus
from requests_service.services.history import EVENT_LABELS
from tests.api.test_topics_api import PARAPHRASES, _members, _topic, submit
from tests.factories import World


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


def _regroup_cli(app: Any, agency_id: int) -> str:
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["regroup-topics", "--agency", str(agency_id)])
    assert result.exit_code == 0, result.output
    return str(result.output)


def _counts(app: Any) -> tuple[int, int]:
    session = _session(app)
    try:
        regrouped = session.scalar(
            select(func.count()).where(CaseEvent.action == "topic_regrouped")
        )
        topic_events = session.scalar(select(func.count()).select_from(TopicEvent))
        return int(regrouped or 0), int(topic_events or 0)
    finally:
        session.close()


def _scatter(app: Any, case_id: int, topic_id: int, left_id: int) -> None:
    """Put an application in another topic behind the service's back, with both topics'
    figures as an older grouping rule would have left them."""
    session = _session(app)
    try:
        session.execute(update(Case).where(Case.id == case_id).values(topic_id=topic_id))
        session.execute(
            update(Topic).where(Topic.id == topic_id).values(case_count=2, applicant_count=2)
        )
        session.execute(
            update(Topic)
            .where(Topic.id == left_id)
            .values(case_count=2, applicant_count=2, status=TopicStatus.OPEN)
        )
        session.commit()
    finally:
        session.close()


def test_regroup_joins_what_the_rule_groups_recomputes_candidacy_and_is_idempotent(
    app: Any, client: Any, world: World
) -> None:
    for serial, text in enumerate(PARAPHRASES[:3], start=1):
        submit(client, world, text, serial)
    submit(client, world, "2025年示范区财政预算执行情况", 9)
    topics = client.get("/topics", headers=world.auth("handler")).json
    paraphrases = next(t for t in topics if t["case_count"] == 3)
    budget = next(t for t in topics if t["case_count"] == 1)
    third = _members(client, world, paraphrases["id"])[2]["id"]
    # The third paraphrase as an older rule left it: in the budget topic, so the paraphrases'
    # topic had too few applicants for candidacy.
    _scatter(app, third, budget["id"], paraphrases["id"])
    assert _topic(client, world, paraphrases["id"])["status"] == "open"

    output = _regroup_cli(app, world.agencies["A"])
    assert "调整 1 件" in output

    grouped = _topic(client, world, paraphrases["id"])
    assert grouped["case_count"] == 3
    assert grouped["applicant_count"] == 3
    assert grouped["status"] == "candidate"  # Art. 44 candidacy recomputed
    assert _topic(client, world, budget["id"])["case_count"] == 1
    moved = next(m for m in _members(client, world, paraphrases["id"]) if m["id"] == third)
    assert moved["topic_explanation"].startswith("重新归并：共同要素：")
    history = client.get(f"/topics/{paraphrases['id']}/history", headers=world.auth("handler"))
    assert [h["action"] for h in history.json][-2:] == ["regrouped", "became_candidate"]
    assert history.json[-2]["data"]["cases_in"] == [third]
    events = client.get(f"/cases/{third}/history", headers=world.auth("handler"))
    assert events.status_code == 200, events.json
    regrouped = [e for e in events.json if e["action"] == "topic_regrouped"]
    assert len(regrouped) == 1
    assert regrouped[0]["data"] == {"from_topic_id": budget["id"], "to_topic_id": paraphrases["id"]}
    assert EVENT_LABELS["topic_regrouped"] == "重新归并相似申请主题"

    before = _counts(app)
    assert before[0] == 1
    again = _regroup_cli(app, world.agencies["A"])
    assert "调整 0 件" in again and "新建主题 0 个" in again
    assert _counts(app) == before  # idempotent: nothing moved, nothing audited
    with app.app_context():  # the regrouping's case and topic events are sealed in their chains
        verified = app.test_cli_runner().invoke(args=["verify-audit"])
    assert verified.exit_code == 0, verified.output


def test_regroup_keeps_officers_cannot_links_and_must_links(client: Any, world: World) -> None:
    handler = world.auth("handler")
    for serial, text in enumerate(PARAPHRASES[:3], start=1):
        submit(client, world, text, serial)
    topic = client.get("/topics", headers=handler).json[0]
    first, second, third = (m["id"] for m in _members(client, world, topic["id"]))
    split = client.post(
        f"/topics/{topic['id']}/split",
        json={"case_ids": [third], "reason": "申请的是补偿方案而非补偿标准"},
        headers=handler,
    )
    assert split.status_code == 201, split.json
    submit(client, world, "2025年示范区财政预算执行情况", 9)
    budget = next(t for t in client.get("/topics", headers=handler).json if t["case_count"] == 1
                  and "预算" in t["representative_text"])  # fmt: skip
    # An officer judges the second paraphrase to belong with the budget request.
    moved = client.put(
        f"/cases/{second}/topic", json={"topic_id": budget["id"], "reason": "实为预算"},
        headers=handler,
    )  # fmt: skip
    assert moved.status_code == 200, moved.json

    budget_request = next(
        m["id"] for m in _members(client, world, budget["id"]) if m["id"] != second
    )

    report = client.post(
        f"/admin/agencies/{world.agencies['A']}/topic-regrouping", headers=world.auth("admin")
    )
    assert report.status_code == 200, report.json
    topic_of = {
        m["id"]: t["id"]
        for t in client.get("/topics", headers=handler).json
        for m in _members(client, world, t["id"])
    }
    assert topic_of[first] not in (topic_of[second], topic_of[third])  # cannot-links
    assert topic_of[second] == topic_of[budget_request]  # must-link
    again = client.post(
        f"/admin/agencies/{world.agencies['A']}/topic-regrouping", headers=world.auth("admin")
    )
    assert again.json["moved"] == [] and again.json["created_topics"] == []


def test_regroup_command_refuses_an_unknown_agency(app: Any) -> None:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["regroup-topics", "--agency", "999999"])
    assert result.exit_code == 1
    assert "机关不存在" in result.output


def test_regroup_endpoint_needs_an_admin_of_the_agency(client: Any, world: World) -> None:
    path = f"/admin/agencies/{world.agencies['A']}/topic-regrouping"
    assert client.post(path, headers=world.auth("handler")).status_code == 403
    other = f"/admin/agencies/{world.agencies['C']}/topic-regrouping"
    assert client.post(other, headers=world.auth("admin")).status_code == 404
    empty = client.post(path, headers=world.auth("admin"))
    assert empty.status_code == 200, empty.json
    assert empty.json["cases"] == 0 and empty.json["moved"] == []
