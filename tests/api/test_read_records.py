"""The read hot paths read Core rows into records instead of ORM entities (issue 16); what they
answer must not change by a byte.

Each test sends the request through the app and compares the body's text and the ETag with
what the ORM entities give through the same view function, schema and JSON provider (the
path before the change, which the write endpoints still take; fee assessments as entities):
cases fresh, assigned, paused
with a fee and an extension, submitted online, of a company; who may see them is unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask_smorest.etag import EtagMixin
from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.api.auth import current_actor
from requests_service.api.cases.schemas import CaseDetailSchema
from requests_service.api.etags import case_etag_data
from requests_service.api.fees.schemas import FeeAssessmentSchema
from requests_service.db.models import FeeAssessment
from requests_service.db.session import current_session
from requests_service.services import case_views
from requests_service.services import cases as case_service
from tests.api.test_compiled_dump import _paused_with_fee_and_extension
from tests.factories import World, company
from tests.helpers import ok, register


def _cases(client: Any, world: World) -> list[int]:
    fresh = register(client, world)
    assigned = register(client, world, applicant=company(3))
    detail = client.get(f"/cases/{assigned['id']}", headers=world.auth("approver"))
    response = client.put(
        f"/cases/{assigned['id']}/assignee",
        json={"assignee_id": world.users["handler"]},
        headers={**world.auth("approver"), "If-Match": detail.headers["ETag"]},
    )
    ok(response)
    involved = _paused_with_fee_and_extension(client, world)
    submitted = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": company(2),
            "requested_information": "请公开2025年本市重点建设项目计划",
        },
    )
    assert submitted.status_code == 201, submitted.json
    return [fresh["id"], assigned["id"], involved["id"], submitted.json["case_id"]]


def _fee_entities(session: Session, case_id: int) -> list[FeeAssessment]:
    query = select(FeeAssessment).where(FeeAssessment.case_id == case_id)
    return list(session.scalars(query.order_by(FeeAssessment.id)))


def _entity_detail(app: Any, case_id: int, headers: dict[str, str]) -> tuple[str, str]:
    """The detail's JSON text and ETag built from the ORM entities, as before issue 16."""
    with app.test_request_context(f"/cases/{case_id}", headers=headers):
        actor = current_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        view = case_views.case_detail(session, case, actor.role_set)
        view.fees = _fee_entities(session, case_id)
        text = app.json.response(CaseDetailSchema().dump(view)).get_data(as_text=True)
        etag: str = EtagMixin._generate_etag(case_etag_data(case))
        return text, etag


@pytest.mark.parametrize("who", ["handler", "approver", "oversight"])
def test_the_case_detail_answers_what_the_entities_gave(
    app: Any, client: Any, world: World, who: str
) -> None:
    headers = world.auth(who)
    for case_id in _cases(client, world):
        response = client.get(f"/cases/{case_id}", headers=headers)
        assert response.status_code == 200, response.json
        text, etag = _entity_detail(app, case_id, headers)
        assert response.get_data(as_text=True) == text
        assert response.get_etag() == (etag, False)
        again = client.get(f"/cases/{case_id}", headers={**headers, "If-None-Match": f'"{etag}"'})
        assert again.status_code == 304


def test_the_case_detail_still_hides_other_agencies_cases(client: Any, world: World) -> None:
    case_id = register(client, world)["id"]
    for who in ("handler_b", "oversight2", "handler_c"):
        response = client.get(f"/cases/{case_id}", headers=world.auth(who))
        assert response.status_code == 404, who
        assert response.json["message"] == "案件不存在。"
    missing = client.get("/cases/999999", headers=world.auth("handler"))
    assert missing.status_code == 404
    assert missing.json["message"] == "案件不存在。"


def test_the_fee_assessments_answer_what_the_entities_gave(
    app: Any, client: Any, world: World
) -> None:
    headers = world.auth("handler")
    for case_id in _cases(client, world):
        response = client.get(f"/cases/{case_id}/fees", headers=headers)
        assert response.status_code == 200, response.json
        with app.test_request_context(f"/cases/{case_id}/fees", headers=headers):
            entities = _fee_entities(current_session(), case_id)
            dumped = FeeAssessmentSchema(many=True).dump(entities)
            text = app.json.response(dumped).get_data(as_text=True)
        assert response.get_data(as_text=True) == text
