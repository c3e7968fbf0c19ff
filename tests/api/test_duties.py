"""Separation of duties (issue 15, item 1): four-eyes on replies and letters, no self-granted
roles, no `oversight` from admins, no tokens minted for another person, token expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from requests_service.db.base import utcnow
from requests_service.db.models import (
    AdminEvent,
    Agency,
    ApiToken,
    CaseEvent,
    Enrolment,
    User,
    UserRole,
)
from requests_service.domain.lifecycle import Role
from requests_service.services.access import hash_token
from tests.api.test_guards import assert_error
from tests.api.test_letters_api import REPLY
from tests.factories import World, person
from tests.helpers import act, ok, register


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


def _add_user(app: Any, world: World, key: str, agency: str, *roles: Role) -> None:
    session = _session(app)
    try:
        user = User(agency_id=world.agencies[agency], username=key, display_name=f"用户{key}")
        user.role_rows = [UserRole(role=r) for r in roles]
        session.add(user)
        session.flush()
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(f"rs_test_{key}"), name="t"))
        session.commit()
        world.users[key] = user.id
        world.tokens[key] = f"rs_test_{key}"
    finally:
        session.close()


def _drafted(client: Any, world: World, drafter: str) -> int:
    case = register(client, world, submitted_at=None)
    ok(act(client, world, drafter, case["id"], "draft_reply", **REPLY))
    return int(case["id"])


def test_approver_never_approves_own_reply(client: Any, app: Any, world: World) -> None:
    _add_user(app, world, "both", "A", Role.HANDLER, Role.APPROVER)
    case_id = _drafted(client, world, "both")
    body = assert_error(act(client, world, "both", case_id, "approve_reply"), 403)
    assert body["details"]["rule"] == "four_eyes"
    # A different approver may.
    ok(act(client, world, "approver", case_id, "approve_reply"))


def test_a_redraft_by_the_approver_makes_them_the_drafter(
    client: Any, app: Any, world: World
) -> None:
    _add_user(app, world, "both", "A", Role.HANDLER, Role.APPROVER)
    case_id = _drafted(client, world, "handler")
    ok(act(client, world, "approver", case_id, "return_draft", reason="请补充理由"))
    ok(act(client, world, "both", case_id, "draft_reply", **REPLY))
    assert_error(act(client, world, "both", case_id, "approve_reply"), 403)


def test_single_officer_exception_is_configurable_and_recorded(
    client: Any, app: Any, world: World
) -> None:
    # Agency C has one officer (handler_c); give them approval too and switch the exception on.
    session = _session(app)
    try:
        user = session.get(User, world.users["handler_c"])
        user.role_rows.append(UserRole(role=Role.APPROVER))
        user.role_rows.append(UserRole(role=Role.REGISTRAR))
        session.commit()
    finally:
        session.close()
    case = client.post(
        "/cases",
        json={
            "channel": "in_person",
            "applicant": person(),
            "requested_information": "2025年本市重点建设项目计划",
        },
        headers=world.auth("handler_c"),
    ).json
    ok(act(client, world, "handler_c", case["id"], "draft_reply", **REPLY))
    assert_error(act(client, world, "handler_c", case["id"], "approve_reply"), 403)
    _add_user(app, world, "admin_c", "C", Role.AGENCY_ADMIN)
    response = client.patch(
        f"/admin/agencies/{world.agencies['C']}",
        json={"single_officer_exception": True},
        headers=world.auth("admin_c"),
    )
    assert response.status_code == 200, response.json
    assert response.json["single_officer_exception"] is True
    ok(act(client, world, "handler_c", case["id"], "approve_reply"))
    session = _session(app)
    try:
        event = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case["id"], CaseEvent.action == "approve_reply"
            )
        ).one()
        assert event.data["four_eyes_exception"] == "single_officer"
    finally:
        session.close()


def test_single_officer_exception_does_not_apply_with_several_officers(
    client: Any, app: Any, world: World
) -> None:
    _add_user(app, world, "both", "A", Role.HANDLER, Role.APPROVER)
    session = _session(app)
    try:
        session.get(Agency, world.agencies["A"]).single_officer_exception = True
        session.commit()
    finally:
        session.close()
    case_id = _drafted(client, world, "both")
    assert_error(act(client, world, "both", case_id, "approve_reply"), 403)


def test_letter_approver_is_not_its_drafter(client: Any, app: Any, world: World) -> None:
    _add_user(app, world, "both", "A", Role.HANDLER, Role.APPROVER)
    case_id = _drafted(client, world, "handler")
    letter = client.post(
        f"/cases/{case_id}/letters", json={"kind": "reply"}, headers=world.auth("both")
    )
    assert letter.status_code == 201, letter.json
    url = f"/cases/{case_id}/letters/{letter.json['id']}/approval"
    assert_error(client.post(url, headers=world.auth("both")), 403)
    assert client.post(url, headers=world.auth("approver")).status_code == 200


def test_admin_cannot_grant_itself_roles(client: Any, world: World) -> None:
    response = client.patch(
        f"/admin/users/{world.users['admin']}",
        json={"roles": ["agency_admin", "handler", "approver"]},
        headers=world.auth("admin"),
    )
    assert assert_error(response, 403)["details"]["rule"] == "self_grant"
    # Renaming oneself is still fine.
    response = client.patch(
        f"/admin/users/{world.users['admin']}",
        json={"display_name": "新名字"},
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.json


def test_admin_cannot_grant_oversight(client: Any, world: World) -> None:
    response = client.post(
        "/admin/users",
        json={"username": "spy", "display_name": "某人", "roles": ["handler", "oversight"]},
        headers=world.auth("admin"),
    )
    assert assert_error(response, 403)["details"]["rule"] == "grant_oversight"
    response = client.patch(
        f"/admin/users/{world.users['handler']}",
        json={"roles": ["handler", "oversight"]},
        headers=world.auth("admin"),
    )
    assert_error(response, 403)
    response = client.patch(
        f"/admin/users/{world.users['handler']}",
        json={"roles": ["handler", "approver"]},
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.json


def test_no_token_for_another_person_enrolment_instead(client: Any, app: Any, world: World) -> None:
    approver = world.users["approver"]
    response = client.post(
        f"/admin/users/{approver}/tokens", json={"name": "x"}, headers=world.auth("admin")
    )
    assert assert_error(response, 403)["details"]["rule"] == "token_for_other"
    # The admin's own token is fine, and expires.
    own = client.post(
        f"/admin/users/{world.users['admin']}/tokens",
        json={"name": "own"},
        headers=world.auth("admin"),
    )
    assert own.status_code == 201, own.json
    assert own.json["expires_at"]
    enrolment = client.post(f"/admin/users/{approver}/enrolment", headers=world.auth("admin"))
    assert enrolment.status_code == 201, enrolment.json
    code = enrolment.json["code"]
    assert "token" not in enrolment.json
    redeemed = client.post("/auth/enrolment", json={"code": code, "name": "laptop"})
    assert redeemed.status_code == 201, redeemed.json
    token = redeemed.json["token"]
    assert client.get("/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # One time only.
    assert_error(client.post("/auth/enrolment", json={"code": code}), 404)
    assert_error(client.post("/auth/enrolment", json={"code": "enrol_guess"}), 404)
    session = _session(app)
    try:
        actions = session.scalars(
            select(AdminEvent.action).where(AdminEvent.target_type.in_(["Enrolment", "ApiToken"]))
        ).all()
        assert "enrolment_create" in actions and actions.count("token_issue") >= 2
    finally:
        session.close()


def test_expired_enrolment_codes_and_tokens_are_refused(
    client: Any, app: Any, world: World
) -> None:
    enrolment = client.post(
        f"/admin/users/{world.users['approver']}/enrolment", headers=world.auth("admin")
    ).json
    renewed = client.post("/auth/tokens", json={"name": "renew"}, headers=world.auth("handler"))
    assert renewed.status_code == 201, renewed.json
    session = _session(app)
    try:
        row = session.get(Enrolment, enrolment["id"])
        row.expires_at = utcnow() - timedelta(seconds=1)
        token = session.get(ApiToken, renewed.json["id"])
        token.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    finally:
        session.close()
    assert_error(client.post("/auth/enrolment", json={"code": enrolment["code"]}), 404)
    expired = {"Authorization": f"Bearer {renewed.json['token']}"}
    assert_error(client.get("/cases", headers=expired), 401)


def test_cli_creates_users_through_the_audited_service(app: Any, world: World) -> None:
    runner = app.test_cli_runner()
    context = app.app_context()
    context.push()
    result = runner.invoke(
        args=[
            "create-user",
            *("--agency-id", str(world.agencies["O"]), "--username", "ov.new"),
            *("--name", "新督查", "--role", "oversight"),
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-token", "--username", "ov.new"])
    context.pop()
    assert result.exit_code == 0, result.output
    session = _session(app)
    try:
        user_id = session.scalar(select(User.id).where(User.username == "ov.new"))
        rows = session.execute(
            select(AdminEvent.action, AdminEvent.actor_name).where(
                AdminEvent.target_id.in_(
                    [
                        user_id,
                        *session.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id)),
                    ]
                )
            )
        ).all()
        assert ("user_create", "命令行") in rows
        assert [a for a, _ in rows].count("token_issue") == 2
    finally:
        session.close()
