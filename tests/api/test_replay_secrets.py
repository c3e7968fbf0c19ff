"""Idempotency replays keep no tracking secret readable in the database (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from requests_service.services import replay_body
from tests.factories import World, person


def _stored_rows(app: Any) -> list[str]:
    session = app.extensions["db_session_factory"]()
    try:
        rows = session.execute(text("SELECT key, response FROM idempotency_keys")).all()
        return [f"{key} {response}" for key, response in rows]
    finally:
        session.close()


def _assert_no_secret_stored(app: Any, secret: str) -> None:
    rows = _stored_rows(app)
    assert rows
    for row in rows:
        assert secret not in row and secret.lower() not in row
        assert "tracking_secret" not in row


def test_public_submission_replay_returns_the_secret_it_does_not_store(
    app: Any, client: Any, world: World
) -> None:
    body = {
        "agency_id": world.agencies["A"],
        "applicant": person(),
        "requested_information": "2025年度财政预算执行情况",
    }
    headers = {"Idempotency-Key": "form-secret-1"}
    first = client.post("/public/applications", json=body, headers=headers)
    assert first.status_code == 201, first.json
    _assert_no_secret_stored(app, first.json["tracking_secret"])

    again = client.post("/public/applications", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json == first.json


def test_registration_replay_returns_the_secret_it_does_not_store(
    app: Any, client: Any, world: World
) -> None:
    body = {
        "channel": "in_person",
        "applicant": person(),
        "requested_information": "2025年本市重点建设项目计划",
    }
    headers = {**world.auth("registrar"), "Idempotency-Key": "desk-secret-1"}
    first = client.post("/cases", json=body, headers=headers)
    assert first.status_code == 201, first.json
    _assert_no_secret_stored(app, first.json["tracking_secret"])

    again = client.post("/cases", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json == first.json


BODY = {"case_id": 7, "tracking_code": "ABCD-EFGH", "tracking_secret": "K7Q2M9X4P3"}


def test_sealed_body_opens_only_with_its_server_key_and_idempotency_key() -> None:
    stored = replay_body.seal(BODY, secret_key="server-key", idempotency_key="k-1")
    assert "K7Q2M9X4P3" not in str(stored) and "tracking_secret" not in stored
    assert replay_body.unseal(stored, secret_key="server-key", idempotency_key="k-1") == BODY
    with pytest.raises(replay_body.ReplayUnavailable):
        replay_body.unseal(stored, secret_key="another-key", idempotency_key="k-1")
    with pytest.raises(replay_body.ReplayUnavailable):
        replay_body.unseal(stored, secret_key="server-key", idempotency_key="k-2")
    tampered = {**stored, "sealed": stored["sealed"][:-4] + "AAAA"}
    with pytest.raises(replay_body.ReplayUnavailable):
        replay_body.unseal(tampered, secret_key="server-key", idempotency_key="k-1")


def test_two_seals_of_one_body_differ() -> None:
    """A fresh nonce each time: equal secrets do not show as equal ciphertexts."""
    one = replay_body.seal(BODY, secret_key="server-key", idempotency_key="k-1")
    two = replay_body.seal(BODY, secret_key="server-key", idempotency_key="k-1")
    assert one["sealed"] != two["sealed"]


def test_rows_stored_before_sealing_still_replay() -> None:
    assert replay_body.unseal(BODY, secret_key="server-key", idempotency_key="k-1") == BODY
