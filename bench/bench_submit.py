"""Benchmark the online submission endpoint ``POST /public/applications`` over real HTTP.

Creates a throwaway database (SQLite in a temp dir, or with ``--postgres`` a throwaway
PostgreSQL database at 127.0.0.1:5432), upgrades it, seeds one agency, starts gunicorn on a
free port and fires ``--requests`` POSTs from ``--concurrency`` threads, each thread on its own
``http.client`` keep-alive connection. Prints throughput and latency percentiles.

``--in-process`` skips gunicorn and HTTP: the same POSTs through Flask's test client, one after
another, each timed (ms per submission, in this process) and its SQL statements counted with a
``before_cursor_execute`` listener; prints percentiles, statements per submission and the
statements by kind.  Bounded by ``--requests`` and ``--seconds``.

Texts are distinct and realistic (the generator of ``bench_similarity.py``: subjects ×
places × years, Zipf-like popularity, so some topics grow large); applicants repeat every
1,000 submissions (the same person asks again).

    .venv/bin/python bench/bench_submit.py [--requests 2000] [--concurrency 8] [--workers 2]
                                           [--postgres] [--in-process] [--seconds 120]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT = "/public/applications"
REQUEST_TIMEOUT_S = 60.0

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench_similarity import generate  # noqa: E402
from benchkit import (  # noqa: E402
    HOST,
    free_port,
    gunicorn_binary,
    log_tail,
    resident_id,
    schema_drift,
    service_env,
    stop_server,
    wait_until_ready,
)
from sqlalchemy import create_engine  # noqa: E402
from throwaway_db import create_database, drop_database  # noqa: E402

TEXT_SEED = 16

# ---------------------------------------------------------------- database


def seed_agency(url: str) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from requests_service.db.models import Agency

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            agency = Agency(
                name="示范市基准测试局",
                short_name="基准局",
                case_number_prefix="基准依申",
            )
            session.add(agency)
            session.commit()
            return agency.id
    finally:
        engine.dispose()


def count_cases(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from requests_service.db.models import Case

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- server


def start_gunicorn(
    workers: int, port: int, db_url: str, tmp: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        # As deployed: a commit that wrote events wakes the event worker through Redis.
        service_env(db_url, tmp, queued_jobs=True),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    cmd = [
        gunicorn_binary(),
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "requests_service:create_app()",
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


# ---------------------------------------------------------------- load


def request_body(agency_id: int, n: int) -> bytes:
    payload = {
        "agency_id": agency_id,
        "applicant": {
            "applicant_type": "natural_person",
            "name": "张三",
            "id_type": "resident_id",
            "id_number": resident_id(n),
            "phone": "13800138000",
        },
        "requested_information": TEXTS[n % len(TEXTS)],
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


TEXTS: list[str] = []


def prepare_texts(total: int) -> None:
    TEXTS[:] = generate(total, TEXT_SEED)[0]


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    exceptions: int = 0
    first_error: str | None = None
    connects: int = 0

    def record(self, latency_ms: float, status: int | None, error_text: str | None) -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if status != 201:
                self.errors += 1
                if status is None:
                    self.exceptions += 1
                if self.first_error is None:
                    self.first_error = f"HTTP {status}: {error_text}"


def worker(
    port: int,
    agency_id: int,
    run_id: str,
    jobs: list[int],
    next_index: list[int],
    index_lock: threading.Lock,
    results: Results,
) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    connected = False
    try:
        while True:
            with index_lock:
                i = next_index[0]
                if i >= len(jobs):
                    return
                next_index[0] = i + 1
            n = jobs[i]
            body = request_body(agency_id, n)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": f"bench-{run_id}-{n}",
                "Connection": "keep-alive",
            }
            if conn.sock is None:
                connected = False
            started = time.perf_counter()
            try:
                if not connected:
                    conn.connect()
                    connected = True
                    with results.lock:
                        results.connects += 1
                conn.request("POST", ENDPOINT, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                latency = (time.perf_counter() - started) * 1000
                text = None if resp.status == 201 else data.decode("utf-8", errors="replace")
                results.record(latency, resp.status, text)
                if resp.will_close:
                    conn.close()
                    connected = False
            except (OSError, http.client.HTTPException) as exc:
                latency = (time.perf_counter() - started) * 1000
                results.record(latency, None, repr(exc))
                conn.close()
                connected = False
    finally:
        conn.close()


def run_load(port: int, agency_id: int, total: int, concurrency: int) -> tuple[Results, float]:
    run_id = secrets.token_hex(4)
    jobs = list(range(total))
    next_index = [0]
    index_lock = threading.Lock()
    results = Results()
    threads = [
        threading.Thread(
            target=worker,
            args=(port, agency_id, run_id, jobs, next_index, index_lock, results),
            name=f"bench-{t}",
            daemon=True,
        )
        for t in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    if len(values) == 1:
        return (values[0],) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="total POSTs (2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a throwaway PostgreSQL database at 127.0.0.1:5432 instead of SQLite",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="no gunicorn: time each submission through the test client, count its statements",
    )
    parser.add_argument(
        "--seconds", type=float, default=120.0, help="--in-process: stop after this long (120)"
    )
    args = parser.parse_args(argv)
    for name in ("requests", "concurrency", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from requests_service.db.migrate import upgrade

    pg_name: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="rs_bench_") as tmp_name:
        tmp = Path(tmp_name)
        log_path = tmp / "gunicorn.log"
        try:
            if args.postgres:
                backend = "postgresql"
                pg_name, db_url = create_database()
            else:
                backend = "sqlite"
                db_url = f"sqlite:///{tmp / 'bench.sqlite'}"
            upgrade(db_url)
            probe = create_engine(db_url)
            drift = schema_drift(probe)
            probe.dispose()
            if drift:
                print(
                    "warning: models have columns the migrations do not create: "
                    + ", ".join(drift),
                    file=sys.stderr,
                )
            agency_id = seed_agency(db_url)
            prepare_texts(args.requests)
            if args.in_process:
                return run_in_process(args, backend, db_url, agency_id, tmp)

            port = free_port()
            proc = start_gunicorn(args.workers, port, db_url, tmp, log_path)
            wait_until_ready(proc, port, log_path)

            results, wall = run_load(port, agency_id, args.requests, args.concurrency)
            stop_server(proc)
            cases = count_cases(db_url)
            report(args, backend, results, wall, cases, log_path)
            return 0 if results.errors == 0 else 1
        finally:
            if proc is not None:
                stop_server(proc)
            if pg_name is not None:
                drop_database(pg_name)


# ---------------------------------------------------------------- in process


def _statement_kind(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper() if words else "?"
    if verb in ("INSERT", "DELETE"):
        return f"{verb} {words[2]}" if len(words) > 2 else verb
    if verb == "UPDATE":
        return f"UPDATE {words[1]}" if len(words) > 1 else verb
    if verb in ("SELECT", "WITH"):
        table = next((words[k + 1] for k, w in enumerate(words[:-1]) if w.upper() == "FROM"), "")
        return f"{verb} … FROM {table}".strip()
    return verb


@dataclass
class InProcessTimes:
    """Per timed submission: wall ms, this process's CPU ms, ms waiting on SQL, statements;
    and the statements of all of them by kind."""

    latencies: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    in_sql_ms: list[float] = field(default_factory=list)
    per_request: list[int] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)

    def add(self, elapsed: float, cpu: float, sql: float, statements: list[str]) -> None:
        self.latencies.append(elapsed)
        self.cpu_ms.append(cpu)
        self.in_sql_ms.append(sql)
        self.per_request.append(len(statements))
        for statement in statements:
            kind = _statement_kind(statement)
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def print_summary(self, backend: str, warmup: int) -> None:
        done = len(self.latencies)
        p50, p95, p99 = percentiles(self.latencies)
        print(f"backend             {backend}")
        print(f"mode                in process (Flask test client), {warmup} warm-up submissions")
        print(f"submissions timed   {done}")
        if not done:
            return
        print(f"ms per submission   mean {statistics.fmean(self.latencies):.1f}  p50 {p50:.1f}  "
              f"p95 {p95:.1f}  p99 {p99:.1f}  max {max(self.latencies):.1f}")  # fmt: skip
        print(
            f"  of which in SQL   mean {statistics.fmean(self.in_sql_ms):.1f} ms (sent to answered)"
        )
        print(f"  this process CPU  mean {statistics.fmean(self.cpu_ms):.1f} ms (Python: app, ORM, "
              "similarity; the database server's CPU not included)")  # fmt: skip
        print(f"statements/request  mean {statistics.fmean(self.per_request):.2f}  "
              f"min {min(self.per_request)}  max {max(self.per_request)}")  # fmt: skip
        print("statements by kind (per submission):")
        for kind, total in sorted(self.kinds.items(), key=lambda kv: -kv[1]):
            print(f"  {total / done:6.2f}  {kind}")


def run_in_process(
    args: argparse.Namespace, backend: str, db_url: str, agency_id: int, tmp: Path
) -> int:
    """Each submission through the test client: ms per submission and its SQL statements."""
    from sqlalchemy import event

    from requests_service.app import create_app

    app = create_app(
        {
            "DATABASE_URL": db_url,
            "SECRET_KEY": "bench",
            "UPLOAD_DIR": str(tmp / "uploads"),
            "RATELIMIT_ACTIVE": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "EVENT_DELIVERY": "manual",
        }
    )
    engine = app.extensions["db_engine"]
    current: list[str] = []
    sql_started = [0.0]
    sql_ms = [0.0]

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        current.append(statement)
        sql_started[0] = time.perf_counter()

    def waited(*_args: Any) -> None:
        sql_ms[0] += (time.perf_counter() - sql_started[0]) * 1000

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "after_cursor_execute", waited)
    client = app.test_client()
    run_id = secrets.token_hex(4)
    times = InProcessTimes()
    failures: list[str] = []
    deadline = time.monotonic() + args.seconds
    warmup = min(20, max(0, args.requests // 10))
    for n in range(args.requests + warmup):
        if time.monotonic() > deadline:
            break
        current.clear()
        sql_ms[0] = 0.0
        body = request_body(agency_id, n)
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"b-{run_id}-{n}"}
        started, cpu_started = time.perf_counter(), time.process_time()
        resp = client.post(ENDPOINT, data=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
        if resp.status_code != 201:
            failures.append(f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:200]}")
            continue
        if n >= warmup:
            times.add(elapsed, cpu, sql_ms[0], current)
    event.remove(engine, "before_cursor_execute", count)
    event.remove(engine, "after_cursor_execute", waited)
    engine.dispose()
    times.print_summary(backend, warmup)
    print(f"cases in database   {count_cases(db_url)}")
    if failures:
        print(f"failures            {len(failures)}; first: {failures[0]}")
    return 0 if not failures else 1


def report(
    args: argparse.Namespace,
    backend: str,
    results: Results,
    wall: float,
    cases: int,
    log_path: Path,
) -> None:
    done = len(results.latencies_ms)
    p50, p95, p99 = percentiles(results.latencies_ms)
    lines: list[tuple[str, Any]] = [
        ("backend", backend),
        ("workers", args.workers),
        ("concurrency", args.concurrency),
        ("total requests", done),
        ("wall time", f"{wall:.2f} s"),
        ("requests/s", f"{done / wall:.1f}" if wall > 0 else "n/a"),
        ("latency p50", f"{p50:.1f} ms"),
        ("latency p95", f"{p95:.1f} ms"),
        ("latency p99", f"{p99:.1f} ms"),
        ("non-201 responses", results.errors),
        ("status counts", ", ".join(f"{s}: {c}" for s, c in sorted(results.statuses.items()))),
        ("TCP connections", results.connects),
        ("cases in database", cases),
    ]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key:<{width}}  {value}")
    if results.exceptions:
        print(f"{'transport errors':<{width}}  {results.exceptions}")
    if results.first_error is not None:
        print(f"first error: {results.first_error}")
    # Anything gunicorn or the app logged beyond gunicorn's own [INFO] lines.
    log_lines = [
        line
        for line in log_tail(log_path, limit=1_000_000).splitlines()
        if line.strip() and "[INFO]" not in line
    ]
    if log_lines:
        print(f"gunicorn log: {len(log_lines)} non-INFO line(s), first: {log_lines[0]}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
