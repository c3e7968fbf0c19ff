"""End-to-end: the service as its clients meet it (issue 12).

The service is started the way the README starts it — ``flask db-upgrade``, ``flask seed-demo``
(DEMO mode), gunicorn with ``gunicorn.conf.py``, and ``flask letters-worker`` on Redis — once on
SQLite and once on PostgreSQL. A client generated from the committed ``openapi/openapi.json``
with openapi-python-client (pinned in the test extra) drives it over real HTTP; every call is
counted. Few, whole-case tests: everything else stays in-process.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEMO_TOKENS = {
    "registrar": "rs_demo_registrar",
    "handler": "rs_demo_handler",
    "approver": "rs_demo_approver",
}


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES"))


def _unavailable(message: str) -> None:
    if _required():
        pytest.fail(message + " (CI requires it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Generate the client from the committed spec, install it with pip, import it."""
    out = tmp_path_factory.mktemp("client")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi" / "openapi.json"),
            "--config",
            str(ROOT / "openapi" / "client-config.yaml"),
            "--meta",
            "setup",
            "--output-path",
            str(out / "requests-service-client"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=out,
        timeout=300,
    )
    report = generated.stdout + generated.stderr
    assert generated.returncode == 0, report
    assert "Warning" not in report and "warning" not in report, report
    compiled = subprocess.run(
        [sys.executable, "-W", "error", "-m", "compileall", "-q", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert compiled.returncode == 0 and not compiled.stderr, compiled.stdout + compiled.stderr
    site = out / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(out / "requests-service-client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    sys.path.insert(0, str(site))
    import requests_service_client

    return requests_service_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """A running installation: gunicorn + letter worker on one database."""

    base_url: str
    backend: str
    calls: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def client(self, package: Any, who: str | None = None) -> Any:
        def count(_request: Any) -> None:
            self.calls += 1

        hooks = {"request": [count]}
        if who is None:
            return package.Client(base_url=self.base_url, httpx_args={"event_hooks": hooks})
        return package.AuthenticatedClient(
            base_url=self.base_url,
            token=DEMO_TOKENS[who],
            timeout=package.client.httpx.Timeout(60.0),
            httpx_args={"event_hooks": hooks},
        )


def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'e2e.sqlite'}"
        return
    name = f"rs_e2e_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisError:
        _unavailable(f"Redis unreachable at {REDIS_URL}")
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"e2e-{backend}")
    databases = _database(backend, tmp)
    database_url = next(databases)
    port = _free_port()
    env = {
        **os.environ,
        "FLASK_APP": "requests_service",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "REDIS_URL": REDIS_URL,
        "LETTER_QUEUE_NAME": f"e2e-letters-{secrets.token_hex(4)}",
        "LETTER_QUEUE": "rq",
        "DEMO": "1",
        "REQUESTS_SERVICE_INSTANCE": str(tmp / "instance"),
        # Every request comes from 127.0.0.1 and the module submits a case per test: the abuse
        # limits stay on, with room for the suite (tests/api/test_limits.py tests them).
        "RATELIMIT_SUBMIT": "1000/minute",
        "RATELIMIT_TRACKING": "1000/minute",
        # The error-parsing test sends bad tokens on purpose; and each server counts apart, so
        # one backend's run (or an earlier run in the same minute) cannot throttle the next.
        "RATELIMIT_AUTH_FAILURES": "1000/minute",
        "RATELIMIT_KEY_PREFIX": f"e2e-{secrets.token_hex(4)}",
    }
    flask = str(BIN / "flask")
    for command in (["db-upgrade"], ["seed-demo"]):
        done = subprocess.run(
            [flask, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout + done.stderr
    log = (tmp / "server.log").open("wb")
    svc = Service(base_url=f"http://127.0.0.1:{port}", backend=backend)
    svc.processes.append(
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "requests_service:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    )
    svc.processes.append(
        subprocess.Popen(
            [flask, "letters-worker"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    )
    try:
        _wait_until_up(svc, tmp / "server.log")
        yield svc
    finally:
        for process in svc.processes:
            process.terminate()
        for process in svc.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        next(databases, None)
        shutil.rmtree(tmp / "uploads", ignore_errors=True)


def _wait_until_up(svc: Service, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in svc.processes):
            raise AssertionError("service died:\n" + log.read_text(errors="replace"))
        try:
            if httpx.get(svc.base_url + "/public/agencies", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("service did not start:\n" + log.read_text(errors="replace"))
