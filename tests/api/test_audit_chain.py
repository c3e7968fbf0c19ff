"""Tamper-evident audit (issue 15, item 5): editing an event's actor, back-dating it, deleting
events or re-ordering them breaks the hash chain; `flask verify-audit` and the history API
report the first broken link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from requests_service.db.models import AdminEvent, CaseEvent
from requests_service.domain.audit_chain import GENESIS, ChainLink, event_hash, verify_chain
from requests_service.services.audit import verify_all
from tests.factories import World
from tests.helpers import act, ok, register


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


def _case_with_history(client: Any, world: World) -> int:
    case = register(client, world)
    ok(act(client, world, "handler", case["id"], "start_review"))
    client.post(f"/cases/{case['id']}/notes", json={"body": "备注"}, headers=world.auth("handler"))
    ok(
        act(
            client,
            world,
            "handler",
            case["id"],
            "draft_reply",
            outcome="disclosed",
            reasons="可以公开",
            details={"disclosure_route": "provided"},
        )
    )
    ok(act(client, world, "approver", case["id"], "approve_reply"))
    return int(case["id"])


def _events(app: Any, case_id: int) -> list[tuple[int, int]]:
    session = _session(app)
    try:
        rows = session.execute(
            select(CaseEvent.id, CaseEvent.seq)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.seq)
        ).all()
        return [(row.id, row.seq) for row in rows]
    finally:
        session.close()


def _tamper(app: Any, statement: Any) -> None:
    session = _session(app)
    try:
        session.execute(statement)
        session.commit()
    finally:
        session.close()


def _verify(app: Any) -> list[str]:
    session = _session(app)
    try:
        return [link.describe() for link in verify_all(session)]
    finally:
        session.close()


def test_an_untouched_trail_verifies(client: Any, app: Any, world: World) -> None:
    case_id = _case_with_history(client, world)
    client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"topic_window_days": 100},
        headers=world.auth("admin"),
    )
    assert _verify(app) == []
    seqs = [seq for _, seq in _events(app, case_id)]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 4
    history = client.get(f"/cases/{case_id}/history", headers=world.auth("handler"))
    assert history.headers["X-Audit-Chain"] == "intact"


@pytest.mark.parametrize("tampering", ["actor", "backdate", "delete", "data"])
def test_tampering_is_found(client: Any, app: Any, world: World, tampering: str) -> None:
    case_id = _case_with_history(client, world)
    events = _events(app, case_id)
    victim_id, victim_seq = events[1]
    if tampering == "actor":
        statement = (
            update(CaseEvent).where(CaseEvent.id == victim_id).values(actor_name="用户approver")
        )
    elif tampering == "backdate":
        session = _session(app)
        occurred = session.get(CaseEvent, victim_id).occurred_at
        session.close()
        statement = (
            update(CaseEvent)
            .where(CaseEvent.id == victim_id)
            .values(occurred_at=occurred - timedelta(days=30))
        )
    elif tampering == "delete":
        statement = delete(CaseEvent).where(CaseEvent.id.in_([i for i, _ in events[1:4]]))
        victim_seq = events[4][1]  # the first event after the gap is the broken link
    else:
        statement = update(CaseEvent).where(CaseEvent.id == victim_id).values(data={"x": 1})
    _tamper(app, statement)
    found = _verify(app)
    assert len(found) == 1 and f"案件 {case_id}" in found[0]
    history = client.get(f"/cases/{case_id}/history", headers=world.auth("handler"))
    assert history.status_code == 200
    assert history.headers["X-Audit-Chain"].startswith("broken;")
    assert f"seq={victim_seq}" in history.headers["X-Audit-Chain"]


def test_admin_trail_tampering_is_found(client: Any, app: Any, world: World) -> None:
    for days in (100, 200, 300):
        client.patch(
            f"/admin/agencies/{world.agencies['A']}",
            json={"topic_window_days": days},
            headers=world.auth("admin"),
        )
    assert _verify(app) == []
    _tamper(
        app,
        update(AdminEvent)
        .where(AdminEvent.agency_id == world.agencies["A"], AdminEvent.seq == 2)
        .values(actor_name="别人"),
    )
    found = _verify(app)
    assert len(found) == 1 and "管理日志" in found[0]


def test_verify_audit_command_reports_the_first_broken_link(
    client: Any, app: Any, world: World
) -> None:
    case_id = _case_with_history(client, world)
    runner = app.test_cli_runner()
    context = app.app_context()
    context.push()
    try:
        assert runner.invoke(args=["verify-audit"]).exit_code == 0
        victim_id, _ = _events(app, case_id)[2]
        _tamper(app, delete(CaseEvent).where(CaseEvent.id == victim_id))
        result = runner.invoke(args=["verify-audit"])
    finally:
        context.pop()
    assert result.exit_code == 1
    assert f"案件 {case_id}" in result.output and "序号不连续" in result.output


def test_chain_verification_unit() -> None:
    contents = [{"action": f"a{i}", "seq": i + 1} for i in range(3)]
    links, prev = [], GENESIS
    for index, content in enumerate(contents):
        digest = event_hash(prev, content)
        links.append(ChainLink(index, index + 1, prev, digest, content))
        prev = digest
    assert verify_chain("c", links) is None
    swapped = [links[0], links[2], links[1]]
    assert verify_chain("c", swapped) is not None
    assert verify_chain("c", links[1:]).problem.startswith("序号不连续")


def test_filing_topic_and_calendar_chains(app: Any, world: World) -> None:
    from datetime import date

    from requests_service.db.models import CalendarChange, Topic, TopicEvent
    from requests_service.services.audit import seal_calendar_change, seal_topic_event

    session = _session(app)
    try:
        topic = Topic(
            agency_id=world.agencies["A"],
            representative_text="预算",
            first_on=date(2026, 1, 5),
            last_on=date(2026, 1, 5),
        )
        session.add(topic)
        session.flush()
        for status in ("candidate", "converted"):
            event = TopicEvent(
                topic_id=topic.id,
                action=status,
                from_status="open",
                to_status=status,
                actor_name="系统",
                data={"n": 3},
            )
            seal_topic_event(session, event)
            session.add(event)
        change = CalendarChange(
            year=2030, actor_name="管理员", before=None, after={"days_off": []}, cases_recomputed=0
        )
        seal_calendar_change(session, change)
        session.add(change)
        session.commit()
        assert verify_all(session) == []
        session.execute(
            update(TopicEvent)
            .where(TopicEvent.topic_id == topic.id, TopicEvent.seq == 1)
            .values(actor_name="别人")
        )
        session.execute(
            update(CalendarChange).where(CalendarChange.id == change.id).values(cases_recomputed=9)
        )
        session.commit()
        found = [link.describe() for link in verify_all(session)]
        assert any("高频申请主题" in f for f in found) and any("工作日历" in f for f in found)
    finally:
        session.close()
