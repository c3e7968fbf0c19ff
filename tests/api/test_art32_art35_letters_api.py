"""Art. 32 notice to a third party before disclosure over its objection; Art. 35 reasons
request and deferral letters, and the guard on the 不予处理 (excessive requests) outcome."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from requests_service.domain.art35 import EXCESSIVE_REFUSAL_READING, ExcessiveReading
from requests_service.services.clock import legal_today
from tests.factories import World
from tests.helpers import act, ok, register

EXCESSIVE = {
    "outcome": "not_processed_excessive",
    "reasons": "申请数量明显超过合理范围，申请人说明的理由不合理。",
    "details": {"reason_request_summary": "已要求说明理由，申请人称为了解情况。"},
}
DISCLOSED = {
    "outcome": "disclosed",
    "reasons": "经审查，该信息可以公开。",
    "details": {"disclosure_route": "provided"},
}


@pytest.fixture
def inline_app(app: Any) -> Any:
    app.config["LETTER_QUEUE"] = "inline"
    return app


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def in_handling(client: Any, world: World) -> int:
    case_id: int = register(client, world)["id"]
    ok(act(client, world, "registrar", case_id, "start_review"))
    ok(act(client, world, "handler", case_id, "accept"))
    return case_id


def issue(client: Any, world: World, case_id: int, kind: str) -> dict[str, Any]:
    created = client.post(
        f"/cases/{case_id}/letters", json={"kind": kind}, headers=world.auth("handler")
    )
    assert created.status_code == 201, created.json
    base = f"/cases/{case_id}/letters/{created.json['id']}"
    approved = client.post(f"{base}/approval", headers=world.auth("approver"))
    assert approved.status_code == 200, approved.json
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.status_code == 200, issued.json
    assert issued.json["status"] == "issued"
    letter: dict[str, Any] = issued.json
    letter["text"] = text_of(client.get(f"{base}/pdf", headers=world.auth("handler")).data)
    return letter


# --- Art. 32 -------------------------------------------------------------------------------


def test_disclosure_over_objection_waits_for_the_third_party_notice(
    client: Any, world: World, inline_app: Any
) -> None:
    case_id = in_handling(client, world)
    ok(act(client, world, "handler", case_id, "start_consultation", consulted_party="某建设公司"))
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "end_consultation",
            opinion="涉及本公司商业秘密，不同意公开",
            third_party_objects=True,
        )
    )
    ok(act(client, world, "handler", case_id, "draft_reply", **DISCLOSED))
    blocked = act(client, world, "approver", case_id, "approve_reply")
    assert blocked.status_code == 409
    assert "第三十二条" in blocked.json["message"]
    # the notice cannot be drafted before the decision to disclose
    early = client.post(
        f"/cases/{case_id}/letters",
        json={"kind": "third_party_disclosure_notice"},
        headers=world.auth("handler"),
    )
    assert early.status_code == 422
    # only the approver (head) decides; the reasons are required
    assert (
        act(client, world, "handler", case_id, "decide_disclosure_over_objection", reason="x")
    ).status_code == 403
    missing = act(client, world, "approver", case_id, "decide_disclosure_over_objection")
    assert missing.status_code == 422
    ok(
        act(
            client,
            world,
            "approver",
            case_id,
            "decide_disclosure_over_objection",
            reason="该项目使用财政资金，不公开可能对公共利益造成重大影响",
            disclosed_content="项目投资估算总额",
        )
    )
    still = act(client, world, "approver", case_id, "approve_reply")
    assert still.status_code == 409
    assert "第三方告知书" in still.json["message"]
    letter = issue(client, world, case_id, "third_party_disclosure_notice")
    assert letter["document_number"].startswith("A公告〔")
    for text in ("某建设公司", "项目投资估算总额", "公共利益造成重大影响", "第三十二条"):
        assert text in letter["text"].replace("\n", ""), text
    replied = ok(act(client, world, "approver", case_id, "approve_reply"))
    assert replied["state"] == "replied"
    # the third party's notice is not the applicant's: not on the public timeline's letters
    history = client.get(f"/cases/{case_id}/history", headers=world.auth("handler")).json
    decided = [e for e in history if e["action"] == "decide_disclosure_over_objection"]
    assert decided and decided[0]["data"]["disclosed_content"] == "项目投资估算总额"


def test_disclosure_decision_needs_an_objection(client: Any, world: World) -> None:
    case_id = in_handling(client, world)
    ok(act(client, world, "handler", case_id, "start_consultation", consulted_party="某公司"))
    ok(act(client, world, "handler", case_id, "end_consultation", opinion="同意公开"))
    refused = act(
        client, world, "approver", case_id, "decide_disclosure_over_objection", reason="公共利益"
    )
    assert refused.status_code == 422
    # without an objection disclosure needs no notice
    ok(act(client, world, "handler", case_id, "draft_reply", **DISCLOSED))
    assert ok(act(client, world, "approver", case_id, "approve_reply"))["state"] == "replied"


# --- Art. 35 -------------------------------------------------------------------------------


def test_excessive_refusal_needs_an_issued_reasons_request_and_an_answer(
    client: Any, world: World, inline_app: Any
) -> None:
    assert EXCESSIVE_REFUSAL_READING is ExcessiveReading.PERIOD_RAN_OR_ANSWERED
    case_id = in_handling(client, world)
    none_yet = act(client, world, "handler", case_id, "draft_reply", **EXCESSIVE)
    assert none_yet.status_code == 422
    assert "说明理由告知书" in none_yet.json["message"]
    no_summary = act(client, world, "handler", case_id, "request_reasons")
    assert no_summary.status_code == 422
    requested = ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_reasons",
            volume_summary="一个月内提出86件申请",
            reasons_period_working_days=10,
        )
    )
    assert requested["state"] == "reason_requested"
    assert requested["reasons_due_on"] > legal_today().isoformat()
    not_issued = act(client, world, "handler", case_id, "draft_reply", **EXCESSIVE)
    assert not_issued.status_code == 422
    letter = issue(client, world, case_id, "reasons_request")
    assert letter["document_number"].startswith("A公理〔")
    flat = letter["text"].replace("\n", "")
    assert "一个月内提出86件申请" in flat and "第三十五条" in flat
    waiting = act(client, world, "handler", case_id, "draft_reply", **EXCESSIVE)
    assert waiting.status_code == 422
    assert "尚未届满" in waiting.json["message"]
    ok(act(client, world, "registrar", case_id, "receive_reasons", applicant_reasons="了解情况"))
    drafted = ok(act(client, world, "handler", case_id, "draft_reply", **EXCESSIVE))
    assert drafted["outcome"] == "not_processed_excessive"


def test_excessive_refusal_after_the_period_ran_without_answer(
    client: Any, world: World, inline_app: Any
) -> None:
    case_id = in_handling(client, world)
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_reasons",
            on="2026-03-09",
            volume_summary="拆分提出71件申请",
        )
    )
    issue(client, world, case_id, "reasons_request")
    drafted = ok(act(client, world, "handler", case_id, "draft_reply", **EXCESSIVE))
    assert drafted["state"] == "reply_drafted"


def test_deferral_notice(client: Any, world: World, inline_app: Any) -> None:
    case_id = in_handling(client, world)
    ok(act(client, world, "handler", case_id, "request_reasons", volume_summary="86件申请"))
    early = client.post(
        f"/cases/{case_id}/letters", json={"kind": "deferral_notice"}, headers=world.auth("handler")
    )
    assert early.status_code == 422
    later = legal_today().replace(year=legal_today().year + 1, month=1, day=29)
    ok(
        act(
            client,
            world,
            "registrar",
            case_id,
            "receive_reasons",
            applicant_reasons="用于课题研究",
            deferred_due_on=later.isoformat(),
            deferral_reason="所涉信息约3400页，需要逐页保密审查",
        )
    )
    letter = issue(client, world, case_id, "deferral_notice")
    flat = letter["text"].replace("\n", "")
    assert f"延迟答复的期限为{later.year}年1月29日" in flat
    assert "逐页保密审查" in flat
    assert "第三十五条" in flat
