"""The committed contract is what the code generates, and it is valid OpenAPI 3."""

from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate

from requests_service.api.spec import render_spec
from requests_service.app import create_app

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_spec_is_current(tmp_path: Path) -> None:
    # A real SECRET_KEY: the service refuses the built-in one outside demo mode.
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/spec.sqlite", "SECRET_KEY": "s"})
    assert SPEC.read_text(encoding="utf-8") == render_spec(app), (
        "openapi/openapi.json is stale: run `flask --app requests_service write-spec`"
    )


def test_spec_is_valid_openapi3() -> None:
    validate(json.loads(SPEC.read_text(encoding="utf-8")))


def test_docs_are_served(tmp_path: Path) -> None:
    # A real SECRET_KEY: the service refuses the built-in one outside demo mode.
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/spec.sqlite", "SECRET_KEY": "s"})
    client = app.test_client()
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200
