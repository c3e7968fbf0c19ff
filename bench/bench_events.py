"""Benchmark event delivery through the RQ queue: outbox → webhook receiver, with N workers.

Creates a throwaway database (SQLite in a temp dir, or with ``--postgres`` a throwaway
PostgreSQL database at 127.0.0.1:5432), one agency with one webhook subscription to a receiver
on loopback (verifies every signature, counts distinct event ids), starts ``--workers`` RQ
workers (``rq worker`` processes, SimpleWorker class) on a private queue, writes ``--events``
events to the outbox in one transaction, wakes the workers, and measures the time until every
delivery succeeded. Prints events/s and checks none was lost or delivered twice.

    .venv/bin/python bench/bench_events.py [--events 2000] [--workers 2] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RQ = str(Path(sys.executable).with_name("rq"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "whsec_bench"


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: set[str] = set()
        self.requests = 0
        self.bad = 0


def start_receiver(counter: Counter) -> tuple[ThreadingHTTPServer, int]:
    from requests_service.domain.events import verify

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = verify(
                SECRET,
                int(self.headers["Webhook-Timestamp"]),
                body,
                self.headers["Webhook-Signature"],
                now=int(time.time()),
            )
            with counter.lock:
                counter.requests += 1
                if ok:
                    counter.ids.add(self.headers["Webhook-Id"])
                else:
                    counter.bad += 1
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 drops concurrent connects (1 s SYN retry)

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def wait_until_delivered(session: Any, expected: int, started: float) -> None:
    from sqlalchemy import func, select

    from requests_service.db.models import WebhookDelivery

    done = 0
    while done < expected:
        time.sleep(0.05)
        done = (
            session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status == "succeeded")
            )
            or 0
        )
        session.rollback()
        if time.perf_counter() - started > 600:
            raise SystemExit(f"timeout: {done} of {expected} delivered")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    from redis import Redis
    from rq import Queue

    from requests_service.app import create_app
    from requests_service.db import migrate
    from requests_service.db.models import Agency, WebhookSubscription
    from requests_service.domain.events import EventType
    from requests_service.services import outbox
    from requests_service.services.unit_of_work import UnitOfWork
    from requests_service.worker import drain_events_task

    tmp = tempfile.TemporaryDirectory()
    pg_name = None
    if args.postgres:
        from bench.throwaway_db import create_database, drop_database

        pg_name, url = create_database("rs_bench_events")
    else:
        url = f"sqlite:///{tmp.name}/bench.sqlite"
    queue_name = f"events-bench-{uuid.uuid4().hex[:8]}"
    workers: list[subprocess.Popen[bytes]] = []
    connection = Redis.from_url(REDIS_URL)
    try:
        migrate.upgrade(url)
        counter = Counter()
        server, port = start_receiver(counter)
        config = {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "EVENTS_QUEUE": queue_name,
            "EVENT_DELIVERY": "manual",
            "UPLOAD_DIR": f"{tmp.name}/uploads",
            "SECRET_KEY": uuid.uuid4().hex,
        }
        app = create_app(config)
        session = app.extensions["db_session_factory"]()
        agency = Agency(name="基准测试机关", short_name="基准", case_number_prefix="基准依申")
        session.add(agency)
        session.flush()
        session.add(
            WebhookSubscription(
                agency_id=agency.id,
                url=f"http://127.0.0.1:{port}/hooks",
                event_types=[],
                secret=SECRET,
            )
        )
        session.commit()

        env = {
            **os.environ,
            **{k: str(v) for k, v in config.items()},
            "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
        }
        command = [RQ, "worker", "--worker-class", "rq.worker.SimpleWorker", "--url", REDIS_URL]
        workers = [
            subprocess.Popen(
                [*command, "--quiet", queue_name],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.workers)
        ]
        queue = Queue(queue_name, connection=connection)
        # Warm-up: each worker builds its app on its first job; not part of the measurement.
        for _ in range(args.workers * 2):
            queue.enqueue(drain_events_task)
        while queue.count or queue.started_job_registry.count:
            time.sleep(0.2)
        time.sleep(1)

        with UnitOfWork(session) as uow:
            for i in range(args.events):
                outbox.publish(session, EventType.CASE_DUE_SOON, agency_id=agency.id, data={"n": i})
            uow.commit()
        started = time.perf_counter()
        for _ in range(args.workers):  # one drain per worker; claims split the work
            queue.enqueue(drain_events_task, job_timeout=3600)
        wait_until_delivered(session, args.events, started)
        elapsed = time.perf_counter() - started
        server.shutdown()
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"backend: {backend}; workers: {args.workers}; events: {args.events}")
        print(
            f"delivered: {len(counter.ids)} distinct ids in {counter.requests} requests, "
            f"bad signatures {counter.bad}"
        )
        print(f"elapsed: {elapsed:.2f} s → {args.events / elapsed:.0f} events/s")
        assert len(counter.ids) == args.events and counter.requests == args.events
        session.close()
        app.extensions["db_engine"].dispose()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        Queue(queue_name, connection=connection).delete(delete_jobs=True)
        if pg_name:
            from bench.throwaway_db import drop_database

            drop_database(pg_name)
        tmp.cleanup()


if __name__ == "__main__":
    main()
