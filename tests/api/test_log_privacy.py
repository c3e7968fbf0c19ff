"""No personal data in the server log: a whole case with bad inputs, then the captured log is
scanned for the applicant's ID number, phone, e-mail and address (issue 15, item 2)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import text

from requests_service.db.session import make_engine
from requests_service.safe_logging import describe_exception
from tests.factories import World, person, resident_id
from tests.helpers import act, ok

ID_NUMBER = resident_id(417, birth="19851122")
PHONE = "13912345678"
EMAIL = "secret.applicant@example.com"
ADDRESS = "示范市隐私路88号"
NAME = "隐私测试人"
SECRETS = (ID_NUMBER, PHONE, EMAIL, ADDRESS, NAME)


def _applicant(**overrides: Any) -> dict[str, Any]:
    values = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "email": EMAIL}
    return person(**{**values, "address": ADDRESS, **overrides})


def post_json(client: Any, url: str, body: Any, **kwargs: Any) -> Any:
    """POST JSON as a client would send it: non-ASCII escaped, so lone surrogates go through."""
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Everything a handler would write: messages, arguments, tracebacks."""
    formatter = logging.Formatter()
    parts = []
    for record in caplog.records:
        parts.append(formatter.format(record))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def _assert_clean(caplog: pytest.LogCaptureFixture) -> None:
    logged = _log_text(caplog)
    for value in SECRETS:
        assert value not in logged, f"personal data in the log: {value!r}"


BAD_APPLICANTS = [
    {"name": NAME + "\x00"},
    {"address": ADDRESS + "\x00"},
    {"name": "\ud800" + NAME},
    {"phone": PHONE + "\x00"},
    {"id_number": ID_NUMBER + "\x00"},
    {"address": {"nested": ADDRESS}},
    {"postcode": 10**30},
]


def test_whole_case_with_bad_inputs_logs_no_personal_data(
    client: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    agency = world.agencies["A"]
    statuses: list[int] = []
    for bad in BAD_APPLICANTS:
        response = post_json(
            client,
            "/public/applications",
            {
                "agency_id": agency,
                "applicant": _applicant(**bad),
                "requested_information": "请公开2025年隐私测试信息\x00",
            },
        )
        statuses.append(response.status_code)
    # Officers' endpoints with the same bad values.
    response = post_json(
        client,
        "/cases",
        {
            "channel": "in_person",
            "applicant": _applicant(name=NAME + "\x00"),
            "requested_information": "某信息",
        },
        headers=world.auth("registrar"),
    )
    statuses.append(response.status_code)
    # A well-formed case through its whole life, with bad inputs at every step.
    submitted = client.post(
        "/public/applications",
        json={
            "agency_id": agency,
            "applicant": _applicant(),
            "requested_information": "请公开2025年隐私测试信息",
        },
    )
    assert submitted.status_code == 201, submitted.json
    code, secret = submitted.json["tracking_code"], submitted.json["tracking_secret"]
    for bad_secret in ("wrong", ID_NUMBER + "\x00", "\xff\xfe"):
        response = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": bad_secret})
        assert response.status_code in (400, 404)
    listed = client.get("/cases", query_string={"q": ID_NUMBER}, headers=world.auth("registrar"))
    assert listed.status_code == 200
    case_id = client.get("/cases", headers=world.auth("registrar")).json[0]["id"]
    ok(act(client, world, "registrar", case_id, "register"))
    assert (
        act(client, world, "handler", case_id, "start_review", note=PHONE + "\x00").status_code
        < 500
    )
    ok(act(client, world, "handler", case_id, "start_review"))
    for bad_note in (ADDRESS + "\x00", "\udfff", {"a": [[[[ID_NUMBER]]]]}):
        response = post_json(
            client, f"/cases/{case_id}/notes", {"body": bad_note}, headers=world.auth("handler")
        )
        statuses.append(response.status_code)
    draft = {
        "outcome": "disclosed",
        "reasons": f"经审查可以公开。{ADDRESS}",
        "details": {"disclosure_route": "provided"},
    }
    ok(act(client, world, "handler", case_id, "draft_reply", **draft))
    ok(act(client, world, "approver", case_id, "approve_reply"))
    response = post_json(
        client,
        f"/public/tracking/{code}/withdrawal",
        {"reason": f"{NAME}{PHONE}\x00"},
        headers={"X-Tracking-Secret": secret},
    )
    statuses.append(response.status_code)
    assert client.get(f"/cases/{case_id}/history", headers=world.auth("handler")).status_code == 200
    assert 500 not in statuses, statuses
    _assert_clean(caplog)


def test_database_errors_carry_no_bound_values(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The engine hides parameters, so a failing statement's message holds no values."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(Exception) as failure:
            conn.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": ID_NUMBER})
    finally:
        engine.dispose()
    assert ID_NUMBER not in str(failure.value)
    assert "hidden" in str(failure.value)


def test_unhandled_errors_are_logged_without_their_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    try:
        try:
            raise KeyError(ID_NUMBER)
        except KeyError as inner:
            raise ValueError(f"bad address {ADDRESS}") from inner
    except ValueError as exc:
        described = describe_exception(exc)
    assert "builtins.ValueError" in described and "builtins.KeyError" in described
    assert "test_log_privacy.py" in described
    assert ID_NUMBER not in described and ADDRESS not in described


def test_gunicorn_access_log_has_no_query_string() -> None:
    """Case searches put names and ID numbers in the query string (`/cases?q=…`)."""
    from pathlib import Path

    settings: dict[str, object] = {}
    source = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    exec(compile(source.read_text(), str(source), "exec"), settings)
    log_format = str(settings["access_log_format"])
    assert "%(U)s" in log_format
    for with_query in ("%(r)s", "%(q)s", "%({raw_uri}e)s"):
        assert with_query not in log_format
