"""Audit chain heads anchored outside the database (issue 15): deleting the newest events and
re-chaining from there passes the chain check alone, but not `verify-audit --anchors`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from requests_service.db.models import CaseEvent
from requests_service.jobs.schedule import run_job
from tests.api.test_audit_chain import _case_with_history, _events, _tamper
from tests.factories import World


def _cli(app: Any, *args: str) -> Any:
    context = app.app_context()
    context.push()
    try:
        return app.test_cli_runner().invoke(args=list(args))
    finally:
        context.pop()


def test_rewriting_the_newest_events_after_an_anchor_is_found(
    client: Any, app: Any, world: World, tmp_path: Path
) -> None:
    case_id = _case_with_history(client, world)
    anchors = tmp_path / "anchors.jsonl"
    result = _cli(app, "anchor-audit", "--file", str(anchors))
    assert result.exit_code == 0, result.output
    record = json.loads(anchors.read_text().splitlines()[0])
    last_seq = _events(app, case_id)[-1][1]
    assert record["heads"][f"case:{case_id}"][0] == last_seq
    assert _cli(app, "verify-audit", "--anchors", str(anchors)).exit_code == 0

    # Delete the two newest events, then let the service chain a new one onto what is left:
    # every link is valid again, so the chain alone cannot tell.
    newest = [event_id for event_id, _ in _events(app, case_id)[-2:]]
    _tamper(app, delete(CaseEvent).where(CaseEvent.id.in_(newest)))
    note = client.post(
        f"/cases/{case_id}/notes", json={"body": "补记"}, headers=world.auth("handler")
    )
    assert note.status_code == 201, note.json
    assert _cli(app, "verify-audit").exit_code == 0

    result = _cli(app, "verify-audit", "--anchors", str(anchors))
    assert result.exit_code == 1
    assert f"case:{case_id}" in result.output
    assert "现只剩" in result.output or "锚定后被改写" in result.output


def test_a_rewrite_to_the_same_length_is_found(
    client: Any, app: Any, world: World, tmp_path: Path
) -> None:
    case_id = _case_with_history(client, world)
    anchors = tmp_path / "anchors.jsonl"
    assert _cli(app, "anchor-audit", "--file", str(anchors)).exit_code == 0
    newest_id, _ = _events(app, case_id)[-1]
    _tamper(app, delete(CaseEvent).where(CaseEvent.id == newest_id))
    note = client.post(
        f"/cases/{case_id}/notes", json={"body": "顶替"}, headers=world.auth("handler")
    )
    assert note.status_code == 201
    result = _cli(app, "verify-audit", "--anchors", str(anchors))
    assert result.exit_code == 1
    assert "锚定后被改写" in result.output


def test_forged_edited_or_dropped_anchors_are_found(
    client: Any, app: Any, world: World, tmp_path: Path
) -> None:
    _case_with_history(client, world)
    anchors = tmp_path / "anchors.jsonl"
    for _ in range(3):
        assert _cli(app, "anchor-audit", "--file", str(anchors)).exit_code == 0
    lines = anchors.read_text().splitlines()
    assert len(lines) == 3
    assert _cli(app, "verify-audit", "--anchors", str(anchors)).exit_code == 0

    dropped = tmp_path / "dropped.jsonl"
    dropped.write_text("\n".join([lines[0], lines[2]]) + "\n")
    result = _cli(app, "verify-audit", "--anchors", str(dropped))
    assert result.exit_code == 1 and "衔接不上" in result.output

    record = json.loads(lines[1])
    chain = next(iter(record["heads"]))
    record["heads"][chain][0] -= 1  # pretend the chain was shorter then
    edited = tmp_path / "edited.jsonl"
    edited.write_text("\n".join([lines[0], json.dumps(record), lines[2]]) + "\n")
    result = _cli(app, "verify-audit", "--anchors", str(edited))
    assert result.exit_code == 1 and "校验码不符" in result.output


def test_the_daily_job_appends_an_anchor(
    client: Any, app: Any, world: World, tmp_path: Path
) -> None:
    case_id = _case_with_history(client, world)
    anchors = tmp_path / "daily" / "anchors.jsonl"
    app.config["AUDIT_ANCHOR_FILE"] = str(anchors)
    run = run_job(app, "anchor-audit")
    assert run is not None and run.status == "succeeded", run and run.outcome
    heads = json.loads(anchors.read_text().splitlines()[-1])["heads"]
    assert heads[f"case:{case_id}"][0] == _events(app, case_id)[-1][1]
    assert _cli(app, "verify-audit", "--anchors", str(anchors)).exit_code == 0


def test_without_an_anchor_file_the_daily_job_does_nothing(app: Any) -> None:
    app.config["AUDIT_ANCHOR_FILE"] = ""
    run = run_job(app, "anchor-audit")
    assert run is not None and run.status == "succeeded"
    assert run.outcome["anchored"] == 0
