"""Agency fonts: upload or point to licensed typefaces, validated, used only for the agency's
letters, and each issued letter says which face it used (GB/T 9704)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from requests_service.db.models import Agency
from requests_service.db.session import current_session
from requests_service.services import fonts as font_service
from tests.api.test_letters_api import drafted_case, new_letter
from tests.factories import World

KAI = Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf")


@pytest.fixture
def inline_app(app: Any) -> Any:
    app.config["LETTER_QUEUE"] = "inline"
    return app


def upload(client: Any, world: World, agency: str, role: str, data: bytes, name: str) -> Any:
    return client.post(
        f"/admin/agencies/{world.agencies[agency]}/fonts?role={role}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=world.auth("admin"),
    )


def test_uploaded_font_sets_the_agency_letters(
    client: Any, world: World, inline_app: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setitem(inline_app.config, "UPLOAD_DIR", str(tmp_path))
    # a real 仿宋_GB2312 file is about 4 MB: above the tests' small upload limit
    monkeypatch.setitem(inline_app.config, "MAX_CONTENT_LENGTH", 50 * 1024 * 1024)
    bad = upload(client, world, "A", "body", b"not a font", "fangsong.ttf")
    assert bad.status_code == 422
    assert "file" in bad.json["errors"]
    assert upload(client, world, "A", "italic", KAI.read_bytes(), "x.ttf").status_code == 422
    stored = upload(client, world, "A", "body", KAI.read_bytes(), "仿宋_GB2312.ttf")
    assert stored.status_code == 201, stored.json
    assert stored.json["family"] == "AR PL KaitiM GB"
    assert stored.json["source"] == "upload"
    listed = client.get(
        f"/admin/agencies/{world.agencies['A']}/fonts", headers=world.auth("admin")
    ).json
    assert [f["role"] for f in listed] == ["body"]

    case = drafted_case(client, world)
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    html = client.get(f"{base}/preview?format=html", headers=world.auth("handler"))
    page = html.get_data(as_text=True)
    assert f"rs-agency-{world.agencies['A']}-body" in page
    assert "（印章）" in page  # a draft shows where the seal goes
    assert client.post(f"{base}/approval", headers=world.auth("approver")).status_code == 200
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.status_code == 200, issued.json
    typography = issued.json["typography"]
    assert typography["body"]["source"] == "agency"
    assert typography["body"]["font_name"] == "AR PL KaitiM GB"
    assert typography["title"]["source"] == "fallback"
    assert "小标宋" in typography["title"]["label"]

    # another agency's letters do not use it
    with inline_app.app_context():
        session = current_session()
        other = font_service.typography(session, session.get(Agency, world.agencies["B"]))
    assert other["faces"] == []
    assert other["body"]["source"] == "fallback"

    removed = client.delete(
        f"/admin/agencies/{world.agencies['A']}/fonts/body", headers=world.auth("admin")
    )
    assert removed.status_code == 204
    events = client.get("/admin/events", headers=world.auth("admin")).json
    assert {"agency_font_set", "agency_font_remove"} <= {e["action"] for e in events}


def test_pointing_to_a_font_under_font_dir(
    client: Any, world: World, app: Any, monkeypatch: Any
) -> None:
    path = f"/admin/agencies/{world.agencies['A']}/fonts"
    monkeypatch.setitem(app.config, "FONT_DIR", "")
    unconfigured = client.post(f"{path}?role=title&path=gkai00mp.ttf", headers=world.auth("admin"))
    assert unconfigured.status_code == 422
    monkeypatch.setitem(app.config, "FONT_DIR", str(KAI.parent))
    outside = client.post(
        f"{path}?role=title&path=../../../../etc/passwd", headers=world.auth("admin")
    )
    assert outside.status_code == 422
    pointed = client.post(f"{path}?role=title&path=gkai00mp.ttf", headers=world.auth("admin"))
    assert pointed.status_code == 201, pointed.json
    assert pointed.json["source"] == "path"
    assert client.post(path + "?role=title", headers=world.auth("admin")).status_code == 422
    assert client.get(path, headers=world.auth("handler")).status_code == 403
