"""The committed OpenAPI document (`openapi/openapi.json`) is rendered by this one function."""

from __future__ import annotations

import json
from typing import Any


def render_spec(app: Any) -> str:
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
