"""Schemas built once and reused across requests (issue 16): the same answers as building them
per request, with nothing carried from one request to the next."""

from __future__ import annotations

import itertools
from typing import Any

from flask_smorest import Blueprint as SmorestBlueprint

from requests_service.api.blueprint import Blueprint, SchemaInstanceParser
from requests_service.api.public.schemas import ApplicationSubmitSchema
from tests.factories import World, person


def test_pagination_metadata_is_flask_smorests() -> None:
    for page, page_size, count in itertools.product(
        (1, 2, 3, 7, 50), (1, 10, 20), (0, 1, 9, 10, 11, 41, 10_000)
    ):
        ours = Blueprint._make_pagination_metadata(page, page_size, count)
        assert ours == SmorestBlueprint._make_pagination_metadata(page, page_size, count)


def test_one_instance_per_schema_class(app: Any) -> None:
    parser = SchemaInstanceParser()
    with app.test_request_context("/"):
        from flask import request

        first = parser._get_schema(ApplicationSubmitSchema, request)
        assert isinstance(first, ApplicationSubmitSchema)
        assert parser._get_schema(ApplicationSubmitSchema, request) is first
        # Instances and mappings are webargs' own business, as before.
        given = ApplicationSubmitSchema()
        assert parser._get_schema(given, request) is given


def test_a_refused_body_leaves_nothing_for_the_next_request(client: Any, world: World) -> None:
    def submit(applicant: dict[str, Any], text: str) -> Any:
        return client.post(
            "/public/applications",
            json={
                "agency_id": world.agencies["A"],
                "applicant": applicant,
                "requested_information": text,
            },
        )

    refused = submit(person(), "")
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"requested_information"}, refused.json
    accepted = submit(person(), "请公开2025年本市重点建设项目计划")
    assert accepted.status_code == 201, accepted.json
    again = submit({**person(), "name": ""}, "请公开2025年本市重点建设项目计划")
    assert again.status_code == 422
    assert set(again.json["errors"]) == {"applicant.name"}, again.json
