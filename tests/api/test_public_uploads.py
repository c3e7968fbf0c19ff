"""Applicants send files through public tracking: with the application, or for a correction."""

from __future__ import annotations

import io
from typing import Any

from tests.factories import World, person
from tests.helpers import act, ok

PDF = b"%PDF-1.4\n% test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def submit(client: Any, world: World) -> tuple[str, str, int]:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(),
            "requested_information": "请公开2025年示范区老旧小区改造项目清单",
        },
    )
    assert response.status_code == 201, response.json
    case_id = client.get("/cases", headers=world.auth("registrar")).json[0]["id"]
    return response.json["tracking_code"], response.json["tracking_secret"], case_id


def upload(
    client: Any,
    code: str,
    secret: str,
    data: bytes = PDF,
    *,
    kind: str = "application",
    name: str = "身份证.pdf",
    mimetype: str = "application/pdf",
) -> Any:
    return client.post(
        f"/public/tracking/{code}/attachments?kind={kind}",
        data={"file": (io.BytesIO(data), name, mimetype)},
        headers={"X-Tracking-Secret": secret},
        content_type="multipart/form-data",
    )


def test_applicant_uploads_once_and_sees_the_file(client: Any, world: World) -> None:
    code, secret, case_id = submit(client, world)
    first = upload(client, code, secret)
    assert first.status_code == 201, first.json
    assert first.json["kind_label"] == "随申请提交的材料"
    assert first.json["filename"] == "身份证.pdf"
    again = upload(client, code, secret)  # a double click or a retry
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]

    tracked = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": secret}).json
    assert [f["filename"] for f in tracked["files"]] == ["身份证.pdf"]
    assert tracked["timeline"][-1]["label"] == "您上传了材料"
    officer = client.get(f"/cases/{case_id}/attachments", headers=world.auth("handler")).json
    assert [(a["filename"], a["kind"]) for a in officer] == [("身份证.pdf", "application")]


def test_upload_needs_the_secret(client: Any, world: World) -> None:
    code, _secret, _case_id = submit(client, world)
    refused = upload(client, code, "WRONG")
    assert refused.status_code == 404
    assert refused.json["message"] == "查询码或查询密码不正确。"


def test_bad_files_are_refused_with_the_error_shape(client: Any, world: World) -> None:
    code, secret, _case_id = submit(client, world)
    wrong_type = upload(client, code, secret, b"MZ\x90\x00", name="a.exe", mimetype="x/exe")
    assert wrong_type.status_code == 415
    assert wrong_type.json["code"] == 415 and "类型不支持" in wrong_type.json["message"]
    fake_pdf = upload(client, code, secret, b"not a pdf at all")
    assert fake_pdf.status_code == 415
    assert "不符" in fake_pdf.json["message"]
    empty = upload(client, code, secret, b"")
    assert empty.status_code == 415
    too_big = upload(client, code, secret, b"%PDF" + b"0" * (300 * 1024))
    assert too_big.status_code == 413
    bad_kind = upload(client, code, secret, kind="delivery_proof")
    assert bad_kind.status_code == 422
    missing = client.post(
        f"/public/tracking/{code}/attachments",
        data={},
        headers={"X-Tracking-Secret": secret},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422


def test_correction_material_only_while_a_correction_is_awaited(client: Any, world: World) -> None:
    code, secret, case_id = submit(client, world)
    early = upload(client, code, secret, kind="correction")
    assert early.status_code == 409
    assert "补正" in early.json["message"]
    ok(act(client, world, "registrar", case_id, "register"))
    ok(act(client, world, "handler", case_id, "start_review"))
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            correction_items=["请提供身份证明复印件"],
        )
    )
    stored = upload(client, code, secret, kind="correction", name="补正.pdf")
    assert stored.status_code == 201, stored.json
    assert stored.json["kind_label"] == "补正材料"


def test_no_uploads_once_withdrawn(client: Any, world: World) -> None:
    code, secret, _case_id = submit(client, world)
    withdrawn = client.post(
        f"/public/tracking/{code}/withdrawal", json={}, headers={"X-Tracking-Secret": secret}
    )
    assert withdrawn.status_code == 200, withdrawn.json
    refused = upload(client, code, secret)
    assert refused.status_code == 409
    assert "不能再上传" in refused.json["message"]


def test_public_timeline_uses_plain_words(client: Any, world: World) -> None:
    code, secret, case_id = submit(client, world)
    ok(act(client, world, "registrar", case_id, "register"))
    tracked = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": secret}).json
    assert [t["label"] for t in tracked["timeline"]] == [
        "您在网上提交了申请",
        "机关确认收到并登记了您的申请",
    ]


def test_an_officers_files_and_internal_events_never_reach_the_applicant(
    client: Any, world: World
) -> None:
    """Privacy: tracking shows the files the applicant sent and the public events only."""
    code, secret, case_id = submit(client, world)
    assert upload(client, code, secret).status_code == 201
    ok(act(client, world, "registrar", case_id, "register"))
    officer_file = client.post(
        f"/cases/{case_id}/attachments?kind=application",
        data={"file": (io.BytesIO(PDF + b"officer"), "内部审批单.pdf", "application/pdf")},
        headers=world.auth("registrar"),
        content_type="multipart/form-data",
    )
    assert officer_file.status_code == 201, officer_file.json
    note = client.post(
        f"/cases/{case_id}/notes", json={"body": "内部意见"}, headers=world.auth("handler")
    )
    assert note.status_code == 201, note.json
    tracked = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": secret}).json
    assert [f["filename"] for f in tracked["files"]] == ["身份证.pdf"]
    assert [t["action"] for t in tracked["timeline"]] == ["submit", "attachment", "register"]
    officer = client.get(f"/cases/{case_id}/attachments", headers=world.auth("handler")).json
    assert [a["filename"] for a in officer] == ["身份证.pdf", "内部审批单.pdf"]
