"""A calendar change's recompute must not overwrite a case's clock that a transition changed
and committed while the recompute was running (PostgreSQL, READ COMMITTED).

The recompute reads open cases in batches without locking them and writes the due dates it
worked out in a set-based UPDATE per batch. A transition committing in between (an extension,
a correction notice that stops the clock, the applicant's correction that restarts it) changes
the case's clock inputs and due date; the batch UPDATE must not put back a due date computed
from the inputs it read before (a lost update of a legal deadline).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from requests_service import timekeeping
from requests_service.db.models import Case
from requests_service.db.session import current_session
from requests_service.domain.calendar import WorkingCalendar, YearArrangement
from requests_service.domain.calendar import load_bundled_arrangements as bundled
from requests_service.services import calendar_admin
from tests.api.test_statement_counts import CORRECTED_2026, national_admin
from tests.factories import World
from tests.helpers import act, in_handling, ok


@pytest.mark.commits
def test_a_transition_committed_during_the_recompute_keeps_its_due_date(
    app: Any, client: Any, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: no transition can commit inside the recompute")
    case = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    assert case["due_on"] == "2026-03-30"
    root = national_admin(app, world)
    before = client.get(f"/cases/{case['id']}", headers=world.auth("handler"))
    etag_before = before.headers["ETag"]

    extended: list[Any] = []

    def extend_in_another_transaction() -> None:
        with app.test_client() as other:
            extended.append(
                act(
                    other,
                    world,
                    "approver",
                    case["id"],
                    "extend",
                    on="2026-03-20",
                    extra_working_days=20,
                    reason="需调取大量历史档案",
                )
            )

    real_writer = calendar_admin._batch_writer

    def interleaving_writer(session: Any) -> Callable[..., Any]:
        write = real_writer(session)
        interfered: list[bool] = []

        def write_after_a_concurrent_commit(updates: Any) -> Any:
            # The recompute has read its batch (the case's clock without the extension) and is
            # about to write: another request extends the case and commits first.
            if not interfered:
                interfered.append(True)
                thread = threading.Thread(target=extend_in_another_transaction)
                thread.start()
                thread.join(timeout=30)
                assert not thread.is_alive()
            return write(updates)

        return write_after_a_concurrent_commit

    monkeypatch.setattr(calendar_admin, "_batch_writer", interleaving_writer)
    changed = client.put("/calendar/years/2026", json=CORRECTED_2026, headers=root)
    assert changed.status_code == 200, changed.json
    assert len(extended) == 1 and extended[0].status_code == 200, extended[0].json

    detail = ok(client.get(f"/cases/{case['id']}", headers=world.auth("handler")))
    # On the corrected calendar (16 March a day off) the original reply falls due on 31 March
    # and the extension of 20 working days runs from there; the stored date is the live one.
    assert detail["clock"]["reply_due"] == "2026-04-29"
    assert detail["extended"] is True
    assert detail["due_on"] == detail["clock"]["reply_due"]
    # The case changed twice since it was read (the extension, the recompute): old tags fail.
    after = client.get(f"/cases/{case['id']}", headers=world.auth("handler"))
    assert after.headers["ETag"] != etag_before


def test_rows_changed_between_the_read_and_the_write_are_read_again(
    app: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both backends: the batch UPDATE writes only rows still at the version it read; the rows
    it skipped are read again and computed from their committed clock inputs."""
    changed_case = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    untouched = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    arrangements = {a.year: a for a in bundled()}
    arrangements[2026] = YearArrangement.from_dict(CORRECTED_2026)
    corrected = WorkingCalendar(arrangements.values())
    extension = {"type": "extension_approved", "on": "2026-03-20", "extra_working_days": 20}

    real_writer = calendar_admin._batch_writer
    batches: list[list[Any]] = []

    def interleaving_writer(session: Any) -> Callable[..., Any]:
        write = real_writer(session)

        def write_after_a_change(updates: Any) -> Any:
            if not batches:  # the first batch was read; a transition changes one of its cases
                table = Case.__table__
                inputs = (
                    session.connection()
                    .execute(select(table.c.clock_inputs).where(table.c.id == changed_case["id"]))
                    .scalar_one()
                )
                session.connection().execute(
                    update(table)
                    .where(table.c.id == changed_case["id"])
                    .values(
                        clock_inputs=[*inputs, extension],
                        due_on=date(2026, 4, 28),
                        version=table.c.version + 1,
                    )
                )
            batches.append([u[0] for u in updates])
            return write(updates)

        return write_after_a_change

    monkeypatch.setattr(calendar_admin, "_batch_writer", interleaving_writer)
    with app.app_context():
        session = current_session()
        versions = {row.id: row.version for row in session.execute(select(Case.id, Case.version))}
        computed, changed = calendar_admin.recompute_due_dates(session, calendar=corrected)
        rows = {
            row.id: row for row in session.execute(select(Case.id, Case.due_on, Case.version)).all()
        }
        session.rollback()
    assert (computed, changed) == (2, 2)
    assert len(batches) == 2 and changed_case["id"] in batches[1]  # read again, once
    assert rows[changed_case["id"]].due_on == date(2026, 4, 29)  # the extension kept
    assert rows[untouched["id"]].due_on == date(2026, 3, 31)
    # Each write bumps the version (ETags taken before are stale), as ORM writes do.
    assert rows[untouched["id"]].version == versions[untouched["id"]] + 1
    assert rows[changed_case["id"]].version == versions[changed_case["id"]] + 2


def _spy_passes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, tuple[int, int]]]:
    """Records each recompute pass of a calendar change: (changed_since, (computed, changed))."""
    real = calendar_admin.recompute_due_dates
    passes: list[tuple[Any, tuple[int, int]]] = []

    def spy(session: Any, **kwargs: Any) -> tuple[int, int]:
        result = real(session, **kwargs)
        passes.append((kwargs.get("changed_since"), result))
        return result

    monkeypatch.setattr(calendar_admin, "recompute_due_dates", spy)
    return passes


@pytest.mark.commits
def test_a_date_stored_on_the_old_calendar_behind_the_recompute_is_corrected_after_the_commit(
    app: Any, client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both backends: a transition that read the calendar before the change committed writes a
    case the recompute has already passed, with the due date of the old calendar (and a new
    version and ``updated_at``, as the ORM does). The follow-up pass after the commit, on the
    committed calendar, corrects it with the same version-checked write."""
    case = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    assert case["due_on"] == "2026-03-30"
    root = national_admin(app, world)
    real_writer = calendar_admin._batch_writer
    raced: list[int] = []

    def interleaving_writer(session: Any) -> Callable[..., Any]:
        write = real_writer(session)

        def write_then_a_stale_transition(updates: Any) -> Any:
            result = write(updates)
            if not raced:  # the recompute has written the case; a racing writer follows
                raced.append(case["id"])
                table = Case.__table__
                session.connection().execute(
                    update(table)
                    .where(table.c.id == case["id"])
                    .values(
                        due_on=date(2026, 3, 30),  # worked out on the old calendar
                        version=table.c.version + 1,
                        updated_at=timekeeping.utcnow(),
                    )
                )
            return result

        return write_then_a_stale_transition

    monkeypatch.setattr(calendar_admin, "_batch_writer", interleaving_writer)
    passes = _spy_passes(monkeypatch)
    changed = client.put("/calendar/years/2026", json=CORRECTED_2026, headers=root)
    assert changed.status_code == 200, changed.json
    assert raced == [case["id"]]
    assert [since is None for since, _ in passes] == [True, False]
    assert passes[1][1][1] == 1  # the follow-up wrote the raced case
    assert changed.json["cases_changed"] == 2  # the recompute's write and the correction
    detail = ok(client.get(f"/cases/{case['id']}", headers=world.auth("handler")))
    assert detail["due_on"] == detail["clock"]["reply_due"] == "2026-03-31"


@pytest.mark.commits
def test_a_calendar_change_without_racing_writers_writes_nothing_more_after_its_commit(
    app: Any, client: Any, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    old = in_handling(client, world, submitted_at="2026-03-02T10:00:00+08:00")
    with app.app_context():
        # Written long before the change (beyond the clock skew allowance).
        session = current_session()
        session.execute(
            update(Case)
            .where(Case.id == old["id"])
            .values(updated_at=timekeeping.utcnow() - timedelta(days=1))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    root = national_admin(app, world)
    real_writer = calendar_admin._batch_writer
    writes: list[int] = []

    def counting_writer(session: Any) -> Callable[..., Any]:
        write = real_writer(session)

        def counted(updates: Any) -> Any:
            writes.append(len(updates))
            return write(updates)

        return counted

    monkeypatch.setattr(calendar_admin, "_batch_writer", counting_writer)
    passes = _spy_passes(monkeypatch)
    changed = client.put("/calendar/years/2026", json=CORRECTED_2026, headers=root)
    assert changed.status_code == 200, changed.json
    assert changed.json["cases_changed"] == 2
    assert writes == [2]  # the recompute's one batch; the follow-up found nothing to write
    (first_since, first), (since, follow_up) = passes
    assert first_since is None and first == (2, 2)
    assert since is not None and follow_up[1] == 0
    # Only cases written since the recompute began are read again: the case registered just
    # now and the old one the recompute wrote (its write stamps ``updated_at`` on both
    # databases), which compute equal.
    assert follow_up[0] == 2
    # Idempotent: running the follow-up again changes nothing either.
    with app.app_context():
        assert calendar_admin.recompute_written_since(current_session(), since) == 0
    for each in (case, old):
        detail = ok(client.get(f"/cases/{each['id']}", headers=world.auth("handler")))
        assert detail["due_on"] == "2026-03-31"
