"""Idempotent submission, ETag conflicts, concurrent numbering, bad inputs, uploads."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest

from requests_service.db.models import Agency
from tests.factories import World, person
from tests.helpers import act, register


def submission(world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "agency_id": world.agencies["A"],
        "applicant": person(),
        "requested_information": "2025年度财政预算执行情况",
    }
    body.update(overrides)
    return body


def test_retried_submission_makes_one_case(client: Any, world: World) -> None:
    headers = {"Idempotency-Key": "form-123"}
    first = client.post("/public/applications", json=submission(world), headers=headers)
    again = client.post("/public/applications", json=submission(world), headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json["tracking_code"] == first.json["tracking_code"]
    assert again.json["tracking_secret"] == first.json["tracking_secret"]
    assert len(client.get("/cases", headers=world.auth("registrar")).json) == 1
    different = client.post(
        "/public/applications",
        json=submission(world, requested_information="另一份申请"),
        headers=headers,
    )
    assert different.status_code == 409


@pytest.mark.commits
def test_concurrent_retries_make_one_case(app: Any, world: World) -> None:
    results: list[int] = []

    def submit() -> None:
        with app.test_client() as c:
            r = c.post(
                "/public/applications", json=submission(world), headers={"Idempotency-Key": "k"}
            )
            results.append(r.status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0] == 200 or results.count(201) == 1
    assert results.count(201) == 1
    with app.test_client() as c:
        assert len(c.get("/cases", headers=world.auth("registrar")).json) == 1


@pytest.mark.commits
def test_concurrent_registrations_get_distinct_gapless_numbers(app: Any, world: World) -> None:
    numbers: list[str] = []
    errors: list[Any] = []

    def work() -> None:
        with app.test_client() as c:
            for _ in range(3):
                r = c.post(
                    "/cases",
                    json={
                        "channel": "in_person",
                        "applicant": person(),
                        "requested_information": "并发登记测试",
                        "submitted_at": "2026-03-02T10:00:00+08:00",
                    },
                    headers=world.auth("registrar"),
                )
                if r.status_code == 201:
                    numbers.append(r.json["case_number"])
                else:
                    errors.append(r.json)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"A依申〔2026〕第{i:04d}号" for i in range(1, 13)]


def test_stale_etag_gets_412(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    first = client.get(f"/cases/{case_id}", headers=world.auth("handler"))
    etag = first.headers["ETag"]
    updated = client.patch(
        f"/cases/{case_id}",
        json={"requested_information": "更正后的申请内容"},
        headers={**world.auth("handler"), "If-Match": etag},
    )
    assert updated.status_code == 200, updated.json
    stale = client.patch(
        f"/cases/{case_id}",
        json={"requested_information": "另一位工作人员的修改"},
        headers={**world.auth("handler"), "If-Match": etag},
    )
    assert stale.status_code == 412
    stale_action = client.post(
        f"/cases/{case_id}/transitions",
        json={"action": "start_review"},
        headers={**world.auth("handler"), "If-Match": etag},
    )
    assert stale_action.status_code == 412
    missing = client.patch(
        f"/cases/{case_id}",
        json={"requested_information": "无If-Match"},
        headers=world.auth("handler"),
    )
    assert missing.status_code == 428
    fresh = client.get(f"/cases/{case_id}", headers=world.auth("handler"))
    assert fresh.json["requested_information"] == "更正后的申请内容"
    assert fresh.headers["ETag"] != etag


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "agency_id"),
        ({"requested_information": ""}, "requested_information"),
        ({"agency_id": "abc"}, "agency_id"),
        ({"applicant": {**person(), "applicant_type": "alien"}}, "applicant"),
        ({"applicant": {**person(), "id_number": "110101199003070010"}}, "id_number"),
        ({"applicant": {**person(), "phone": "12345"}}, "phone"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_submissions_are_422_in_chinese(
    client: Any, world: World, body: dict[str, Any], field: str
) -> None:
    payload = submission(world)
    if body == {}:
        payload.pop("agency_id")
    payload.update(body)
    response = client.post("/public/applications", json=payload)
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert field in str(response.json.get("errors"))
    text = str(response.json)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert client.get("/cases", headers=world.auth("registrar")).json == []


def test_unknown_agency_is_404(client: Any, world: World) -> None:
    response = client.post("/public/applications", json=submission(world, agency_id=99999))
    assert response.status_code == 404
    assert "机关" in response.json["message"]
    assert client.get("/cases", headers=world.auth("registrar")).json == []


def test_inactive_agency_is_404(app: Any, client: Any, world: World) -> None:
    session = app.extensions["db_session_factory"]()
    try:
        agency = session.get(Agency, world.agencies["A"])
        assert agency is not None
        agency.active = False
        session.commit()
    finally:
        session.close()
    response = client.post("/public/applications", json=submission(world))
    assert response.status_code == 404
    assert response.json["message"] == "机关不存在或已停用。"
    assert client.get("/cases", headers=world.auth("registrar")).json == []


def test_oversight_office_does_not_take_applications(client: Any, world: World) -> None:
    response = client.post(
        "/public/applications", json=submission(world, agency_id=world.agencies["O"])
    )
    assert response.status_code == 422
    assert "agency_id" in response.json["errors"]
    for officer in ("registrar", "oversight"):
        assert client.get("/cases", headers=world.auth(officer)).json == []


def test_malformed_json_is_400(client: Any, world: World) -> None:
    response = client.post(
        "/public/applications", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json) >= {"code", "status", "message"}


def test_unknown_action_is_422(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    response = act(client, world, "handler", case_id, "teleport")
    assert response.status_code == 422


def test_upload_and_download_attachment(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    pdf = b"%PDF-1.4\n% test\n"
    response = client.post(
        f"/cases/{case_id}/attachments?kind=application",
        data={"file": (io.BytesIO(pdf), "申请表.pdf", "application/pdf")},
        headers=world.auth("registrar"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["size_bytes"] == len(pdf)
    assert len(response.json["sha256"]) == 64
    download = client.get(
        f"/cases/{case_id}/attachments/{response.json['id']}", headers=world.auth("handler")
    )
    assert download.status_code == 200
    assert download.data == pdf
    other = client.get(
        f"/cases/{case_id}/attachments/{response.json['id']}", headers=world.auth("handler_b")
    )
    assert other.status_code == 404


def test_oversized_upload_is_413(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    big = b"%PDF" + b"0" * (300 * 1024)
    response = client.post(
        f"/cases/{case_id}/attachments",
        data={"file": (io.BytesIO(big), "big.pdf", "application/pdf")},
        headers=world.auth("registrar"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    listing = client.get(f"/cases/{case_id}/attachments", headers=world.auth("registrar"))
    assert listing.json == []


@pytest.mark.parametrize(
    ("content", "name", "mimetype"),
    [
        (b"MZ\x90\x00", "virus.exe", "application/x-msdownload"),
        (b"not a pdf at all", "fake.pdf", "application/pdf"),
    ],
)
def test_wrong_type_upload_is_415(
    client: Any, world: World, content: bytes, name: str, mimetype: str
) -> None:
    case_id = register(client, world)["id"]
    response = client.post(
        f"/cases/{case_id}/attachments",
        data={"file": (io.BytesIO(content), name, mimetype)},
        headers=world.auth("registrar"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert set(response.json) >= {"code", "status", "message"}
    listing = client.get(f"/cases/{case_id}/attachments", headers=world.auth("registrar"))
    assert listing.json == []


def test_list_filters_and_pagination(client: Any, world: World) -> None:
    for i in range(3):
        register(client, world, requested_information=f"第{i}号 拆迁补偿标准")
    register(client, world, requested_information="财政预算")
    page = client.get("/cases?page=1&page_size=2", headers=world.auth("handler"))
    assert page.status_code == 200
    assert len(page.json) == 2
    assert '"total": 4' in page.headers["X-Pagination"]
    found = client.get("/cases?q=拆迁", headers=world.auth("handler")).json
    assert len(found) == 3
    assert client.get("/cases?state=registered", headers=world.auth("handler")).json
    assert client.get("/cases?state=archived", headers=world.auth("handler")).json == []
    bad = client.get(
        "/cases?received_from=2026-03-10&received_to=2026-03-01", headers=world.auth("handler")
    )
    assert bad.status_code == 422
    listed = client.get("/cases", headers=world.auth("handler")).json[0]
    assert "*" in listed["applicant"]["id_number"]
    assert "*" in listed["applicant"]["phone"]
    assert listed["state_label"] == "已登记"


def test_assign_handler(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    etag = client.get(f"/cases/{case_id}", headers=world.auth("approver")).headers["ETag"]
    assigned = client.put(
        f"/cases/{case_id}/assignee",
        json={"assignee_id": world.users["handler"]},
        headers={**world.auth("approver"), "If-Match": etag},
    )
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["assignee_id"] == world.users["handler"]
    etag = assigned.headers["ETag"]
    wrong = client.put(
        f"/cases/{case_id}/assignee",
        json={"assignee_id": world.users["handler_b"]},
        headers={**world.auth("approver"), "If-Match": etag},
    )
    assert wrong.status_code == 422
    mine = client.get(
        f"/cases?assignee_id={world.users['handler']}", headers=world.auth("handler")
    ).json
    assert [c["id"] for c in mine] == [case_id]
