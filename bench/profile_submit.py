"""Where a submission's worker CPU goes: ``POST /public/applications`` in process, profiled.

Loopback only. Creates a throwaway PostgreSQL database (127.0.0.1:5432; ``--sqlite`` for a
temporary SQLite file), upgrades it, seeds one agency and sends ``--warmup`` then
``--requests`` submissions through Flask's test client, one after another, with the same
distinct realistic texts as ``bench_submit.py`` (``--labelled``: those of ``bench_http.py``,
whose topics grow large).  flask-limiter stays on (memory storage, a
limit that never trips), as under gunicorn.  Prints this process's CPU ms per submission
(``time.process_time``), and, under cProfile, the cumulative CPU of each phase (parsing,
guards, limiter, identity, placement/similarity, flush, audit, sealing, dumping, logging …)
and the top functions.  Bounded by ``--requests`` and ``--seconds``.

``--placement queue`` runs the service with ``TOPIC_PLACEMENT=queue`` (kicks go to the local
Redis, on a throwaway queue nobody works, so each submission's kick is its one ``SET NX``), then
places every pending case in this process as the RQ job would and prints the job's CPU ms per
case placed, so intake + job can be compared with inline intake.

    .venv/bin/python bench/profile_submit.py [--requests 400] [--warmup 100] [--top 40]
        [--placement inline|queue]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import bench_submit  # noqa: E402
from throwaway_db import create_database, drop_database  # noqa: E402

# Phase → (file fragment, function name) whose cumulative time is that phase.
PHASES: dict[str, list[tuple[str, str]]] = {
    "whole request (test client)": [("werkzeug/test.py", "open")],
    "guards (before_request)": [("api/guards.py", "")],
    "flask-limiter": [("flask_limiter/", "_check_request_limit"), ("flask_limiter/", "__inner")],
    "body parsing+validation": [("webargs/core.py", "parse")],
    "submit_online (service)": [("services/cases.py", "submit_online")],
    "  request fingerprint": [("services/cases.py", "_fingerprint_request")],
    "  agency (first statement)": [
        ("services/cases.py", "get_agency"),
        ("services/cases.py", "_intake_agency"),
    ],
    "  identity (_applicant_from/_row)": [
        ("services/cases.py", "_applicant_from"),
        ("services/cases.py", "_applicant_row"),
    ],
    "  applicant + case INSERT (Core)": [("services/cases.py", "_insert_applicant_and_case")],
    "  tracking code/secret/hash": [
        ("services/tracking.py", "new_tracking_code"),
        ("services/tracking.py", "new_tracking_secret"),
        ("services/tracking.py", "hash_secret"),
    ],
    "  place_request (similarity)": [("services/topics.py", "place_request")],
    "    domain.similarity": [("domain/similarity/", "")],
    "  Case() construction": [("sqlalchemy/orm/state.py", "_initialize_instance")],
    "  session.flush": [("sqlalchemy/orm/session.py", "flush")],
    "  render receipt": [("services/public_view.py", "submission_receipt")],
    "  _claim_key (+seal)": [("services/cases.py", "_claim_key")],
    "    replay_body.seal": [("services/replay_body.py", "seal")],
    "  record_event (audit)": [("services/history.py", "record_event")],
    "  record_placement": [("services/topics.py", "record_placement")],
    "  placement kick (Redis)": [("jobs/placement.py", "kick")],
    "  commit": [("services/unit_of_work.py", "commit")],
    "response dumping": [("flask_smorest/response.py", "wrapper")],
    "SQL execute (driver+compile)": [("sqlalchemy/engine/base.py", "_execute_context")],
    "logging": [("logging/__init__.py", "handle")],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--dump", help="write the pstats file here")
    parser.add_argument("--no-profile", action="store_true", help="CPU ms only, no cProfile")
    parser.add_argument(
        "--placement",
        choices=("inline", "queue"),
        default="inline",
        help="TOPIC_PLACEMENT: queue defers topic placement to the job (timed after the run)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--labelled",
        action="store_true",
        help="bench_http's texts (tests/data/request_texts.json, numbered): large topics",
    )
    args = parser.parse_args(argv)
    from requests_service.app import create_app
    from requests_service.db.migrate import upgrade

    pg_name = None
    with tempfile.TemporaryDirectory(prefix="rs_prof_") as tmp_name:
        tmp = Path(tmp_name)
        try:
            if args.sqlite:
                db_url = f"sqlite:///{tmp / 'p.sqlite'}"
            else:
                pg_name, db_url = create_database("rs_prof")
            upgrade(db_url)
            agency_id = bench_submit.seed_agency(db_url)
            total = args.warmup + 2 * args.requests
            bench_submit.prepare_texts(total)
            if args.labelled:
                path = BENCH.parent / "tests" / "data" / "request_texts.json"
                labelled = [item["text"] for item in json.loads(path.read_text(encoding="utf-8"))]
                bench_submit.TEXTS[:] = [
                    f"{labelled[n % len(labelled)]}（p-{n}）" for n in range(total)
                ]
            app = create_app(
                {
                    "DATABASE_URL": db_url,
                    "SECRET_KEY": "bench",
                    "UPLOAD_DIR": str(tmp / "uploads"),
                    "RATELIMIT_SUBMIT": "1000000/minute",
                    "RATELIMIT_STORAGE_URI": "memory://",
                    "EVENT_DELIVERY": "manual",
                    "TOPIC_PLACEMENT": args.placement,
                    "REDIS_URL": args.redis_url,
                    "TOPIC_PLACEMENT_QUEUE": f"placement-prof-{secrets.token_hex(4)}",
                }
            )
            try:
                run(app, agency_id, args)
                if args.placement == "queue":
                    place_all(app)
            finally:
                if args.placement == "queue":
                    forget_queue(app)
            app.extensions["db_engine"].dispose()
            return 0
        finally:
            if pg_name is not None:
                drop_database(pg_name)


def run(app: Any, agency_id: int, args: argparse.Namespace) -> None:
    """Warm up, time ``--requests`` submissions without a profiler, then as many under it."""
    client = app.test_client()
    run_id = secrets.token_hex(4)
    deadline = time.monotonic() + args.seconds
    counter = [0]

    def submit() -> None:
        n = counter[0]
        counter[0] += 1
        body = bench_submit.request_body(agency_id, n)
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"p-{run_id}-{n}"}
        resp = client.post(bench_submit.ENDPOINT, data=body, headers=headers)
        if resp.status_code != 201:
            raise SystemExit(f"HTTP {resp.status_code}: {resp.get_data(as_text=True)}")

    for _ in range(args.warmup):
        submit()
    server = ServerCpu.of(app)
    cpu: list[float] = []
    while len(cpu) < args.requests and time.monotonic() < deadline:
        started = time.process_time()
        submit()
        cpu.append((time.process_time() - started) * 1000)
    mean, median = statistics.fmean(cpu), statistics.median(cpu)
    print(f"CPU ms per submission (no profiler, {len(cpu)} after {args.warmup} warm-up): "
          f"mean {mean:.2f}  median {median:.2f}")  # fmt: skip
    if server is not None:
        print(
            "PostgreSQL server CPU ms per submission (its backends): "
            f"{server.spent_ms() / len(cpu):.2f}"
        )
    if args.no_profile:
        return
    profiler = cProfile.Profile(time.process_time)  # CPU, not wall
    done = 0
    profiler.enable()
    while done < args.requests and time.monotonic() < deadline:
        submit()
        done += 1
    profiler.disable()
    report(profiler, done, args)


class ServerCpu:
    """CPU time of the database's server processes serving this app (PostgreSQL on this host:
    its backends' ``/proc/<pid>/stat``), so the figures show the whole cost of a submission,
    not only the worker's half."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.start = self._ticks()

    @classmethod
    def of(cls, app: Any) -> ServerCpu | None:
        engine = app.extensions["db_engine"]
        if engine.dialect.name != "postgresql":
            return None
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        # A connection of its own: the app's pool would hand back the one being measured.
        probe = create_engine(engine.url, poolclass=NullPool)
        with probe.connect() as conn:
            pids = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            found = list(pids)
        probe.dispose()
        return cls(found)

    def _ticks(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the backend ended (a connection the pool closed)
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    def spent_ms(self) -> float:
        return (self._ticks() - self.start) * 1000 / self.TICKS


def place_all(app: Any) -> None:
    """What the placement job does for every case these submissions left pending, timed."""
    from requests_service.jobs.placement import place
    from requests_service.services.topic_placement import BATCH

    server = ServerCpu.of(app)
    started, wall = time.process_time(), time.perf_counter()
    placed = place(app)
    cpu = (time.process_time() - started) * 1000
    wall_ms = (time.perf_counter() - wall) * 1000
    n = max(placed, 1)
    print(
        f"placement job: {placed} cases placed, CPU ms per case {cpu / n:.2f} "
        f"(wall {wall_ms / n:.2f} ms per case, batches of {BATCH})"
    )
    if server is not None:
        print(
            f"PostgreSQL server CPU ms per case placed (its backends): {server.spent_ms() / n:.2f}"
        )


def forget_queue(app: Any) -> None:
    from redis import Redis
    from rq import Queue

    from requests_service.jobs import placement

    connection = Redis.from_url(app.config["REDIS_URL"])
    Queue(placement.queue_name(app), connection=connection).delete(delete_jobs=True)
    connection.delete(placement.kick_flag(app))
    for key in connection.scan_iter(f"rq:*:{placement.queue_name(app)}"):
        connection.delete(key)


def report(profiler: cProfile.Profile, done: int, args: argparse.Namespace) -> None:
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    print(f"\nunder cProfile ({done} submissions; profiler overhead inflates every figure):")
    for phase, targets in PHASES.items():
        total = 0.0
        for (path, _line, func), (_cc, _nc, _tt, ct, callers) in raw.items():
            for fragment, name in targets:
                if fragment in path and (not name or func == name):
                    # Count only entries from outside the phase itself (no double counting).
                    if any(fragment in cp and (not name or cf == name) for (cp, _l, cf) in callers):
                        continue
                    total += ct
        print(f"  {phase:<34} {total / done * 1000:7.2f} ms")
    print()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    sys.exit(main())
