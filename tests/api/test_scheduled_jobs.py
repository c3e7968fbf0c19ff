"""Scheduled jobs: once per legal day each, recorded, visible to admins; deadline events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from requests_service.db.models import JobRun, OutboxEvent
from requests_service.jobs.schedule import DAILY_JOBS, run_job
from requests_service.services import scheduled
from tests.factories import World, person
from tests.helpers import register


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


def test_a_job_runs_once_per_period(app: Any, world: World) -> None:
    day = date(2026, 3, 16)
    first = run_job(app, "deadline-events", day=day)
    assert first is not None and first.status == "succeeded"
    assert run_job(app, "deadline-events", day=day) is None
    assert run_job(app, "deadline-events", day=day + timedelta(days=1)) is not None
    session = _session(app)
    runs = session.scalars(select(JobRun).where(JobRun.job == "deadline-events")).all()
    assert sorted(r.period for r in runs) == ["2026-03-16", "2026-03-17"]
    session.close()


def test_a_failed_run_is_recorded_and_claimed_again_on_the_next_tick(app: Any) -> None:
    session = _session(app)

    def boom() -> dict[str, Any]:
        raise RuntimeError("数据库维护中")

    failed = scheduled.run_once(session, "close-lapsed", "2026-03-16", boom, runner="t1")
    assert failed is not None and failed.status == "failed" and "数据库维护中" in failed.error
    retried = scheduled.run_once(session, "close-lapsed", "2026-03-16", lambda: {"n": 1})
    assert retried is not None and retried.status == "succeeded" and retried.outcome == {"n": 1}
    assert retried.error is None
    assert scheduled.run_once(session, "close-lapsed", "2026-03-16", lambda: {}) is None
    session.close()


def test_deadline_events_once_per_case_and_due_date(client: Any, world: World) -> None:
    app = client.application
    case = register(client, world, submitted_at="2026-01-05T10:00:00+08:00")
    due = date.fromisoformat(case["due_on"])
    run_job(app, "deadline-events", day=due - timedelta(days=1))
    run_job(app, "deadline-events", day=due + timedelta(days=1))
    run_job(app, "deadline-events", day=due + timedelta(days=2))
    session = _session(app)
    events = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.case_id == case["id"], OutboxEvent.dedupe_key.is_not(None))
        .order_by(OutboxEvent.id)
    ).all()
    assert [e.event_type for e in events] == ["case.due_soon", "case.overdue"]
    assert events[1].dedupe_key == f"overdue:{case['id']}:{due.isoformat()}"
    assert events[1].payload["data"]["due_on"] == due.isoformat()
    session.close()


def test_admins_see_each_jobs_last_run(client: Any, world: World) -> None:
    run_job(client.application, "handler-digest", day=date(2026, 3, 16))
    response = client.get("/admin/jobs", headers=world.auth("admin"))
    assert response.status_code == 200
    jobs = {j["job"]: j for j in response.json}
    assert set(jobs) == set(DAILY_JOBS)
    assert jobs["handler-digest"]["last_run"]["status"] == "succeeded"
    assert jobs["handler-digest"]["last_run"]["period"] == "2026-03-16"
    assert jobs["handler-digest"]["label"] == "承办人每日待办提醒"
    assert jobs["close-lapsed"]["last_run"] is None
    runs = client.get("/admin/jobs/runs", headers=world.auth("admin"))
    assert runs.status_code == 200 and runs.json[0]["status_label"] == "成功"
    assert client.get("/admin/jobs", headers=world.auth("handler")).status_code == 403


def test_run_scheduler_without_redis_runs_each_daily_job_once(app: Any, world: World) -> None:
    runner = app.test_cli_runner()
    with app.app_context():  # as the `flask` command line does
        first = runner.invoke(args=["run-scheduler", "--once"])
        assert first.exit_code == 0, first.output
        second = runner.invoke(args=["run-scheduler", "--once"])
        assert second.exit_code == 0, second.output
        unknown = runner.invoke(args=["run-job", "no-such-job"])
    session = _session(app)
    runs = session.scalars(select(JobRun)).all()
    assert sorted(r.job for r in runs) == sorted(DAILY_JOBS)
    assert all(r.status == "succeeded" for r in runs), [(r.job, r.error) for r in runs]
    session.close()
    assert unknown.exit_code != 0 and "没有名为" in unknown.output


def test_prune_keeps_recent_and_unfinished_events(client: Any, world: World) -> None:
    from datetime import UTC, datetime

    from requests_service.db.models import Notification, WebhookSubscription
    from requests_service.jobs.events import drain
    from requests_service.services.delivery import prune

    app = client.application
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ("127.0.0.1",)
    session = _session(app)
    # Port 9 (discard) refuses: the delivery stays pending (a retry is scheduled).
    session.add(
        WebhookSubscription(
            agency_id=world.agencies["A"], url="http://127.0.0.1:9/h", secret="s", event_types=[]
        )
    )
    session.commit()
    register(client, world)
    drain(app)  # fan-out; the webhook fails and waits for its retry
    client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["B"],
            "applicant": person(),
            "requested_information": "B机关的信息",
        },
    )
    drain(app)  # B has no subscription: this event finishes at once
    later = datetime(2100, 1, 1, tzinfo=UTC)
    counts = prune(session, before=later)
    assert counts["events"] == 1 and counts["notifications"] == 1
    remaining = session.scalars(select(OutboxEvent)).all()
    assert [e.agency_id for e in remaining] == [world.agencies["A"]]
    assert prune(session, before=datetime(2000, 1, 1, tzinfo=UTC))["events"] == 0
    assert session.scalars(select(Notification)).all()  # A's notification stays with its event
    session.close()
