"""Letters through the API: draft, preview, edit, approve, issue once, download, deliver."""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

import pytest
from pypdf import PdfReader

from requests_service.jobs import tasks
from requests_service.jobs.tasks import database_key, queue_name
from requests_service.services.clock import legal_today
from tests.factories import World
from tests.helpers import act, ok, register

YEAR = legal_today().year
REPLY = {
    "outcome": "unavailable_not_held",
    "reasons": "经检索，该信息不属于本机关公开职责范围。",
    "details": {
        "not_held_basis": "other_agency",
        "competent_agency_name": "示范市自然资源局",
        "competent_agency_contact": "010-66668888",
    },
}


@pytest.fixture
def inline_app(app: Any) -> Any:
    app.config["LETTER_QUEUE"] = "inline"
    return app


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def drafted_case(client: Any, world: World) -> dict[str, Any]:
    case = register(client, world, submitted_at=None)
    ok(act(client, world, "handler", case["id"], "draft_reply", **REPLY))
    return case


def new_letter(client: Any, world: World, case_id: int, kind: str = "reply") -> Any:
    return client.post(
        f"/cases/{case_id}/letters", json={"kind": kind}, headers=world.auth("handler")
    )


def test_reply_letter_lifecycle(client: Any, world: World, inline_app: Any) -> None:
    case = drafted_case(client, world)
    case_id = case["id"]
    created = new_letter(client, world, case_id)
    assert created.status_code == 201, created.json
    letter = created.json
    base = f"/cases/{case_id}/letters/{letter['id']}"
    html = client.get(f"{base}/preview?format=html", headers=world.auth("handler"))
    assert html.status_code == 200
    assert "示范市自然资源局" in html.get_data(as_text=True)
    preview = client.get(f"{base}/preview", headers=world.auth("handler"))
    assert preview.data.startswith(b"%PDF")

    edited = client.patch(
        base,
        json={"overrides": {"reply.reasons": "经检索核实，该信息由示范市自然资源局制作并保存。"}},
        headers=world.auth("handler"),
    )
    assert edited.status_code == 200, edited.json
    not_editable = client.patch(
        base, json={"overrides": {"agency.name": "伪造机关"}}, headers=world.auth("handler")
    )
    assert not_editable.status_code == 422

    unapproved = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert unapproved.status_code == 409
    assert client.post(f"{base}/approval", headers=world.auth("handler")).status_code == 403
    approved = client.post(f"{base}/approval", headers=world.auth("approver"))
    assert approved.status_code == 200
    assert approved.json["status"] == "approved"

    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.status_code == 200, issued.json
    assert issued.json["status"] == "issued"
    assert issued.json["document_number"] == f"A公复〔{YEAR}〕1号"
    pdf = client.get(f"{base}/pdf", headers=world.auth("handler")).data
    assert hashlib.sha256(pdf).hexdigest() == issued.json["pdf_sha256"]
    text = text_of(pdf)
    assert f"A公复〔{YEAR}〕1号" in text
    assert "示范市自然资源局" in text
    assert "经检索核实" in text
    assert "六个月" in text

    assert client.post(f"{base}/issue", headers=world.auth("handler")).status_code == 409
    frozen = client.patch(
        base, json={"overrides": {"reply.reasons": "签发后修改"}}, headers=world.auth("handler")
    )
    assert frozen.status_code == 409
    # Issued letters are records: the stored bytes come back unchanged.
    assert client.get(f"{base}/preview", headers=world.auth("handler")).data == pdf

    detail = client.get(f"/cases/{case_id}", headers=world.auth("handler")).json
    code = detail["tracking_code"]
    tracked = client.get(
        f"/public/tracking/{code}", headers={"X-Tracking-Secret": case["tracking_secret"]}
    ).json
    assert [item["document_number"] for item in tracked["letters"]] == [f"A公复〔{YEAR}〕1号"]
    download = client.get(
        tracked["letters"][0]["download"], headers={"X-Tracking-Secret": case["tracking_secret"]}
    )
    assert download.data == pdf
    assert client.get(tracked["letters"][0]["download"]).status_code == 404

    delivered = client.post(
        f"{base}/delivery",
        json={"delivery_method": "email", "proof": "邮件发送记录"},
        headers=world.auth("registrar"),
    )
    assert delivered.status_code == 200, delivered.json
    assert delivered.json["delivered_on"] == legal_today().isoformat()
    again = client.post(
        f"{base}/delivery", json={"delivery_method": "post"}, headers=world.auth("registrar")
    )
    assert again.status_code == 409


def test_reply_letter_needs_a_reply_decision(client: Any, world: World) -> None:
    case = register(client, world, submitted_at=None)
    refused = new_letter(client, world, case["id"])
    assert refused.status_code == 422
    assert client.get(f"/cases/{case['id']}/letters", headers=world.auth("handler")).json == []
    no_correction = new_letter(client, world, case["id"], kind="correction_notice")
    assert no_correction.status_code == 422


def test_notice_letters_are_numbered_per_kind(client: Any, world: World, inline_app: Any) -> None:
    case = register(client, world, submitted_at=None)
    ok(act(client, world, "handler", case["id"], "start_review"))
    ok(
        act(
            client,
            world,
            "handler",
            case["id"],
            "request_correction",
            correction_items=["请写明所需信息的文号", "请补充身份证明复印件"],
        )
    )
    numbers = []
    for kind in ("acknowledgement", "correction_notice"):
        letter = new_letter(client, world, case["id"], kind).json
        base = f"/cases/{case['id']}/letters/{letter['id']}"
        client.post(f"{base}/approval", headers=world.auth("approver"))
        issued = client.post(f"{base}/issue", headers=world.auth("registrar"))
        assert issued.status_code == 200, issued.json
        numbers.append(issued.json["document_number"])
        if kind == "correction_notice":
            text = text_of(client.get(f"{base}/pdf", headers=world.auth("handler")).data)
            assert "请写明所需信息的文号" in text and "请补充身份证明复印件" in text
    assert numbers == [f"A公登〔{YEAR}〕1号", f"A公补〔{YEAR}〕1号"]


def test_render_failure_leaves_case_unchanged_and_number_free(
    client: Any, world: World, inline_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = drafted_case(client, world)
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    client.post(f"{base}/approval", headers=world.auth("approver"))
    before = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json

    import requests_service.letters.service_adapter as adapter

    def broken(*_: Any, **__: Any) -> bytes:
        raise OSError("pango crashed")

    monkeypatch.setattr(adapter, "render_pdf", broken)
    failed = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert failed.status_code == 503
    assert "未签发" in failed.json["message"]
    state = client.get(base, headers=world.auth("handler")).json
    assert state["status"] == "approved"
    assert state["document_number"] is None
    assert "OSError" in state["render_error"]
    after = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    assert after["state"] == before["state"] and after["version"] == before["version"]
    # The failure itself is audited (issue 15: revert_issuing wrote no row).
    history = client.get(f"/cases/{case['id']}/history", headers=world.auth("handler")).json
    failure = [e for e in history if e["action"] == "letter_issue_failed"]
    assert len(failure) == 1 and failure[0]["data"]["letter_id"] == letter["id"]
    assert "OSError" in failure[0]["data"]["reason"] and "pango" not in failure[0]["data"]["reason"]

    monkeypatch.undo()
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.json["document_number"] == f"A公复〔{YEAR}〕1号"


@pytest.mark.commits
def test_issue_through_redis_queue(
    client: Any, world: World, app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, SimpleWorker
    from rq.job import Job

    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = Redis.from_url(redis_url)
    try:
        connection.ping()
    except RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis unreachable (CI requires it)")
        pytest.skip("Redis unreachable")
    app.config.update(LETTER_QUEUE="rq", REDIS_URL=redis_url, LETTER_QUEUE_NAME="")
    # One queue per installation: named after this database unless LETTER_QUEUE_NAME is set.
    name = queue_name(app.config)
    assert name == f"letters-{database_key(database_url)}"
    queue = Queue(name, connection=connection)
    queue.empty()
    case = drafted_case(client, world)
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    client.post(f"{base}/approval", headers=world.auth("approver"))
    queued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert queued.status_code == 202, queued.json
    assert queued.json["status"] == "issuing"
    # A worker of another installation that shares the queue name refuses the job untouched.
    other = {"DATABASE_URL": "sqlite:////tmp/another-installation.sqlite"}
    monkeypatch.setattr(tasks, "_WORKER_APP", type("OtherApp", (), {"config": other})())
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert client.get(base, headers=world.auth("handler")).json["status"] == "issuing"
    failed = queue.failed_job_registry
    assert len(failed) == 1
    result = Job.fetch(failed.get_job_ids()[0], connection=connection).latest_result()
    assert result is not None and "WrongDatabase" in (result.exc_string or "")
    # Lost job: after the timeout the letter is queued again (attempt 2), then issued.
    app.config["LETTER_ISSUE_TIMEOUT"] = 0
    with app.app_context():
        assert tasks.recover_stuck_letters(app) == {"retried": [letter["id"]], "failed": []}
    monkeypatch.setattr(tasks, "_WORKER_APP", None)
    # This worker builds its own app from the environment, like `flask letters-worker` does.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("UPLOAD_DIR", app.config["UPLOAD_DIR"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    SimpleWorker([queue], connection=connection).work(burst=True)
    done = client.get(base, headers=world.auth("handler")).json
    assert done["status"] == "issued", done
    assert done["document_number"] == f"A公复〔{YEAR}〕1号"
    assert done["issue_attempts"] == 2


def test_stuck_issue_retried_then_failed_with_reason(
    client: Any, world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A letter whose job never runs: re-queued up to the limit, then back to approved."""
    enqueued: list[int] = []
    monkeypatch.setattr(tasks, "_queue", lambda _app: _FakeQueue(enqueued))
    app.config.update(LETTER_QUEUE="rq", LETTER_ISSUE_TIMEOUT=0, LETTER_ISSUE_MAX_ATTEMPTS=2)
    case = drafted_case(client, world)
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    client.post(f"{base}/approval", headers=world.auth("approver"))
    assert client.post(f"{base}/issue", headers=world.auth("handler")).status_code == 202
    assert client.post(f"{base}/issue", headers=world.auth("handler")).status_code == 409
    with app.app_context():
        assert tasks.recover_stuck_letters(app)["retried"] == [letter["id"]]
        assert tasks.recover_stuck_letters(app)["failed"] == [letter["id"]]
    failed = client.get(base, headers=world.auth("handler")).json
    assert failed["status"] == "approved"
    assert "签发超时" in failed["render_error"] and failed["issue_attempts"] == 2
    assert enqueued == [letter["id"], letter["id"]]
    # The approver's way out: retry (handlers may not).
    assert client.post(f"{base}/issue-retry", headers=world.auth("handler")).status_code == 403
    retried = client.post(f"{base}/issue-retry", headers=world.auth("approver"))
    assert retried.status_code == 202, retried.json
    assert retried.json["status"] == "issuing" and retried.json["issue_attempts"] == 3
    # ...also while it is still "issuing" (the job may be lost), and inline it issues at once.
    app.config["LETTER_QUEUE"] = "inline"
    issued = client.post(f"{base}/issue-retry", headers=world.auth("approver"))
    assert issued.status_code == 200, issued.json
    assert issued.json["status"] == "issued"
    again = client.post(f"{base}/issue-retry", headers=world.auth("approver"))
    assert again.status_code == 409
    history = client.get(f"/cases/{case['id']}/history", headers=world.auth("handler")).json
    actions = [e["action"] for e in history]
    assert actions.count("letter_issue_retry") == 3 and "letter_issue_failed" in actions


class _FakeQueue:
    def __init__(self, enqueued: list[int]) -> None:
        self.enqueued = enqueued

    def enqueue(self, _func: Any, letter_id: int, *_args: Any, **_kwargs: Any) -> None:
        self.enqueued.append(letter_id)


def test_blank_application_form(client: Any, world: World) -> None:
    response = client.get(f"/public/agencies/{world.agencies['A']}/application-form")
    assert response.status_code == 200
    text = text_of(response.data)
    assert "测试机关A" in text
    assert "政府信息公开申请表" in text
    assert client.get("/public/agencies/999/application-form").status_code == 404


def test_delivering_the_reply_letter_delivers_the_case(
    client: Any, world: World, inline_app: Any
) -> None:
    case = drafted_case(client, world)
    ok(act(client, world, "approver", case["id"], "approve_reply"))
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    client.post(f"{base}/approval", headers=world.auth("approver"))
    client.post(f"{base}/issue", headers=world.auth("handler"))
    delivered = client.post(
        f"{base}/delivery",
        json={"delivery_method": "post", "proof": "EMS回执 1234567890"},
        headers=world.auth("registrar"),
    )
    assert delivered.status_code == 200, delivered.json
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    assert detail["state"] == "delivered"
    assert detail["delivered_on"] == legal_today().isoformat()
    history = client.get(f"/cases/{case['id']}/history", headers=world.auth("handler")).json
    deliver = next(e for e in history if e["action"] == "deliver")
    assert deliver["data"]["proof"] == "EMS回执 1234567890"
    assert deliver["from_state"] == "replied" and deliver["to_state"] == "delivered"
