"""What every benchmark needs: output, percentiles, the service's settings under a bench, a
gunicorn server to start and wait for, and bulk loading checked against the models.

Bulk loads write positional rows with PostgreSQL's COPY. The column list a bench fills is
checked against the SQLAlchemy models (``requests_service.db.models``) before the first row, so
a column added to a model without a default fails the bench at once instead of loading
silently wrong rows, and a model edited without its migration is named (``schema_drift``).
"""

from __future__ import annotations

import http.client
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

from requests_service.db import models  # noqa: F401  (registers every table on Base.metadata)
from requests_service.db.base import Base

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 60.0
# One client address sends thousands of requests: the abuse limits would refuse a benchmark.
NEVER_LIMITED = "1000000/minute"


def say(message: str = "") -> None:
    print(message, flush=True)


def weighted(pairs: Iterable[tuple[Any, int]]) -> list[Any]:
    """``(("a", 3), ("b", 1))`` → ``["a", "a", "a", "b"]`` for ``random.choice``."""
    return [value for value, weight in pairs for _ in range(weight)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def model_columns(table: str, *, leave_out: Iterable[str] = ()) -> tuple[str, ...]:
    """The columns of a model's table in model order, without those a bench leaves to defaults."""
    skip = set(leave_out)
    return tuple(c.name for c in Base.metadata.tables[table].columns if c.name not in skip)


def service_env(db_url: str, tmp: Path, *, queued_jobs: bool = False) -> dict[str, str]:
    """The service's settings under a bench, as environment variables: its database, a fresh
    secret key, upload (created here) and instance directories under ``tmp``, and abuse limits
    that never trip, counted in process memory (Redis stays out of it).

    Unless ``queued_jobs``, events wait for ``flask deliver-events`` and letters are rendered
    in the request: nothing is queued in a Redis nobody drains."""
    (tmp / "uploads").mkdir(exist_ok=True)
    env = {
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-" + secrets.token_hex(8),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "REQUESTS_SERVICE_INSTANCE": str(tmp / "instance"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_SUBMIT": NEVER_LIMITED,
        "RATELIMIT_TRACKING": NEVER_LIMITED,
        "RATELIMIT_TRACKING_FAILURES": NEVER_LIMITED,
        "RATELIMIT_AUTH_FAILURES": NEVER_LIMITED,
    }
    if not queued_jobs:
        env.update(EVENT_DELIVERY="manual", LETTER_QUEUE="inline")
    return env


def gunicorn_binary(service_root: Path = ROOT) -> str:
    """The served checkout's gunicorn, else this one's, else the one beside this interpreter."""
    for candidate in (
        service_root / ".venv" / "bin" / "gunicorn",
        ROOT / ".venv" / "bin" / "gunicorn",
        Path(sys.executable).parent / "gunicorn",
    ):
        if candidate.exists():
            return str(candidate)
    return "gunicorn"


def wait_until_ready(
    proc: subprocess.Popen[bytes], port: int, log_path: Path, path: str = "/public/agencies"
) -> None:
    """Ask ``path`` (POST ``{}`` to ``/echo``, else GET) until the server answers it without a
    server error; fail with the end of its log if it exits or is not ready in time."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}:\n{log_tail(log_path)}")
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            if path == "/echo":
                conn.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
            else:
                conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            if resp.status < 500:
                return
            last_error = f"HTTP {resp.status}"
        except OSError as exc:
            last_error = repr(exc)
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(
        f"server not ready after {STARTUP_TIMEOUT_S:.0f}s ({last_error}):\n{log_tail(log_path)}"
    )


def log_tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:]
    except OSError:
        return ""


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server process the bench started: politely, then for good after 15 s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def resident_id(n: int) -> str:
    """A valid resident ID number (check digit included), one of 1,000 per ``n``."""
    from requests_service.domain.identity import resident_id_check_char

    body = "11010119900307" + f"{n % 1000:03d}"
    return body + resident_id_check_char(body)


def required_columns(cur: Any, table: str) -> set[str]:
    """Columns a bulk load must fill: NOT NULL with no database default (COPY bypasses the
    ORM, so the models' Python-side defaults don't apply)."""
    cur.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
          AND is_identity = 'NO'
        """,
        (table,),
    )
    return {name for (name,) in cur.fetchall()}


def check_filled(cur: Any, table: str, filled: Sequence[str]) -> None:
    """Fail fast when a bench's column list no longer fits the model and the schema."""
    known = {c.name for c in Base.metadata.tables[table].columns}
    unknown = sorted(set(filled) - known)
    missing = sorted(required_columns(cur, table) - set(filled) - {"id"})
    if unknown or missing:
        raise SystemExit(
            f"{table}: the bench fills columns the model lacks {unknown}"
            f" and misses NOT NULL columns {missing}"
        )


def copy_rows(cur: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into ``table`` (psycopg cursor) after checking the columns."""
    check_filled(cur, table, columns)
    count = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def schema_drift(engine: Engine) -> list[str]:
    """Model columns the migrated schema lacks (a model edited without its migration)."""
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    missing: list[str] = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            missing.append(f"{table.name} (table)")
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    return missing
