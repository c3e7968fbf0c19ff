"""The request guard: inputs no endpoint can handle are refused before any view (issue 15.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from requests_service.api.guards import json_depth
from tests.factories import World, person
from tests.helpers import register


def post_json(client: Any, url: str, body: Any, **kwargs: Any) -> Any:
    """Non-ASCII escaped, as clients send it, so lone surrogates reach the server."""
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.json
    body = response.json
    assert body["code"] == status and body["status"] and body["message"]
    return body


def _submission(world: World, **applicant: Any) -> dict[str, Any]:
    return {
        "agency_id": world.agencies["A"],
        "applicant": person(**applicant),
        "requested_information": "请公开2025年本市重点建设项目计划",
    }


@pytest.mark.parametrize(
    "applicant",
    [
        {"name": "张\x00三"},
        {"address": "幸福路\x00"},
        {"name": "\ud800张三"},
        {"email": "a\udfff@b.cn"},
    ],
)
def test_nul_and_lone_surrogates_in_the_body_are_422(
    client: Any, world: World, applicant: dict[str, str]
) -> None:
    body = assert_error(
        post_json(client, "/public/applications", _submission(world, **applicant)), 422
    )
    assert f"applicant.{next(iter(applicant))}" in body["errors"]


def test_nul_in_a_json_key_is_422(client: Any, world: World) -> None:
    data = _submission(world)
    data["applicant"]["na\x00me"] = "x"
    assert_error(post_json(client, "/public/applications", data), 422)


def test_nul_in_query_and_path_and_header(client: Any, world: World) -> None:
    assert_error(client.get("/cases?q=%00", headers=world.auth("handler")), 422)
    assert_error(client.get("/public/agencies?q=a%00b"), 422)
    assert_error(client.get("/public/tracking/AB%00CD", headers={"X-Tracking-Secret": "x"}), 404)
    assert_error(
        client.post(
            "/public/applications",
            json=_submission(world),
            headers={"Idempotency-Key": "key\x00"},
        ),
        400,
    )


def test_nul_in_an_uploaded_file_name_is_422(client: Any, world: World) -> None:
    case = register(client, world)
    response = client.post(
        f"/cases/{case['id']}/attachments",
        data={"file": (__import__("io").BytesIO(b"hello"), "a\x00.txt", "text/plain")},
        headers=world.auth("handler"),
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 422), response.json
    listing = client.get(f"/cases/{case['id']}/attachments", headers=world.auth("handler"))
    assert listing.json == []


def test_deeply_nested_json_is_400_not_a_recursion_error(client: Any, world: World) -> None:
    for depth in (40, 5000, 100_000):
        raw = "[" * depth + "]" * depth
        response = client.post("/public/applications", data=raw, content_type="application/json")
        assert_error(response, 400)
    nested: Any = "x"
    for _ in range(50):
        nested = {"a": nested}
    data = _submission(world)
    data["applicant"]["extra"] = nested
    assert_error(post_json(client, "/public/applications", data), 400)


def test_json_depth() -> None:
    assert json_depth("a") == 0
    assert json_depth([]) == 1
    assert json_depth({"a": [1, {"b": []}]}) == 4


@pytest.mark.parametrize(
    "path",
    ["/cases/2147483648", "/cases/9223372036854775808", "/cases/99999999999999999999999"],
)
def test_ids_beyond_int4_in_paths_are_404(client: Any, world: World, path: str) -> None:
    assert_error(client.get(path, headers=world.auth("handler")), 404)


def test_ids_beyond_int4_in_queries_and_bodies_are_422(client: Any, world: World) -> None:
    auth = world.auth("handler")
    for query in (
        "page=9223372036854775807",
        "page=2147483648",
        "assignee_id=2147483648",
        "agency_id=-9223372036854775809",
    ):
        body = assert_error(client.get(f"/cases?{query}", headers=auth), 422)
        assert body["errors"]
    data = _submission(world)
    data["agency_id"] = 2**31
    assert_error(post_json(client, "/public/applications", data), 422)
    data["agency_id"] = 10**40
    assert_error(post_json(client, "/public/applications", data), 422)


def test_the_largest_int4_id_is_an_ordinary_404(client: Any, world: World) -> None:
    assert_error(client.get("/cases/2147483647", headers=world.auth("handler")), 404)
    assert client.get("/cases?page=2147483647", headers=world.auth("handler")).status_code == 200


def test_authentication_comes_before_body_validation(client: Any, world: World) -> None:
    # An anonymous caller gets 401 whatever the body: no 422 with field details, no 428.
    assert_error(client.post("/cases", json={"nonsense": 1}), 401)
    assert_error(client.post("/cases", data="[[[", content_type="application/json"), 401)
    case = register(client, world)
    assert_error(client.patch(f"/cases/{case['id']}", json={"bad": 1}), 401)
    assert_error(
        client.patch(f"/cases/{case['id']}", json={}, headers={"Authorization": "Bearer nope"}),
        401,
    )
    assert_error(client.post("/admin/users", json={"username": "\x00"}), 401)
    # With a valid token the same request is validated as before.
    assert_error(client.post("/cases", json={"nonsense": 1}, headers=world.auth("registrar")), 422)
    assert_error(client.patch(f"/cases/{case['id']}", json={}, headers=world.auth("handler")), 428)


def test_public_endpoints_need_no_token(client: Any) -> None:
    assert client.get("/public/agencies").status_code == 200
    assert client.get("/meta/enums").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_405_carries_allow(client: Any, world: World) -> None:
    response = client.delete("/public/agencies")
    assert_error(response, 405)
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed and "DELETE" not in allowed
    response = client.put("/cases", headers=world.auth("handler"))
    assert_error(response, 405)
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_per_operation_answers_are_kept_per_method(app: Any, client: Any, world: World) -> None:
    """The guard and the session read a view's marks once per endpoint *and method*: after
    ``GET /cases`` (public: no; reads only: yes) has been answered, ``POST /cases`` on the
    same endpoint still needs a token and still runs in a transaction."""
    from requests_service.api.guards import _is_public
    from requests_service.db.session import _request_reads_only

    assert client.get("/cases", headers=world.auth("handler")).status_code == 200
    assert_error(client.post("/cases", json={}), 401)
    for method, reads_only in (("GET", True), ("POST", False), ("GET", True)):
        with app.test_request_context("/cases", method=method):
            from flask import request

            assert _is_public(request.endpoint) is False
            assert _request_reads_only() is reads_only
    with app.test_request_context("/public/agencies", method="GET"):
        from flask import request

        assert _is_public(request.endpoint) is True
        assert _is_public(request.endpoint) is True


def test_requests_without_a_session_cookie_get_flasks_empty_session(app: Any) -> None:
    """The session interface skips building its signer only when no cookie is sent; a signed
    cookie still opens as Flask's own does, a forged one as an empty session."""
    from flask.sessions import SecureCookieSessionInterface

    ours, flasks = app.session_interface, SecureCookieSessionInterface()
    signed = flasks.get_signing_serializer(app).dumps({"k": "v"})
    for cookie in (None, signed, "forged.value.sig"):
        headers = {"Cookie": f"session={cookie}"} if cookie else {}
        with app.test_request_context("/public/agencies", headers=headers) as ctx:
            mine, theirs = (
                ours.open_session(app, ctx.request),
                flasks.open_session(app, ctx.request),
            )
            assert type(mine) is type(theirs) and dict(mine) == dict(theirs)
            assert dict(mine) == ({"k": "v"} if cookie == signed else {})
