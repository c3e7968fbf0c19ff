"""The service's hot paths side by side with a bare Flask + SQLAlchemy app, in one run.

Loopback only. Creates a throwaway PostgreSQL database (127.0.0.1:5432), upgrades it, seeds one
agency and one handler, and starts two gunicorn servers on it (``--workers`` each, 2 by
default): the bare baseline (bench/bench_apps.py: one INSERT, one SELECT by id, an echo) and
the service (with a statement counter attached from outside the production code). Then, for
each endpoint and ``--reps`` times, it sends ``--requests`` requests from ``--concurrency``
keep-alive connections to the service and to its baseline, alternately, and prints req/s, p50,
p99, statements per request and the ratio service/baseline (the median over repetitions).

    python bench/bench_http.py                       # the side-by-side table (~1–2 minutes)
    python bench/bench_http.py --sustained 60        # + submissions at --rate 100/s for 60 s
    python bench/bench_http.py --list-cases 1000000  # + officer list p99 with that many cases
    python bench/bench_http.py --service-root ../old # measure another checkout of the service
    python bench/bench_http.py --placement queue     # TOPIC_PLACEMENT=queue + one RQ worker;
                                                     # --sustained then reports placement lag

Every phase stops after ``--phase-seconds`` even if not all requests were sent, so a run is
bounded in time as well as in count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REQUEST_TIMEOUT_S = 30.0
STATEMENTS_HEADER = "X-Bench-Statements"

try:
    import sqlalchemy  # noqa: F401
except ModuleNotFoundError:
    # Started with a bare `python`: run again with the project's interpreter.
    VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    raise

if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
from benchkit import (  # noqa: E402
    HOST,
    free_port,
    gunicorn_binary,
    resident_id,
    service_env,
    stop_server,
    wait_until_ready,
)
from throwaway_db import create_database, drop_database  # noqa: E402

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


# ---------------------------------------------------------------- servers


def process_env(
    db_url: str, tmp: Path, service_root: Path, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        service_env(db_url, tmp),
        PYTHONPATH=os.pathsep.join(
            p for p in (str(service_root), str(BENCH), env.get("PYTHONPATH", "")) if p
        ),
    )
    env.update(extra or {})
    return env


def start_server(
    app_spec: str,
    workers: int,
    db_url: str,
    tmp: Path,
    service_root: Path,
    name: str,
    extra: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log_path = tmp / f"{name}.log"
    env = process_env(db_url, tmp, service_root, extra)
    cmd = [
        gunicorn_binary(service_root),
        "--config",
        str(service_root / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--access-logfile",
        "-",
        "--log-level",
        "warning",
        app_spec,
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=service_root, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
    return proc, port, log_path


def start_placement_worker(
    db_url: str, tmp: Path, service_root: Path, extra: dict[str, str]
) -> subprocess.Popen[bytes]:
    """One RQ worker on the service's placement queue (``TOPIC_PLACEMENT=queue``), as
    ``scripts/serve`` runs it: a ``SimpleWorker`` (jobs in the worker's process, so its app is
    built once from the same environment, not once per forked job)."""
    rq = Path(gunicorn_binary(service_root)).with_name("rq")
    log_path = Path(os.environ.get("BENCH_PLACEMENT_LOG") or tmp / "placement-worker.log")
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [
                str(rq),
                "worker",
                "--worker-class",
                "rq.SimpleWorker",
                extra["TOPIC_PLACEMENT_QUEUE"],
                "--url",
                extra["REDIS_URL"],
            ],
            cwd=service_root,
            env=process_env(db_url, tmp, service_root, extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def forget_placement_queue(extra: dict[str, str]) -> None:
    from redis import Redis
    from rq import Queue

    name = extra["TOPIC_PLACEMENT_QUEUE"]
    connection = Redis.from_url(extra["REDIS_URL"])
    Queue(name, connection=connection).delete(delete_jobs=True)
    connection.delete(f"requests-service:placement:kick:{name}")
    for key in connection.scan_iter(f"rq:*:{name}"):  # its job registries and worker set
        connection.delete(key)


# ---------------------------------------------------------------- load


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    bad: dict[int, int] = field(default_factory=dict)
    first_bad: str = ""
    wall_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, latency: float, status: int, statements: str | None, body: bytes) -> None:
        with self.lock:
            self.latencies_ms.append(latency)
            if statements is not None:
                self.statements.append(int(statements))
            if status >= 400:
                self.bad[status] = self.bad.get(status, 0) + 1
                if not self.first_bad:
                    self.first_bad = f"{status} {body[:300].decode(errors='replace')}"

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0

    def pct(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    @property
    def statements_per_request(self) -> float:
        return statistics.mean(self.statements) if self.statements else float("nan")


def send(conn: http.client.HTTPConnection, req: Request) -> tuple[int, str | None, bytes]:
    method, path, body, headers = req
    conn.request(method, path, body=body, headers={"Connection": "keep-alive", **headers})
    resp = conn.getresponse()
    data = resp.read()
    if resp.will_close:
        conn.close()
    return resp.status, resp.getheader(STATEMENTS_HEADER), data


def closed_loop(
    port: int, make: Callable[[int], Request], total: int, concurrency: int, max_s: float
) -> Outcome:
    """``total`` requests from ``concurrency`` connections, each sending the next one at once."""
    outcome = Outcome()
    counter = iter(range(total))
    counter_lock = threading.Lock()
    stop_at = time.perf_counter() + max_s

    def run() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        try:
            while time.perf_counter() < stop_at:
                with counter_lock:
                    i = next(counter, None)
                if i is None:
                    return
                req = make(i)
                started = time.perf_counter()
                status, statements, body = send(conn, req)
                outcome.record((time.perf_counter() - started) * 1000, status, statements, body)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcome.wall_s = time.perf_counter() - started
    return outcome


def open_loop(
    port: int, make: Callable[[int], Request], rate: float, seconds: float, connections: int
) -> Outcome:
    """Requests scheduled at a fixed ``rate``; latency counts from the scheduled instant, so
    a server falling behind shows in the figures (no coordinated omission)."""
    outcome = Outcome()
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    give_up_at = start + seconds + 10
    counter = iter(range(total))
    counter_lock = threading.Lock()

    def run() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        try:
            while True:
                with counter_lock:
                    i = next(counter, None)
                if i is None:
                    return
                due = start + i / rate
                if time.perf_counter() > give_up_at:
                    return  # far behind schedule: the rest counts as not sent
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                status, statements, body = send(conn, make(i))
                outcome.record((time.perf_counter() - due) * 1000, status, statements, body)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcome.wall_s = time.perf_counter() - start
    return outcome


# ---------------------------------------------------------------- data


def load_texts() -> list[str]:
    path = ROOT / "tests" / "data" / "request_texts.json"
    return [item["text"] for item in json.loads(path.read_text(encoding="utf-8"))]


def seed(url: str) -> dict[str, Any]:
    """One agency, one handler with a bearer token (and the baseline's table)."""
    from bench_apps import create_baseline_schema
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from requests_service.db.models import Agency, ApiToken, User, UserRole
    from requests_service.domain.lifecycle import Role
    from requests_service.services.access import hash_token

    create_baseline_schema(url)
    engine = create_engine(url)
    token = "rs_bench_" + secrets.token_urlsafe(16)
    try:
        with Session(engine) as session:
            agency = Agency(
                name="示范市基准测试局", short_name="基准局", case_number_prefix="基准依申"
            )
            session.add(agency)
            session.flush()
            user = User(agency_id=agency.id, username="bench_handler", display_name="基准经办人")
            user.role_rows = [UserRole(role=Role.HANDLER)]
            session.add(user)
            session.flush()
            session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name="bench"))
            session.commit()
            return {"agency_id": agency.id, "token": token}
    finally:
        engine.dispose()


def bulk_cases(url: str, agency_id: int, total: int) -> float:
    """Copies of one submitted case up to ``total`` cases, spread over states and dates, by
    one INSERT … SELECT over generate_series; returns seconds taken."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            have = conn.scalar(text("SELECT count(*) FROM cases"))
            missing = total - int(have or 0)
            if missing <= 0:
                return 0.0
            columns = [
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'cases' ORDER BY ordinal_position"
                    )
                )
            ]
            varied = {
                "id": None,
                "tracking_code": "'BULK' || g",
                "case_number": "NULL",
                "case_year": "NULL",
                "case_seq": "NULL",
                "state": "(ARRAY['registered','in_handling','replied','archived'])[1 + g % 4]",
                "receipt_date": "DATE '2020-01-01' + (g % 2000)",
                "due_on": "DATE '2020-01-21' + (g % 2000)",
                "submitted_at": "c.submitted_at - make_interval(mins => g)",
                "topic_id": "NULL",
            }
            names = [c for c in columns if varied.get(c, "") is not None]
            values = [varied.get(c) or f"c.{c}" for c in names]
            conn.execute(
                text(
                    f"INSERT INTO cases ({', '.join(names)}) "
                    f"SELECT {', '.join(values)} FROM generate_series(1, :n) AS g, "
                    "(SELECT * FROM cases WHERE agency_id = :agency ORDER BY id LIMIT 1) AS c"
                ),
                {"n": missing, "agency": agency_id},
            )
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE cases")
            )
    finally:
        engine.dispose()
    return time.perf_counter() - started


def gather_statistics(url: str) -> None:
    """ANALYZE once the warm-up has filled the tables, as autovacuum does in production.

    A throwaway database on a server with autovacuum off (this machine's) otherwise keeps the
    planner's empty-table estimates for the whole run: the topic UPDATE's "seen before" check
    then walks a popular topic's cases (84 lookups, 1.05 ms for 85 members) instead of probing
    by person (2 rows, 0.28 ms), and submissions grew slower rep by rep."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        engine.dispose()


# ---------------------------------------------------------------- run


@dataclass
class Pair:
    name: str
    service: Callable[[int], Request]
    baseline: Callable[[int], Request]
    baseline_name: str


def json_request(method: str, path: str, payload: Any, **headers: str) -> Request:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return method, path, body, {"Content-Type": "application/json; charset=utf-8", **headers}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="per endpoint and rep (400)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--phase-seconds", type=float, default=15.0, help="cap per phase (15)")
    parser.add_argument("--sustained", type=float, default=0.0, help="seconds at --rate (off)")
    parser.add_argument("--rate", type=float, default=100.0, help="submissions per second")
    parser.add_argument("--list-cases", type=int, default=0, help="fill to N cases, time list")
    parser.add_argument("--no-table", action="store_true", help="only --sustained/--list-cases")
    parser.add_argument("--service-root", type=Path, default=ROOT)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--placement",
        choices=("inline", "queue"),
        default="inline",
        help="TOPIC_PLACEMENT of the service; queue also starts one RQ placement worker",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="for --placement")
    args = parser.parse_args(argv)
    # A terminated run still stops its servers and drops its database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    service_root = args.service_root.resolve()
    sys.path.insert(0, str(service_root))
    for name in list(sys.modules):
        if name.startswith("requests_service"):
            del sys.modules[name]
    from requests_service.db.migrate import upgrade

    db_name, db_url = create_database("rs_bench_http")
    procs: list[subprocess.Popen[bytes]] = []
    extra: dict[str, str] = {}
    if args.placement == "queue":
        extra = {
            "TOPIC_PLACEMENT": "queue",
            "REDIS_URL": args.redis_url,
            "TOPIC_PLACEMENT_QUEUE": f"placement-bench-{secrets.token_hex(4)}",
        }
    try:
        with tempfile.TemporaryDirectory(prefix="rs_bench_http_") as tmp_name:
            tmp = Path(tmp_name)
            upgrade(db_url)
            seeded = seed(db_url)
            base, base_port, base_log = start_server(
                "bench_apps:baseline_app()", args.workers, db_url, tmp, service_root, "baseline"
            )
            procs.append(base)
            svc, svc_port, svc_log = start_server(
                "bench_apps:service_app()",
                args.workers,
                db_url,
                tmp,
                service_root,
                "service",
                extra,
            )
            procs.append(svc)
            if extra:
                procs.append(start_placement_worker(db_url, tmp, service_root, extra))
            wait_until_ready(base, base_port, base_log, "/echo")
            wait_until_ready(svc, svc_port, svc_log)
            return run(args, seeded, base_port, svc_port, db_url, svc_log)
    finally:
        for proc in procs:
            stop_server(proc)
        if extra:
            forget_placement_queue(extra)
        if not args.keep_db:
            drop_database(db_name)
        else:
            print(f"kept database {db_name}")


@dataclass
class Traffic:
    """The requests of one run, by index: submissions to the service (each a new text and
    idempotency key), reads of the cases and items collected at warm-up, calculator calls and
    the baseline's counterparts."""

    texts: list[str]
    run_id: str
    agency_id: int
    auth: dict[str, str]
    submissions: list[dict[str, Any]] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    submit_seq: Iterator[int] = field(default_factory=lambda: iter(range(10**9)))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submission(self, _i: int) -> Request:
        with self.lock:
            n = next(self.submit_seq)
        text = f"{self.texts[n % len(self.texts)]}（{self.run_id}-{n}）"
        payload = {
            "agency_id": self.agency_id,
            "applicant": {
                "applicant_type": "natural_person",
                "name": "张三",
                "id_type": "resident_id",
                "id_number": resident_id(n),
                "phone": "13800138000",
            },
            "requested_information": text,
        }
        return json_request(
            "POST", "/public/applications", payload, **{"Idempotency-Key": f"b-{self.run_id}-{n}"}
        )

    def insert(self, i: int) -> Request:
        return json_request("POST", "/insert", {"text": self.texts[i % len(self.texts)]})

    def by_id(self, i: int) -> Request:
        return "GET", f"/items/{self.items[i % len(self.items)]}", None, {}

    def echo_deadline(self, i: int) -> Request:
        return json_request("POST", "/echo", deadline_body(i))

    def echo_fee(self, i: int) -> Request:
        return json_request("POST", "/echo", fee_body(i))

    def case_list(self, _i: int) -> Request:
        return "GET", "/cases?page=1", None, self.auth

    def case_detail(self, i: int) -> Request:
        case_id = self.submissions[i % len(self.submissions)]["case_id"]
        return "GET", f"/cases/{case_id}", None, self.auth

    def tracking(self, i: int) -> Request:
        s = self.submissions[i % len(self.submissions)]
        return (
            "GET",
            f"/public/tracking/{s['tracking_code']}",
            None,
            {"X-Tracking-Secret": s["tracking_secret"]},
        )

    def deadline(self, i: int) -> Request:
        return json_request("POST", "/calendar/deadline-calculator", deadline_body(i))

    def fee(self, i: int) -> Request:
        return json_request("POST", "/fees/calculator", fee_body(i))


def deadline_body(i: int) -> dict[str, Any]:
    day = 2 + i % 20
    return {
        "channel": "in_person",
        "submitted_at": f"2026-03-{day:02d}T10:00:00+08:00",
        "events": [],
    }


def fee_body(i: int) -> dict[str, Any]:
    return {"method": "per_piece", "piece_ordinal_in_month": 1 + i % 30}


def run(
    args: argparse.Namespace,
    seeded: dict[str, Any],
    base_port: int,
    svc_port: int,
    db_url: str,
    svc_log: Path,
) -> int:
    traffic = Traffic(
        texts=load_texts(),
        run_id=secrets.token_hex(3),
        agency_id=seeded["agency_id"],
        auth={"Authorization": f"Bearer {seeded['token']}"},
    )
    warm_up(args, traffic, base_port, svc_port)
    gather_statistics(db_url)
    failed = side_by_side(args, traffic, base_port, svc_port)
    if args.sustained > 0:
        if args.placement == "queue":
            with PlacementWatch(db_url) as watch:
                failed = sustained_submissions(args, traffic, svc_port) or failed
                failed = watch.report(wait_seconds=60.0) or failed
        else:
            failed = sustained_submissions(args, traffic, svc_port) or failed
    if args.list_cases > 0:
        failed = list_with_many_cases(args, traffic, svc_port, db_url) or failed
    if failed:
        errors = [line for line in svc_log.read_text(errors="replace").splitlines() if line]
        print(f"\nservice log ({len(errors)} lines), last ones:", *errors[-5:], sep="\n  ")
    return 1 if failed else 0


def warm_up(args: argparse.Namespace, traffic: Traffic, base_port: int, svc_port: int) -> None:
    """Warm up both servers (imports, pools, the calendar) and collect ids to read back."""
    warm = closed_loop(svc_port, traffic.submission, 200, args.concurrency, args.phase_seconds)
    if warm.bad:
        print(f"warm-up submissions failed: {warm.bad} {warm.first_bad}", file=sys.stderr)
    traffic.submissions.extend(collect_submissions(svc_port, traffic.submission, 50))
    for i in range(50):
        conn = http.client.HTTPConnection(HOST, base_port, timeout=REQUEST_TIMEOUT_S)
        _status, _, body = send(conn, traffic.insert(i))
        conn.close()
        traffic.items.append(json.loads(body)["id"])
    for make, port in (
        (traffic.case_list, svc_port),
        (traffic.deadline, svc_port),
        (traffic.fee, svc_port),
        (traffic.case_detail, svc_port),
        (traffic.tracking, svc_port),
        (traffic.by_id, base_port),
    ):
        closed_loop(port, make, 40, args.concurrency, args.phase_seconds)


def side_by_side(args: argparse.Namespace, traffic: Traffic, base_port: int, svc_port: int) -> bool:
    """Print the table (only its header with ``--no-table``); True if any request failed."""
    pairs = (
        []
        if args.no_table
        else [
            Pair("POST /public/applications", traffic.submission, traffic.insert, "insert"),
            Pair("GET /cases?page=1 (handler)", traffic.case_list, traffic.by_id, "select by id"),
            Pair("GET /cases/{id}", traffic.case_detail, traffic.by_id, "select by id"),
            Pair("GET /public/tracking/{code}", traffic.tracking, traffic.by_id, "select by id"),
            Pair(
                "POST /calendar/deadline-calculator",
                traffic.deadline,
                traffic.echo_deadline,
                "echo",
            ),
            Pair("POST /fees/calculator", traffic.fee, traffic.echo_fee, "echo"),
        ]
    )
    print(
        f"gunicorn {args.workers} workers each, PostgreSQL, {args.concurrency} connections, "
        f"{args.requests} requests per endpoint x {args.reps} reps; medians over reps"
    )
    header = (
        f"{'endpoint':38} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'stmts':>6} | "
        f"{'baseline':12} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'stmts':>5} | {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for pair in pairs:
        failed = compare_pair(args, pair, base_port, svc_port) or failed
    return failed


def compare_pair(args: argparse.Namespace, pair: Pair, base_port: int, svc_port: int) -> bool:
    """``--reps`` alternating runs of the service endpoint and its baseline, printed as one
    row of medians; True if any request failed."""
    svc_runs, base_runs = [], []
    for _ in range(args.reps):
        svc_runs.append(
            closed_loop(svc_port, pair.service, args.requests, args.concurrency, args.phase_seconds)
        )
        base_runs.append(
            closed_loop(
                base_port, pair.baseline, args.requests, args.concurrency, args.phase_seconds
            )
        )
    failed = False
    for outcome in svc_runs + base_runs:
        if outcome.bad:
            failed = True
            print(f"  {pair.name}: errors {outcome.bad} {outcome.first_bad}", file=sys.stderr)
    ratio = statistics.median(s.rate / b.rate for s, b in zip(svc_runs, base_runs, strict=True))
    print(
        f"{pair.name:38} {med(svc_runs, lambda o: o.rate):7.0f} "
        f"{med(svc_runs, lambda o: o.pct(50)):7.1f} {med(svc_runs, lambda o: o.pct(99)):7.1f} "
        f"{med(svc_runs, lambda o: o.statements_per_request):6.1f} | "
        f"{pair.baseline_name:12} {med(base_runs, lambda o: o.rate):7.0f} "
        f"{med(base_runs, lambda o: o.pct(50)):7.1f} "
        f"{med(base_runs, lambda o: o.pct(99)):7.1f} "
        f"{med(base_runs, lambda o: o.statements_per_request):5.1f} | {ratio:5.2f}"
    )
    return failed


def med(runs: list[Outcome], fn: Callable[[Outcome], float]) -> float:
    return statistics.median(fn(r) for r in runs)


def sustained_submissions(args: argparse.Namespace, traffic: Traffic, svc_port: int) -> bool:
    """Submissions at ``--rate`` for ``--sustained`` seconds; True if any failed."""
    outcome = open_loop(svc_port, traffic.submission, args.rate, args.sustained, 32)
    print(
        f"\nsubmissions at {args.rate:.0f}/s for {args.sustained:.0f} s: "
        f"{len(outcome.latencies_ms)} of {int(args.rate * args.sustained)} sent "
        f"(the rest fell >10 s behind), achieved {outcome.rate:.1f}/s, "
        f"p50 {outcome.pct(50):.1f} ms, p99 {outcome.pct(99):.1f} ms, "
        f"errors {sum(outcome.bad.values())}"
    )
    return bool(outcome.bad)


class PlacementWatch:
    """The placement lag under ``--placement queue``: from the first new case on, polls every
    ``interval`` seconds for cases that got their topic and notes when each was first seen so
    (lag = seen − ``submitted_at``; resolution: the interval plus the poll's own time)."""

    def __init__(self, db_url: str, interval: float = 0.1) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(db_url)
        self.interval = interval
        self.seen: dict[int, float] = {}
        self.submitted: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.failures: list[str] = []

    def __enter__(self) -> PlacementWatch:
        from sqlalchemy import text

        # The warm-up's submissions placed first: the lag measured is the steady state's.
        deadline = time.monotonic() + 120
        with self.engine.connect() as conn:
            while time.monotonic() < deadline:
                if not conn.execute(
                    text("SELECT count(*) FROM cases WHERE topic_pending")
                ).scalar():
                    break
                conn.rollback()
                time.sleep(self.interval)
        with self.engine.connect() as conn:
            highest = conn.execute(text("SELECT coalesce(max(id), 0) FROM cases")).scalar_one()
        self.start_id = int(highest)
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    def _poll(self) -> None:
        from sqlalchemy import text

        query = text(
            "SELECT id, extract(epoch FROM submitted_at) FROM cases "
            "WHERE id > :low AND topic_id IS NOT NULL ORDER BY id"
        )
        low = self.start_id
        while not self.stop.is_set():
            try:
                with self.engine.connect() as conn:
                    rows = conn.execute(query, {"low": low}).all()
                now = time.time()
            except Exception as exc:
                self.failures.append(type(exc).__name__)
                time.sleep(self.interval)
                continue
            for case_id, submitted in rows:
                if case_id not in self.seen:
                    self.seen[case_id] = now
                    self.submitted[case_id] = float(submitted)
            if self.seen:
                # Cases commit nearly in id order: a window well beyond the concurrency.
                low = max(self.start_id, max(self.seen) - 500)
            time.sleep(self.interval)

    def report(self, wait_seconds: float) -> bool:
        """Wait for the queue to empty (up to ``wait_seconds``), print the lag; True if any case
        was left unplaced."""
        from sqlalchemy import text

        deadline = time.monotonic() + wait_seconds
        count = text("SELECT count(*) FROM cases WHERE id > :low")
        pending = text("SELECT count(*) FROM cases WHERE topic_pending OR topic_id IS NULL")
        with self.engine.connect() as conn:
            total = int(conn.execute(count, {"low": self.start_id}).scalar_one())
            while time.monotonic() < deadline:
                if len(self.seen) >= total and not conn.execute(pending).scalar_one():
                    break
                conn.rollback()
                time.sleep(self.interval)
            left = int(conn.execute(pending).scalar_one())
        time.sleep(2 * self.interval)  # the poller's last round
        lags = sorted(1000 * (self.seen[c] - self.submitted[c]) for c in self.seen)
        if lags:
            p50 = lags[len(lags) // 2]
            p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
            print(
                f"placement lag (submission → topic set, polled every "
                f"{self.interval * 1000:.0f} ms): {len(lags)} of {total} cases placed, "
                f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {lags[-1]:.0f} ms; "
                f"left unplaced: {left}"
            )
        else:
            print(f"placement lag: no case placed of {total}; left unplaced: {left}")
        return left > 0 or len(lags) < total


def list_with_many_cases(
    args: argparse.Namespace, traffic: Traffic, svc_port: int, db_url: str
) -> bool:
    """The officer list after filling to ``--list-cases`` cases; True if any request failed."""
    spent = bulk_cases(db_url, traffic.agency_id, args.list_cases)
    print(f"\nfilled to {args.list_cases} cases in {spent:.0f} s")
    closed_loop(svc_port, traffic.case_list, 20, 2, args.phase_seconds)
    failed = False
    for concurrency in (1, args.concurrency):
        outcome = closed_loop(
            svc_port,
            traffic.case_list,
            max(100, args.requests // 2),
            concurrency,
            args.phase_seconds,
        )
        print(
            f"GET /cases?page=1 with {args.list_cases} cases, {concurrency} connection(s): "
            f"{outcome.rate:.0f} req/s, p50 {outcome.pct(50):.1f} ms, "
            f"p99 {outcome.pct(99):.1f} ms, {outcome.statements_per_request:.1f} statements"
        )
        failed = failed or bool(outcome.bad)
    return failed


def collect_submissions(port: int, make: Callable[[int], Request], n: int) -> list[dict[str, Any]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    found = []
    try:
        for i in range(n):
            status, _, body = send(conn, make(i))
            if status not in (200, 201):
                raise RuntimeError(f"submission answered {status}: {body[:300]!r}")
            found.append(json.loads(body))
    finally:
        conn.close()
    return found


if __name__ == "__main__":
    sys.exit(main())
