"""/docs and /redoc work with no network: every asset comes from this app (issue 12, item 3)."""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

import requests_service

REDOC_SHA256 = "0ec05be285ac885a330289b02f470e1bdbd2b6b3223a9fa213f24bf805a851d1"
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize(("page", "expected"), [("/docs", 3), ("/redoc", 1)])
def test_docs_page_loads_every_asset_from_this_server(
    client: Any, page: str, expected: int
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assets = ASSET.findall(html)
    assert len(assets) == expected, assets
    for url in assets:
        assert url.startswith("/"), f"{url} would be fetched from another host"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.data) > 1000, url
        asset.close()
    assert client.get("/openapi.json").status_code == 200


def test_pinned_versions_and_licence_kept() -> None:
    assert version("swagger-ui-bundle") == "1.1.0"
    redoc = Path(requests_service.__file__).parent / "static" / "redoc"
    assert hashlib.sha256((redoc / "redoc.standalone.js").read_bytes()).hexdigest() == (
        REDOC_SHA256
    )
    assert "MIT License" in (redoc / "LICENSE").read_text()
