"""The read hot paths read Core rows into records instead of ORM entities (issue 16); what they
answer must not change by a byte.

Each test sends the request through the app and compares the body's text and the ETag with
what the ORM entities give through the same view function, schema and JSON provider (the
path before the change, which the write endpoints still take; fee assessments as entities):
cases fresh, assigned, paused
with a fee and an extension, submitted online, of a company; who may see them is unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
import pytest
from flask_smorest.etag import EtagMixin
from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.api.auth import current_actor
from requests_service.api.cases.schemas import (
    CaseDetailSchema,
    CaseQueryArgsSchema,
    CaseSummarySchema,
)
from requests_service.api.etags import case_etag_data
from requests_service.api.fees.schemas import FeeAssessmentSchema
from requests_service.api.public.routes import _link
from requests_service.api.public.schemas import TrackingSchema
from requests_service.db.models import Attachment, FeeAssessment
from requests_service.db.session import current_session
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.services import case_views
from requests_service.services import cases as case_service
from requests_service.services.clock import case_clock
from requests_service.services.history import case_events
from requests_service.services.letters import APPLICANT_KINDS, LETTER_TITLES, letters_of
from requests_service.services.public_view import _detail, _label
from requests_service.services.queries import CaseFilters, case_list_query
from tests.api.test_compiled_dump import _paused_with_fee_and_extension
from tests.api.test_letters_api import REPLY, new_letter
from tests.api.test_public_uploads import upload
from tests.factories import World, company
from tests.helpers import act, ok, register


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


def _replied_with_letter(client: Any, world: World) -> dict[str, Any]:
    case = register(client, world, submitted_at=None)
    ok(act(client, world, "handler", case["id"], "draft_reply", **REPLY))
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    assert client.post(f"{base}/approval", headers=world.auth("approver")).status_code == 200
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.json["status"] == "issued", issued.json
    return case


def _entity_tracking_view(session: Session, case: Any) -> dict[str, Any]:
    """``public_view.tracking_view`` as it was before issue 16: ORM entities throughout."""
    events = case_events(session, case.id, public_only=True)
    correction_items: list[str] = []
    for e in events:
        if e.action == Action.REQUEST_CORRECTION.value:
            correction_items = list((e.data or {}).get("correction_items", []))
    clock = case_clock(session, case)
    shown = case.replied_on or not case.state.is_open
    return {
        "tracking_code": case.tracking_code,
        "case_number": case.case_number,
        "agency_name": case.agency.name,
        "state": case.state,
        "state_label": case.state.label,
        "channel": case.channel,
        "applicant": case.applicant,
        "requested_information": case.requested_information,
        "receipt_date": case.receipt_date,
        "due_on": case.due_on if case.state.is_open else None,
        "due_provisional": case.due_provisional,
        "paused": bool(clock and clock.pause_reason),
        "pause_reason": clock.pause_reason if clock else None,
        "correction_due_on": (
            case.correction_due_on if case.state is CaseState.AWAITING_CORRECTION else None
        ),
        "correction_items": correction_items,
        "outcome": case.outcome if shown else None,
        "outcome_label": case.outcome.label if case.outcome and shown else None,
        "timeline": [
            {
                "effective_on": e.effective_on,
                "occurred_at": e.occurred_at,
                "action": e.action,
                "label": _label(e.action),
                "state": e.to_state.value if e.to_state else None,
                "state_label": e.to_state.label if e.to_state else None,
                "detail": _detail(e.action, e.data or {}),
            }
            for e in events
        ],
        "fees": [
            {
                "status": a.status,
                "status_label": FeeStatus(a.status).label,
                "method_label": a.method.label,
                "amount_due": str(a.amount_due),
                "notice_issued_on": a.notice_issued_on,
                "payment_due_on": a.payment_due_on,
                "paid_on": a.paid_on,
                "explanation": (a.breakdown or {}).get("explanation", []),
            }
            for a in _fee_entities(session, case.id)
            if a.status not in ("proposed", "declined")
        ],
        "letters": [
            {
                "id": letter.id,
                "kind": letter.kind,
                "title": LETTER_TITLES.get(letter.kind, letter.kind),
                "document_number": letter.document_number,
                "issue_date": letter.issue_date,
                "download": f"/public/tracking/{case.tracking_code}/letters/{letter.id}",
                "download_url": _link(letter.id),
            }
            for letter in letters_of(session, case.id)
            if letter.status == "issued" and letter.kind in APPLICANT_KINDS
        ],
        "files": _applicant_file_entities(session, case.id),
    }


def _applicant_file_entities(session: Session, case_id: int) -> list[Attachment]:
    """The files the applicant sent, oldest first, as entities (the rule stated here on its
    own: only the applicant's files go back to them)."""
    query = select(Attachment).where(
        Attachment.case_id == case_id, Attachment.uploaded_by_applicant.is_(True)
    )
    return list(session.scalars(query.order_by(Attachment.id)))


def test_tracking_answers_what_the_entities_gave(
    app: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LETTER_QUEUE", "inline")
    fresh = register(client, world)
    involved = _paused_with_fee_and_extension(client, world)
    replied = _replied_with_letter(client, world)
    submitted = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": company(2),
            "requested_information": "请公开2025年本市重点建设项目计划",
        },
    ).json
    for tracked in (fresh, submitted):
        code, secret = tracked["tracking_code"], tracked["tracking_secret"]
        assert upload(client, code, secret).status_code == 201
    # The signed links carry their expiry in seconds: both answers are made within one.
    monkeypatch.setattr("requests_service.api.public.routes.time.time", lambda: 1_800_000_000.0)
    for tracked in (fresh, involved, replied, submitted):
        code, secret = tracked["tracking_code"], tracked["tracking_secret"]
        headers = {"X-Tracking-Secret": secret}
        response = client.get(f"/public/tracking/{code}", headers=headers)
        assert response.status_code == 200, response.json
        with app.test_request_context(f"/public/tracking/{code}", headers=headers):
            session = current_session()
            key = app.config["SECRET_KEY"]
            case = case_service.get_case_by_tracking(session, code, secret, key)
            view = _entity_tracking_view(session, case)
            dumped = ma.Schema.dump(TrackingSchema(), view)
            text = app.json.response(dumped).get_data(as_text=True)
        assert response.get_data(as_text=True) == text
    body = client.get(
        f"/public/tracking/{replied['tracking_code']}",
        headers={"X-Tracking-Secret": replied["tracking_secret"]},
    ).json
    assert body["letters"] and body["timeline"] and body["outcome"], body
    files = client.get(
        f"/public/tracking/{submitted['tracking_code']}",
        headers={"X-Tracking-Secret": submitted["tracking_secret"]},
    ).json["files"]
    assert files, files
    involved_body = client.get(
        f"/public/tracking/{involved['tracking_code']}",
        headers={"X-Tracking-Secret": involved["tracking_secret"]},
    ).json
    assert involved_body["fees"] and involved_body["correction_items"], involved_body


def test_tracking_still_answers_one_404_for_a_wrong_code_or_secret(
    client: Any, world: World
) -> None:
    case = register(client, world)
    code, secret = case["tracking_code"], case["tracking_secret"]
    answers = [
        client.get(f"/public/tracking/{c}", headers={"X-Tracking-Secret": s})
        for c, s in ((code, "WRONG"), ("NOSUCHCODE", secret), (code, ""))
    ]
    assert {a.status_code for a in answers} == {404}
    assert {a.json["message"] for a in answers} == {"查询码或查询密码不正确。"}
    assert (
        client.get(
            f"/public/tracking/{code.lower()}", headers={"X-Tracking-Secret": secret.lower()}
        ).status_code
        == 200
    )


LIST_QUERIES = (
    "",
    "?page=1",
    "?page=2&page_size=2",
    "?page=50",
    "?sort=due_on",
    "?sort=-updated_at",
    "?sort=receipt_date&open=true",
    "?applicant_type=legal_person",
    "?organisation_type=commercial_enterprise&sort=-id",
    "?unassigned=true",
    "?q=%E9%87%8D%E7%82%B9",
    "?state=received&state=registered",
    "?exact_total=true&page_size=3",
)


def _entity_list(app: Any, query: str, headers: dict[str, str]) -> tuple[str, int]:
    """The list page's JSON text and total built from ORM entities, as before issue 16."""
    with app.test_request_context(f"/cases{query}", headers=headers):
        from flask import request

        actor = current_actor()
        session = current_session()
        sent: dict[str, Any] = {
            key: request.args.getlist(key) if key == "state" else request.args[key]
            for key in request.args
            if key not in ("page", "page_size")
        }
        args = CaseQueryArgsSchema().load(sent)
        args.pop("exact_total", None)
        page = int(request.args.get("page", 1))
        page_size = int(request.args.get("page_size", 10))
        entities = case_list_query(actor, CaseFilters(**args))
        everything = list(session.scalars(entities))
        shown = everything[(page - 1) * page_size : page * page_size]
        text = app.json.response(CaseSummarySchema(many=True).dump(shown)).get_data(as_text=True)
        return text, len(everything)


@pytest.mark.parametrize("who", ["handler", "oversight"])
def test_the_case_list_answers_what_the_entities_gave(
    app: Any, client: Any, world: World, who: str
) -> None:
    _cases(client, world)
    register(client, world, submitted_at="2026-03-03T10:00:00+08:00")
    other = client.post(
        "/cases",
        json={
            "channel": "in_person",
            "applicant": company(5),
            "requested_information": "B机关的重点项目",
            "submitted_at": "2026-03-02T10:00:00+08:00",
        },
        headers=world.auth("handler_b"),
    )
    assert other.status_code in (201, 403), other.json
    headers = world.auth(who)
    for query in LIST_QUERIES:
        response = client.get(f"/cases{query}", headers=headers)
        assert response.status_code == 200, (query, response.json)
        text, total = _entity_list(app, query, headers)
        assert response.get_data(as_text=True) == text, query
        assert json.loads(response.headers["X-Pagination"])["total"] == total, query


@pytest.mark.parametrize("query", ["", "&open=true", "&exact_total=true"])
def test_a_far_page_is_empty_not_an_error(client: Any, world: World, query: str) -> None:
    """The page's limit and offset are bound as BIGINT, as LIMIT and OFFSET take them (a
    32-bit parameter failed for page 2147483646 of 10 on PostgreSQL; found by the fuzz test)."""
    register(client, world)
    response = client.get(
        f"/cases?page=2147483646&page_size=10{query}", headers=world.auth("handler")
    )
    assert response.status_code == 200, response.json
    assert response.json == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 1
