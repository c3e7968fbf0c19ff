"""Dates a use case stores are worked out on the calendar committed before it began, whatever the
version-check interval: a change's own recompute corrects only the cases that existed when it ran,
so a due date stored by another worker a moment later on its cached calendar would stay wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from requests_service.services.clock import calendar_cache
from tests.api.test_statement_counts import (
    CORRECTED_2026,
    SteppedMonotonic,
    national_admin,
    other_instance,
    reply_due,
)
from tests.factories import World
from tests.helpers import register


@pytest.mark.commits
def test_a_case_registered_by_another_worker_just_after_a_calendar_change_gets_the_new_due_date(
    app: Any, client: Any, world: World, database_url: str, tmp_path: Path
) -> None:
    other = other_instance(database_url, tmp_path)
    cache = calendar_cache(other.extensions["db_engine"])
    cache.monotonic = clock = SteppedMonotonic()
    try:
        other_client = other.test_client()
        root = national_admin(app, world)
        # The other worker has read the calendar (2026-03-16 a working day) and caches it.
        assert reply_due(other_client) == "2026-03-30"
        before = register(client, world)  # exists when the change commits: its recompute fixes it
        changed = client.put("/calendar/years/2026", json=CORRECTED_2026, headers=root)
        assert changed.status_code == 200, changed.json

        clock.now += 1.0  # inside the other worker's interval: its answers may still be old …
        assert reply_due(other_client) == "2026-03-30"
        after = register(other_client, world)  # … but not a date it stores

        handler = world.auth("handler")
        due_before = client.get(f"/cases/{before['id']}", headers=handler).json["due_on"]
        due_after = client.get(f"/cases/{after['id']}", headers=handler).json["due_on"]
        assert (due_before, due_after) == ("2026-03-31", "2026-03-31")
    finally:
        other.extensions["db_engine"].dispose()
