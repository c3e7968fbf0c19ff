"""The reference pages under /apply through the test client (server side, no JavaScript)."""

from __future__ import annotations

import io
import re
from typing import Any

from requests_service.db.models import PublishedItem
from tests.factories import World, company, person, resident_id
from tests.helpers import act, ok


def page(response: Any) -> str:
    return response.get_data(as_text=True)


def form_fields(agency_id: int, key: str = "k-1", **overrides: str) -> dict[str, Any]:
    applicant = person(7)
    data: dict[str, Any] = {
        "idempotency_key": key,
        "applicant_type": "natural_person",
        "name": applicant["name"],
        "id_type": "resident_id",
        "id_number": applicant["id_number"],
        "phone": applicant["phone"],
        "email": "",
        "address": "",
        "postcode": "",
        "organisation_type": "",
        "contact_person": "",
        "requested_information": "请公开2025年示范区老旧小区改造项目清单",
        "description_hint": "",
        "delivery_form": "electronic",
        "delivery_method": "email",
    }
    data.update(overrides)
    return data


def submit(client: Any, agency_id: int, **kw: Any) -> Any:
    files = kw.pop("files", None)
    data = form_fields(agency_id, **kw)
    if files:
        data["attachments"] = files
    return client.post(f"/apply/{agency_id}", data=data, content_type="multipart/form-data")


def codes(html: str) -> tuple[str, str]:
    code = re.search(r'id="tracking-code">([^<]+)<', html)
    secret = re.search(r'id="tracking-secret">([^<]+)<', html)
    assert code and secret, html
    return code.group(1), secret.group(1)


def test_root_leads_to_the_agency_list(client: Any, world: World) -> None:
    root = client.get("/")
    assert root.status_code == 302
    assert root.headers["Location"].endswith("/apply")
    listing = client.get("/apply")
    html = page(listing)
    assert listing.status_code == 200
    assert listing.headers["Cache-Control"] == "no-store"
    assert "测试机关A" in html and "A政府信息公开办公室" in html and "工作日9:00-17:00" in html
    assert "测试机关O" not in html  # oversight offices take no applications
    filtered = page(client.get("/apply?q=机关B"))
    assert "测试机关B" in filtered and "测试机关A" not in filtered


def test_form_and_catalogue_search(client: Any, app: Any, world: World) -> None:
    session = app.extensions["db_session_factory"]()
    from datetime import date

    session.add(
        PublishedItem(
            agency_id=world.agencies["A"],
            title="2025年示范区老旧小区改造项目清单",
            location="https://www.example.gov.cn/gk/2025/lgx.html",
            category="城乡建设",
            published_on=date(2026, 1, 5),
        )
    )
    session.commit()
    session.close()
    html = page(client.get(f"/apply/{world.agencies['A']}?q=老旧小区改造项目清单"))
    assert "这些信息已经公开" in html
    assert 'href="https://www.example.gov.cn/gk/2025/lgx.html"' in html
    assert 'name="idempotency_key" value="' in html
    none = page(client.get(f"/apply/{world.agencies['A']}?q=完全无关的内容示例"))
    assert "没有找到" in none
    assert client.get(f"/apply/{world.agencies['O']}").status_code == 404
    assert client.get("/apply/999999").status_code == 404


def test_submit_shows_code_and_secret_once_and_is_idempotent(client: Any, world: World) -> None:
    agency = world.agencies["A"]
    first = submit(client, agency, key="same-key")
    assert first.status_code == 201, page(first)
    html = page(first)
    code, secret = codes(html)
    assert "只在这个页面显示一次" in html
    assert "张*" in html and resident_id(7) not in html  # the receipt masks personal data
    again = submit(client, agency, key="same-key")  # double click / reload
    assert again.status_code == 200
    assert codes(page(again)) == (code, secret)
    assert "没有重复提交" in page(again)
    cases = client.get("/cases", headers=world.auth("registrar")).json
    assert len(cases) == 1

    changed = submit(client, agency, key="same-key", requested_information="另一份不同的申请内容")
    assert changed.status_code == 409
    assert "已经提交过一次" in page(changed)
    new_key = re.search(r'name="idempotency_key" value="([^"]+)"', page(changed))
    assert new_key and new_key.group(1) != "same-key"


def test_server_errors_are_shown_next_to_their_fields(client: Any, world: World) -> None:
    bad_id = resident_id(7)[:-1] + ("0" if resident_id(7)[-1] != "0" else "1")
    response = submit(client, world.agencies["A"], id_number=bad_id, phone="", key="k-2")
    assert response.status_code == 422
    html = page(response)
    assert "请修改以下问题后再提交" in html
    assert 'href="#field-id_number"' in html and "身份证号码校验位不正确" in html
    assert 'id="id_number-error"' in html
    assert re.search(r'id="field-id_number"[^>]*aria-invalid="true"', html)
    assert "请至少填写一种联系方式" in html
    assert 'value="k-2"' in html  # the re-rendered form keeps its key
    assert client.get("/cases", headers=world.auth("registrar")).json == []

    missing = submit(client, world.agencies["A"], requested_information="", key="k-3")
    assert missing.status_code == 422
    assert 'href="#field-requested_information"' in page(missing)
    assert 'data-error-for="requested_information"><span' in page(missing)


def test_legal_person_with_credit_code(client: Any, world: World) -> None:
    org = company(3)
    response = submit(
        client,
        world.agencies["A"],
        applicant_type="legal_person",
        organisation_type="",
        name=org["name"],
        id_type="unified_social_credit_code",
        id_number=org["id_number"],
        phone=org["phone"],
        key="k-org",
    )
    assert response.status_code == 422
    assert "法人或其他组织应选择组织类型" in page(response)
    response = submit(
        client,
        world.agencies["A"],
        applicant_type="legal_person",
        organisation_type="commercial_enterprise",
        contact_person="王经理",
        name=org["name"],
        id_type="unified_social_credit_code",
        id_number=org["id_number"],
        phone=org["phone"],
        key="k-org",
    )
    assert response.status_code == 201, page(response)


PDF = b"%PDF-1.4\n% test\n%%EOF\n"


def test_attachments_are_checked_before_the_case_is_made(client: Any, world: World) -> None:
    bad = submit(
        client,
        world.agencies["A"],
        key="k-files",
        files=[(io.BytesIO(b"not a pdf"), "id.pdf", "application/pdf")],
    )
    assert bad.status_code == 422
    assert "内容与其文件类型不符" in page(bad)
    assert client.get("/cases", headers=world.auth("registrar")).json == []
    good = submit(
        client,
        world.agencies["A"],
        key="k-files",
        files=[(io.BytesIO(PDF), "身份证复印件.pdf", "application/pdf")],
    )
    assert good.status_code == 201, page(good)
    assert "身份证复印件.pdf" in page(good)
    case_id = client.get("/cases", headers=world.auth("registrar")).json[0]["id"]
    files = client.get(f"/cases/{case_id}/attachments", headers=world.auth("handler")).json
    assert [(f["filename"], f["kind"]) for f in files] == [("身份证复印件.pdf", "application")]


def track(client: Any, code: str, secret: str, path: str = "/apply/track", **data: Any) -> Any:
    return client.post(
        path, data={"code": code, "secret": secret, **data}, content_type="multipart/form-data"
    )


def test_tracking_correction_letter_and_withdrawal(client: Any, app: Any, world: World) -> None:
    app.config["LETTER_QUEUE"] = "inline"
    assert client.get("/apply/track").status_code == 200
    code, secret = codes(page(submit(client, world.agencies["A"], key="k-track")))
    wrong = track(client, code, "WRONG")
    assert wrong.status_code == 404
    assert "查询码或查询密码不正确" in page(wrong)
    html = page(track(client, code, secret))
    assert "已提交待登记" in html and "您在网上提交了申请" in html
    assert secret not in html.split("<main")[0]  # never in the head or URL

    case_id = client.get("/cases", headers=world.auth("registrar")).json[0]["id"]
    ok(act(client, world, "registrar", case_id, "register"))
    ok(act(client, world, "handler", case_id, "start_review"))
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            correction_items=["请写明所需信息的年份和区域"],
        )
    )
    letter = client.post(
        f"/cases/{case_id}/letters",
        json={"kind": "correction_notice"},
        headers=world.auth("handler"),
    ).json
    base = f"/cases/{case_id}/letters/{letter['id']}"
    assert client.post(f"{base}/approval", headers=world.auth("approver")).status_code == 200
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.status_code == 200, issued.json

    html = page(track(client, code, secret))
    assert "请补正申请" in html and "请写明所需信息的年份和区域" in html
    assert re.search(r"请在\d{4}年\d{1,2}月\d{1,2}日前补正", html)
    assert "补正告知书" in html
    downloaded = track(client, code, secret, f"/apply/track/letters/{letter['id']}")
    assert downloaded.status_code == 200
    assert downloaded.data.startswith(b"%PDF")
    disposition = downloaded.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    disposition.encode("latin-1")  # a real server sends headers as Latin-1
    assert "filename*=UTF-8''" in disposition and "%E3%80%94" in disposition  # 〔
    assert track(client, code, "WRONG", f"/apply/track/letters/{letter['id']}").status_code == 404

    empty = track(client, code, secret, "/apply/track/correction", corrected_information="")
    assert empty.status_code == 422
    assert "请填写补正后的申请内容" in page(empty)
    done = client.post(
        "/apply/track/correction",
        data={
            "code": code,
            "secret": secret,
            "corrected_information": "请公开2025年示范区老旧小区改造项目清单（含各小区名称）",
            "attachments": [(io.BytesIO(PDF), "补正说明.pdf", "application/pdf")],
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 200, page(done)
    html = page(done)
    assert "补正已提交" in html and "办理中" in html
    assert "补正说明.pdf" in html and "补正材料" in html
    assert "机关收到您的补正，答复期限重新计算" in html
    assert "请补正申请" not in html

    withdrawn = track(client, code, secret, "/apply/track/withdrawal", reason="已通过其他途径获得")
    assert withdrawn.status_code == 200
    assert "您已撤回申请" in page(withdrawn)
    again = track(client, code, secret, "/apply/track/withdrawal")
    assert again.status_code == 409


def test_assets_are_served_locally_with_a_strict_policy(client: Any, world: World) -> None:
    response = client.get("/apply")
    html = page(response)
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources and all(s.startswith("/apply/static/") for s in sources)
    for source in sources:
        assert client.get(source).status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"
