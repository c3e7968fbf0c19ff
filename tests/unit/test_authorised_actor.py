"""A view takes its actor from ``@requires_roles``; without the decorator it fails loudly."""

from __future__ import annotations

import pytest
from flask import Flask, g

from requests_service.api.auth import authorised_actor, requires_roles
from requests_service.domain.lifecycle import Role
from requests_service.services.access import Actor


def _actor() -> Actor:
    return Actor(
        role_set=frozenset({Role.HANDLER}),
        name="承办人",
        user_id=1,
        agency_id=1,
        visible_agency_ids=frozenset({1}),
    )


def test_authorised_actor_refuses_a_view_without_requires_roles() -> None:
    with Flask(__name__).test_request_context():
        g.actor = _actor()  # authenticated, but no roles were checked
        with pytest.raises(RuntimeError, match="requires_roles"):
            authorised_actor()


def test_authorised_actor_is_the_actor_requires_roles_let_through() -> None:
    @requires_roles(Role.HANDLER, Role.APPROVER)
    def view() -> Actor:
        return authorised_actor()

    with Flask(__name__).test_request_context():
        g.actor = _actor()  # as the bearer token resolved it
        assert view() is g.actor
