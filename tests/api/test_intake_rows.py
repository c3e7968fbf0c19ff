"""An online submission's case row is written by a Core INSERT (issue 16); it must store what
the ORM's flush of the same case stores, column for column, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from requests_service.db.models import Applicant, Case
from requests_service.domain.channels import Channel
from requests_service.domain.lifecycle import CaseState
from tests.factories import World, person

# Differ by nature between two cases: keys, random codes, and the moment each was written.
OWN = {"id", "tracking_code", "tracking_secret_hash", "created_at", "updated_at"}


def test_submitted_case_row_equals_the_orm_row(app: Any, client: Any, world: World) -> None:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(1),
            "requested_information": "  请公开2025年示范区拆迁补偿标准  ",
            "description_hint": " 示范区住建局网站 ",
        },
    )
    assert response.status_code == 201, response.json
    cases = Case.metadata.tables[Case.__tablename__]
    session = app.extensions["db_session_factory"]()
    try:
        stored = (
            session.execute(select(cases).where(cases.c.id == response.json["case_id"]))
            .one()
            ._asdict()
        )
        orm_case = Case(
            agency_id=stored["agency_id"],
            applicant_id=stored["applicant_id"],
            state=CaseState.RECEIVED,
            channel=Channel.ONLINE,
            tracking_code="ORM-COMPARISON",
            tracking_secret_hash="0" * 64,
            requested_information="请公开2025年示范区拆迁补偿标准",
            description_hint="示范区住建局网站",
            delivery_form="electronic",
            delivery_method="email",
            submitted_at=stored["submitted_at"],
            topic_id=stored["topic_id"],
            topic_explanation=stored["topic_explanation"],
        )
        session.add(orm_case)
        session.flush()
        written = session.execute(select(cases).where(cases.c.id == orm_case.id)).one()._asdict()
        session.rollback()
    finally:
        session.close()
    assert set(stored) == set(written)
    differing = {n: (stored[n], written[n]) for n in stored if n not in OWN}
    assert {n: a for n, (a, b) in differing.items() if a != b} == {}
    assert stored["version"] == 1 and stored["created_at"] <= stored["updated_at"]
    assert stored["topic_id"] is not None and stored["clock_inputs"] == []


def test_submitted_applicants_rows(app: Any, client: Any, world: World) -> None:
    """The applicant's INSERT (on PostgreSQL a CTE of the case's): its defaults written, the
    case pointing at it, and a second record of the same ID linked to the first person."""
    ids = []
    for text in ("请公开2025年示范区拆迁补偿标准", "请公开2024年示范区财政预算"):
        response = client.post(
            "/public/applications",
            json={
                "agency_id": world.agencies["A"],
                "applicant": person(7),
                "requested_information": text,
            },
        )
        assert response.status_code == 201, response.json
        ids.append(response.json["case_id"])
    applicants = Applicant.metadata.tables[Applicant.__tablename__]
    cases = Case.metadata.tables[Case.__tablename__]
    session = app.extensions["db_session_factory"]()
    try:
        rows = session.execute(
            select(applicants)
            .join(cases, cases.c.applicant_id == applicants.c.id)
            .where(cases.c.id.in_(ids))
            .order_by(cases.c.id)
        ).all()
    finally:
        session.close()
    assert len(rows) == 2 and rows[0].id != rows[1].id
    assert (rows[0].person_id, rows[1].person_id) == (None, rows[0].id)
    for row in rows:
        assert row.created_at is not None and row.notifications_opt_out is False
        assert row.id_fingerprint and row.name == person(7)["name"]


def test_case_defaults_are_ones_the_core_insert_can_apply() -> None:
    """The Core INSERT applies the model's defaults itself (``cases._new_case_row``): a plain
    value or a function of no arguments.  A SQL-expression default, a context-taking function
    or a server default would be skipped or misapplied there without a word — this stops it
    at the model instead."""
    from sqlalchemy.sql.schema import ColumnDefault

    from requests_service.services.cases import _CASE_DEFAULTS

    table = Case.__table__
    for column in table.columns:
        assert column.server_default is None, column.name
        assert column.default is None or isinstance(column.default, ColumnDefault), column.name
    for name, default in _CASE_DEFAULTS:
        assert not default.is_clause_element and not default.is_sequence, name
        if default.is_callable:
            default.arg(None)  # as the flush calls it: the wrapped function takes no argument
