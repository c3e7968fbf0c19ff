"""The committed OpenAPI document (`openapi/openapi.json`) is rendered by this one function."""

from __future__ import annotations

import json
from typing import Any

from flask_smorest import Api

from requests_service.api.errors import ErrorSchema
from requests_service.api.etags import ETAG_LIST_SCHEMA


def render_spec(app: Any) -> str:
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class ServiceApi(Api):  # type: ignore[misc]  # flask-smorest ships no type hints
    """flask-smorest's Api, with the error shape and pagination header this service sends."""

    ERROR_SCHEMA = ErrorSchema

    def _register_etag_headers(self) -> None:
        super()._register_etag_headers()
        # flask-smorest's own If-Match (PUT/PATCH) says only "a string"; an empty or malformed
        # one is refused with 428, so the contract states the form.
        self.spec.components.parameter(
            "IF_MATCH",
            "header",
            {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": "案件的ETag（GET返回）；不符时返回412",
                "schema": ETAG_LIST_SCHEMA,
            },
            lazy=True,
        )

    def _register_pagination_header(self) -> None:
        # X-Pagination is one JSON-encoded string; an object schema would make clients (and
        # contract tests) expect OpenAPI's "simple" key,value serialization instead.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": (
                    "分页信息（JSON字符串）：total, total_pages, first_page, last_page, page, "
                    "previous_page, next_page"
                ),
                "schema": {"type": "string"},
            },
            lazy=True,
        )
