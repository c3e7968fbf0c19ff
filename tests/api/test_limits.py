"""Abuse limits (issue 15, item 6): 429 with Retry-After in the common error shape; the
built-in SECRET_KEY is refused outside demo mode."""

from __future__ import annotations

from typing import Any

import pytest

from requests_service.api.limits import limiter
from requests_service.app import create_app
from tests.api.test_guards import assert_error
from tests.factories import World, person


def assert_limited(response: Any) -> None:
    body = assert_error(response, 429)
    assert "请求过于频繁" in body["message"]
    assert int(response.headers["Retry-After"]) > 0


def _submit(client: Any, world: World, serial: int) -> Any:
    return client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(serial),
            "requested_information": f"请公开2025年第{serial}号文件",
        },
    )


def test_anonymous_submissions_are_limited(client: Any, world: World, limited: Any) -> None:
    for serial in range(3):
        assert _submit(client, world, serial).status_code == 201
    assert_limited(_submit(client, world, 9))


def test_wrong_tracking_secrets_are_limited(client: Any, world: World, limited: Any) -> None:
    code = _submit(client, world, 1).json["tracking_code"]
    for _ in range(3):
        response = client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": "guess"})
        assert response.status_code == 404
    assert_limited(client.get(f"/public/tracking/{code}", headers={"X-Tracking-Secret": "x"}))


def test_right_secrets_count_only_against_the_general_limit(
    client: Any, world: World, limited: Any
) -> None:
    receipt = _submit(client, world, 1).json
    headers = {"X-Tracking-Secret": receipt["tracking_secret"]}
    url = f"/public/tracking/{receipt['tracking_code']}"
    for _ in range(5):
        assert client.get(url, headers=headers).status_code == 200
    assert_limited(client.get(url, headers=headers))


def test_bad_bearer_tokens_are_limited(client: Any, world: World, limited: Any) -> None:
    limited.config["RATELIMIT_AUTH_FAILURES"] = "4/minute"
    limiter.reset()
    bad = {"Authorization": "Bearer rs_guess"}
    # The default limit is read when the app is built; count up to whatever it is.
    # One limit for the whole application: guesses spread over endpoints count together.
    urls = ["/cases", "/admin/users", "/topics", "/cases/dashboard", "/alerts"]
    statuses = [client.get(urls[i % len(urls)], headers=bad).status_code for i in range(25)]
    assert statuses[0] == 401 and statuses[-1] == 429
    assert set(statuses) == {401, 429}
    assert statuses.count(401) == 20  # RATELIMIT_AUTH_FAILURES, read when the app is built
    assert_limited(client.get("/statistics", headers=bad))
    # The address is refused everywhere until the window passes (successes never count).
    assert_limited(client.get("/public/agencies"))


def test_application_form_pdf_is_limited(client: Any, world: World, limited: Any) -> None:
    url = f"/public/agencies/{world.agencies['A']}/application-form"
    for _ in range(2):
        assert client.get(url).status_code == 200
    assert_limited(client.get(url))


def test_default_secret_is_refused_outside_demo_mode(tmp_path: Any) -> None:
    config = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)
    create_app({**config, "DEMO": True})
    create_app({**config, "SECRET_KEY": "a-real-secret"})


def test_the_applicant_pages_share_the_submission_and_tracking_limits(
    client: Any, world: World, limited: Any
) -> None:
    """The pages under /apply are another way in to the same submissions and tracking."""
    from tests.web.test_pages import form_fields

    agency = world.agencies["A"]
    for serial in range(3):
        data = form_fields(
            agency, key=f"k-{serial}", requested_information=f"请公开第{serial}号文件"
        )
        assert client.post(f"/apply/{agency}", data=data).status_code == 201
    assert_limited(client.post(f"/apply/{agency}", data=form_fields(agency, key="k-9")))
    for _ in range(5):
        client.post("/apply/track", data={"tracking_code": "YSX", "tracking_secret": "x"})
    assert_limited(
        client.post("/apply/track", data={"tracking_code": "YSX", "tracking_secret": "x"})
    )


def test_answers_let_through_carry_no_limit_headers_and_a_refusal_says_when_to_retry(
    client: Any, world: World, limited: Any
) -> None:
    """Reading the counters again for X-RateLimit-* would cost every request a Redis round
    trip; only a 429 says when to come back, from the limit that refused it."""
    receipt = _submit(client, world, 1).json
    headers = {"X-Tracking-Secret": receipt["tracking_secret"]}
    url = f"/public/tracking/{receipt['tracking_code']}"
    for _ in range(5):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200
        assert not [k for k, _ in answer.headers.items() if k.lower().startswith("x-ratelimit")]
    refused = client.get(url, headers=headers)
    assert_limited(refused)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # a per-minute limit
