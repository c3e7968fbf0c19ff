"""Authorization matrix from one table (issue 15): every operation of the API has an entry,
so a new endpoint without one fails here. Identities: anonymous, a bad token, each role of
agency A, a handler of agency B (same oversight office) and of agency C (another office), the
oversight office over A and B, another oversight office, and the applicant with the right and
a wrong tracking secret. Escalation cases (self-granted roles, oversight grants, tokens minted
for others, four-eyes) are in test_duties.py; write endpoints' role checks in test_access.py."""

from __future__ import annotations

from typing import Any

import pytest

from requests_service.domain.lifecycle import Role
from tests.api.test_guards import post_json
from tests.factories import World, person
from tests.helpers import register

PUBLIC, OFFICER = "public", "officer"

# (method, path as in the spec) -> who may call it at all: PUBLIC (no token; the tracking
# endpoints then need the applicant's secret) or OFFICER (a valid bearer token).
ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/admin/agencies"): OFFICER,
    ("POST", "/admin/agencies"): OFFICER,
    ("GET", "/admin/agencies/{agency_id}"): OFFICER,
    ("PATCH", "/admin/agencies/{agency_id}"): OFFICER,
    ("POST", "/admin/agencies/{agency_id}/topic-regrouping"): OFFICER,
    ("GET", "/admin/agencies/{agency_id}/negative-list"): OFFICER,
    ("POST", "/admin/agencies/{agency_id}/negative-list"): OFFICER,
    ("GET", "/admin/events"): OFFICER,
    ("POST", "/admin/jobs/close-lapsed"): OFFICER,
    ("PATCH", "/admin/negative-list/{entry_id}"): OFFICER,
    ("DELETE", "/admin/tokens/{token_id}"): OFFICER,
    ("GET", "/admin/users"): OFFICER,
    ("POST", "/admin/users"): OFFICER,
    ("PATCH", "/admin/users/{user_id}"): OFFICER,
    ("POST", "/admin/users/{user_id}/enrolment"): OFFICER,
    ("GET", "/admin/users/{user_id}/tokens"): OFFICER,
    ("POST", "/admin/users/{user_id}/tokens"): OFFICER,
    ("GET", "/alerts"): OFFICER,
    ("POST", "/alerts/{alert_id}/acknowledgement"): OFFICER,
    ("POST", "/applicants/{applicant_id}/links"): OFFICER,
    ("POST", "/auth/enrolment"): PUBLIC,
    ("POST", "/auth/tokens"): OFFICER,
    ("GET", "/calendar"): OFFICER,
    ("GET", "/calendar/changes"): OFFICER,
    ("POST", "/calendar/deadline-calculator"): PUBLIC,
    ("GET", "/calendar/years/{year}"): OFFICER,
    ("PUT", "/calendar/years/{year}"): OFFICER,
    ("GET", "/cases"): OFFICER,
    ("POST", "/cases"): OFFICER,
    ("GET", "/cases/dashboard"): OFFICER,
    ("GET", "/cases/{case_id}"): OFFICER,
    ("PATCH", "/cases/{case_id}"): OFFICER,
    ("PUT", "/cases/{case_id}/assignee"): OFFICER,
    ("GET", "/cases/{case_id}/attachments"): OFFICER,
    ("POST", "/cases/{case_id}/attachments"): OFFICER,
    ("GET", "/cases/{case_id}/attachments/{attachment_id}"): OFFICER,
    ("GET", "/cases/{case_id}/fees"): OFFICER,
    ("POST", "/cases/{case_id}/fees/decline"): OFFICER,
    ("POST", "/cases/{case_id}/fees/preview"): OFFICER,
    ("POST", "/cases/{case_id}/fees/proposal"): OFFICER,
    ("POST", "/cases/{case_id}/fees/reduction"): OFFICER,
    ("POST", "/cases/{case_id}/fees/refund"): OFFICER,
    ("GET", "/cases/{case_id}/filings"): OFFICER,
    ("POST", "/cases/{case_id}/filings"): OFFICER,
    ("GET", "/cases/{case_id}/history"): OFFICER,
    ("GET", "/cases/{case_id}/letters"): OFFICER,
    ("POST", "/cases/{case_id}/letters"): OFFICER,
    ("GET", "/cases/{case_id}/letters/{letter_id}"): OFFICER,
    ("PATCH", "/cases/{case_id}/letters/{letter_id}"): OFFICER,
    ("POST", "/cases/{case_id}/letters/{letter_id}/approval"): OFFICER,
    ("POST", "/cases/{case_id}/letters/{letter_id}/delivery"): OFFICER,
    ("POST", "/cases/{case_id}/letters/{letter_id}/issue"): OFFICER,
    ("GET", "/cases/{case_id}/letters/{letter_id}/pdf"): OFFICER,
    ("GET", "/cases/{case_id}/letters/{letter_id}/preview"): OFFICER,
    ("GET", "/cases/{case_id}/notes"): OFFICER,
    ("POST", "/cases/{case_id}/notes"): OFFICER,
    ("GET", "/cases/{case_id}/related"): OFFICER,
    ("GET", "/cases/{case_id}/remedies"): OFFICER,
    ("POST", "/cases/{case_id}/remedies"): OFFICER,
    ("PATCH", "/cases/{case_id}/remedies/{remedy_id}"): OFFICER,
    ("POST", "/cases/{case_id}/transitions"): OFFICER,
    ("POST", "/fees/calculator"): PUBLIC,
    ("GET", "/fees/totals"): OFFICER,
    ("GET", "/meta/enums"): PUBLIC,
    ("GET", "/oversight/filings"): OFFICER,
    ("GET", "/oversight/filings/counts"): OFFICER,
    ("GET", "/oversight/filings/{filing_id}"): OFFICER,
    ("POST", "/oversight/filings/{filing_id}/actions"): OFFICER,
    ("GET", "/oversight/filings/{filing_id}/history"): OFFICER,
    ("GET", "/oversight/loss-rates"): OFFICER,
    ("GET", "/oversight/self-check"): OFFICER,
    ("GET", "/public/agencies"): PUBLIC,
    ("GET", "/public/agencies/{agency_id}/application-form"): PUBLIC,
    ("POST", "/public/applications"): PUBLIC,
    ("GET", "/public/catalogue"): PUBLIC,
    ("GET", "/public/tracking/{code}"): PUBLIC,
    ("POST", "/public/tracking/{code}/correction"): PUBLIC,
    ("GET", "/public/tracking/{code}/letters/{letter_id}"): PUBLIC,
    ("POST", "/public/tracking/{code}/withdrawal"): PUBLIC,
    ("GET", "/reports/annual/{year}"): OFFICER,
    ("GET", "/statistics"): OFFICER,
    ("GET", "/topics"): OFFICER,
    ("GET", "/topics/{topic_id}"): OFFICER,
    ("POST", "/topics/{topic_id}/decision"): OFFICER,
    ("GET", "/topics/{topic_id}/history"): OFFICER,
    # Added with issues 12, 13, 14, 17 and 18.
    ("GET", "/admin/agencies/{agency_id}/fonts"): OFFICER,
    ("POST", "/admin/agencies/{agency_id}/fonts"): OFFICER,
    ("DELETE", "/admin/agencies/{agency_id}/fonts/{role}"): OFFICER,
    ("GET", "/admin/agencies/{agency_id}/reconsideration-options"): OFFICER,
    ("GET", "/admin/jobs"): OFFICER,
    ("GET", "/admin/jobs/runs"): OFFICER,
    ("GET", "/admin/notifications"): OFFICER,
    ("POST", "/admin/notifications/{notification_id}/resend"): OFFICER,
    ("POST", "/cases/{case_id}/decisions"): OFFICER,
    ("POST", "/cases/{case_id}/decisions/approval"): OFFICER,
    ("POST", "/cases/{case_id}/letters/{letter_id}/issue-retry"): OFFICER,
    ("PUT", "/cases/{case_id}/topic"): OFFICER,
    ("GET", "/public/letters/{letter_id}/download"): PUBLIC,
    ("POST", "/public/tracking/{code}/attachments"): PUBLIC,
    ("PUT", "/public/tracking/{code}/notifications"): PUBLIC,
    ("GET", "/reports/annual/{year}/full"): OFFICER,
    ("GET", "/reports/annual/{year}/inputs"): OFFICER,
    ("PUT", "/reports/annual/{year}/inputs"): OFFICER,
    ("GET", "/topics/{topic_id}/members"): OFFICER,
    ("POST", "/topics/{topic_id}/merge"): OFFICER,
    ("POST", "/topics/{topic_id}/split"): OFFICER,
    ("GET", "/webhooks/dead-letters"): OFFICER,
    ("GET", "/webhooks/deliveries/{delivery_id}"): OFFICER,
    ("POST", "/webhooks/deliveries/{delivery_id}/resend"): OFFICER,
    ("GET", "/webhooks/subscriptions"): OFFICER,
    ("POST", "/webhooks/subscriptions"): OFFICER,
    ("GET", "/webhooks/subscriptions/{subscription_id}"): OFFICER,
    ("PATCH", "/webhooks/subscriptions/{subscription_id}"): OFFICER,
    ("POST", "/webhooks/subscriptions/{subscription_id}/secret"): OFFICER,
    ("GET", "/webhooks/subscriptions/{subscription_id}/deliveries"): OFFICER,
}

ALL_ROLES = frozenset({"registrar", "handler", "approver", "admin", "oversight"})
ADMIN = frozenset({"admin"})
Q = "?date_from=2025-01-01&date_to=2025-12-31"
# GET operations: (URL template, roles of agency A / its oversight office that may read,
# whether the resource belongs to agency A's case or agency — others then get 404).
READS: list[tuple[str, frozenset[str], bool]] = [
    ("/admin/agencies", ADMIN, False),
    ("/admin/agencies/{agency}", ADMIN, False),
    ("/admin/agencies/{agency}/negative-list", ALL_ROLES, True),
    ("/admin/events", ADMIN, False),
    ("/admin/users", ADMIN, False),
    ("/admin/users/{user}/tokens", ADMIN, False),
    ("/alerts", ALL_ROLES, False),
    ("/calendar", ALL_ROLES, False),
    ("/calendar/changes", ALL_ROLES, False),
    ("/calendar/years/2025", ALL_ROLES, False),
    ("/cases", ALL_ROLES, False),
    ("/cases/dashboard", ALL_ROLES, False),
    ("/cases/{case}", ALL_ROLES, True),
    ("/cases/{case}/attachments", ALL_ROLES, True),
    ("/cases/{case}/fees", ALL_ROLES, True),
    ("/cases/{case}/filings", ALL_ROLES, True),
    ("/cases/{case}/history", ALL_ROLES, True),
    ("/cases/{case}/letters", ALL_ROLES, True),
    ("/cases/{case}/notes", ALL_ROLES, True),
    ("/cases/{case}/related", ALL_ROLES, True),
    ("/cases/{case}/remedies", ALL_ROLES, True),
    ("/fees/totals" + Q, ALL_ROLES, False),
    ("/oversight/filings", ALL_ROLES, False),
    ("/oversight/filings/counts", frozenset({"oversight"}), False),
    ("/oversight/loss-rates" + Q, ALL_ROLES, False),
    ("/oversight/self-check" + Q, ALL_ROLES, False),
    ("/reports/annual/2025", ALL_ROLES, False),
    ("/statistics" + Q, ALL_ROLES, False),
    ("/topics", ALL_ROLES, False),
    ("/admin/agencies/{agency}/fonts", ADMIN, False),
    ("/admin/agencies/{agency}/reconsideration-options", ADMIN, False),
    ("/admin/jobs", ADMIN, False),
    ("/admin/jobs/runs", ADMIN, False),
    ("/admin/notifications", ADMIN, False),
    ("/webhooks/subscriptions", ADMIN, False),
    ("/webhooks/dead-letters", ADMIN, False),
]
# Who each identity is: (role, same agency A or its oversight office?)
IDENTITIES = {
    "registrar": ("registrar", True),
    "handler": ("handler", True),
    "approver": ("approver", True),
    "admin": ("admin", True),
    "oversight": ("oversight", True),
    "handler_b": ("handler", False),
    "handler_c": ("handler", False),
    "oversight2": ("oversight", False),
}


def _spec_operations(app: Any) -> set[tuple[str, str]]:
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_operation_has_an_entry(app: Any) -> None:
    operations = _spec_operations(app)
    missing = sorted(operations - set(ACCESS))
    stale = sorted(set(ACCESS) - operations)
    assert not missing, f"operations without an authorization entry: {missing}"
    assert not stale, f"entries for operations that no longer exist: {stale}"


def _url(path: str, world: World, case_id: int) -> str:
    values = {
        "case_id": case_id,
        "agency_id": world.agencies["A"],
        "user_id": world.users["handler"],
        "code": "TRK00000000",
        "year": 2025,
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    # Other ids (letters, attachments, filings…) need not exist: authentication comes first.
    while "{" in path:
        start = path.index("{")
        path = path[:start] + "1" + path[path.index("}") + 1 :]
    return path


@pytest.mark.parametrize(
    ("method", "path"), sorted(op for op, access in ACCESS.items() if access == OFFICER)
)
def test_officer_operations_refuse_missing_and_bad_tokens(
    client: Any, world: World, method: str, path: str
) -> None:
    url = _url(path, world, case_id=1)
    for headers in ({}, {"Authorization": "Bearer rs_forged"}, {"Authorization": "Basic x"}):
        response = client.open(url, method=method, json={}, headers=headers)
        assert response.status_code == 401, (method, path, headers, response.json)


@pytest.mark.parametrize(
    ("method", "path"), sorted(op for op, access in ACCESS.items() if access == PUBLIC)
)
def test_public_operations_need_no_token(client: Any, world: World, method: str, path: str) -> None:
    response = client.open(_url(path, world, case_id=1), method=method, json={})
    assert response.status_code not in (401, 403), (method, path, response.json)


@pytest.mark.parametrize(("template", "roles", "scoped"), READS)
def test_read_matrix(
    client: Any, world: World, template: str, roles: frozenset[str], scoped: bool
) -> None:
    assert ("GET", template.split("?")[0].replace("{case}", "{case_id}")
            .replace("{agency}", "{agency_id}").replace("{user}", "{user_id}")
            .replace("2025", "{year}")) in ACCESS  # fmt: skip
    case_id = register(client, world)["id"]
    url = template.format(case=case_id, agency=world.agencies["A"], user=world.users["handler"])
    for who, (role, same) in IDENTITIES.items():
        status = client.get(url, headers=world.auth(who)).status_code
        if role not in roles:
            expected: Any = 403
        elif scoped and not same:
            expected = 404
        else:
            expected = "allowed"
        if expected == "allowed":
            assert status not in (401, 403, 404), (url, who, status)
        else:
            assert status == expected, (url, who, status)


def test_tracking_needs_the_right_secret(client: Any, world: World) -> None:
    receipt = post_json(
        client,
        "/public/applications",
        {
            "agency_id": world.agencies["A"],
            "applicant": person(),
            "requested_information": "请公开2025年本市预算",
        },
    ).json
    url = f"/public/tracking/{receipt['tracking_code']}"
    right = {"X-Tracking-Secret": receipt["tracking_secret"]}
    assert client.get(url, headers=right).status_code == 200
    for headers in ({"X-Tracking-Secret": "wrong"}, {}, world.auth("handler")):
        assert client.get(url, headers=headers).status_code == 404
        assert client.post(f"{url}/withdrawal", json={}, headers=headers).status_code == 404
        assert (
            client.post(
                f"{url}/correction", json={"corrected_information": "补正内容"}, headers=headers
            ).status_code
            == 404
        )


WRITES = sorted(
    op
    for op, access in ACCESS.items()
    if access == OFFICER and op[0] in ("POST", "PUT", "PATCH", "DELETE")
)
# Write operations open to every officer (nothing to refuse by role).
ANY_OFFICER_WRITES = {("POST", "/auth/tokens")}
ROLE_OF = {
    "registrar": Role.REGISTRAR,
    "handler": Role.HANDLER,
    "approver": Role.APPROVER,
    "admin": Role.AGENCY_ADMIN,
    "oversight": Role.OVERSIGHT,
}


def _view_roles(app: Any, method: str, path: str) -> tuple[Role, ...] | None:
    rule_path = path.replace("{", "<").replace("}", ">")
    for rule in app.url_map.iter_rules():
        if rule.methods and method in rule.methods and _plain(rule.rule) == _plain(rule_path):
            view = app.view_functions[rule.endpoint]
            handler = getattr(view.view_class, method.lower())
            roles: tuple[Role, ...] | None = getattr(handler, "required_roles", None)
            return roles
    raise AssertionError(f"no route for {method} {path}")


def _plain(rule: str) -> str:
    """A rule without converters: /cases/<int:case_id> and /cases/<case_id> compare equal."""
    parts = []
    for part in rule.split("/"):
        if part.startswith("<"):
            part = "<" + part.strip("<>").split(":")[-1] + ">"
        parts.append(part)
    return "/".join(parts)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_writes_refuse_the_wrong_role_before_reading_the_body(
    app: Any, client: Any, world: World, method: str, path: str
) -> None:
    """403 for an officer without the role, whatever the body or preconditions say (they are
    not read); 401 still comes first for a caller without a valid token."""
    roles = _view_roles(app, method, path)
    if (method, path) in ANY_OFFICER_WRITES:
        assert roles is None
        return
    assert roles, f"{method} {path}: declare its roles with @requires_roles"
    case_id = register(client, world)["id"]
    url = _url(path, world, case_id=case_id)
    bad = {"If-Match": "not-an-etag", "Idempotency-Key": ""}
    outsiders = [who for who, role in ROLE_OF.items() if role not in roles]
    assert outsiders, f"{method} {path} is open to every role: list it in ANY_OFFICER_WRITES"
    for who in outsiders:
        headers = {**world.auth(who), **bad}
        for body in ({"no_such_field": 1}, [1, 2], "x"):
            response = client.open(url, method=method, json=body, headers=headers)
            assert response.status_code == 403, (method, path, who, body, response.json)
    anonymous = client.open(url, method=method, json=[1], headers=bad)
    assert anonymous.status_code == 401, (method, path, anonymous.json)
