"""The intake's index keys (issue 16): stored exactly as computed, on both databases; on
PostgreSQL they travel as one array literal (``db.statements.StringArray``), which must carry
any text unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import StatementError

from requests_service.db.models import RequestBandKey
from requests_service.db.statements import StringArray
from requests_service.domain.similarity import band_keys, features_of, signature, slot_keys
from tests.factories import World, person

AWKWARD = [
    "00:0123456789abcdef",
    'a "quoted" key',
    "back\\slash\\",
    "com,ma",
    "{brace}",
    " spaced ",
    "NULL",
    "",
    "e:area:滨河",
    "new\nline",
    "tab\t",
    '\\"',
]


def test_stored_keys_are_the_computed_keys(app: Any, client: Any, world: World) -> None:
    text = "请公开2025年滨河区“老旧小区改造”实施方案（含资金安排）"
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(1),
            "requested_information": text,
        },
    )
    assert response.status_code == 201, response.json
    session = app.extensions["db_session_factory"]()
    try:
        stored = session.scalars(
            select(RequestBandKey.band_key).where(
                RequestBandKey.case_id == response.json["case_id"]
            )
        ).all()
    finally:
        session.close()
    expected = band_keys(signature(text)) + slot_keys(features_of(text))
    assert sorted(stored) == sorted(expected)
    assert len(stored) == len(expected) > 16


def test_array_literal_round_trip(app: Any) -> None:
    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the keys as separate parameters (no arrays)")
    statement = select(func.unnest(bindparam("keys", type_=StringArray())))
    with engine.connect() as connection:
        # More than psycopg's prepare threshold: the server-side prepared statement too.
        for _ in range(7):
            got = connection.execute(statement, {"keys": AWKWARD}).scalars().all()
            assert got == AWKWARD
        assert connection.execute(statement, {"keys": []}).scalars().all() == []
        # PostgreSQL text cannot hold NUL: refused before it is sent, not split into two keys.
        with pytest.raises(StatementError) as refused:
            connection.execute(statement, {"keys": ["a\x00b"]})
        assert isinstance(refused.value.orig, ValueError)
