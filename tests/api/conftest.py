from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World, build_world


@pytest.fixture
def world(app: Any) -> World:
    session = app.extensions["db_session_factory"]()
    try:
        return build_world(session)
    finally:
        session.close()
