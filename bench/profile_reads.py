"""CPU per request of the read hot paths and the calculators, in-process, beside bare Flask.

Creates a throwaway PostgreSQL database (127.0.0.1:5432), upgrades and seeds it like
bench/bench_http.py, submits a few applications, then sends each endpoint ``--requests``
requests through Flask's test client, both to the service and to the bare baseline
(bench/bench_apps.py), and prints CPU µs per request (process time: not disturbed by other
processes on a shared machine, unlike wall time). With ``--profile`` it runs each endpoint
once more under cProfile and prints the functions with the largest cumulative time; with
``--by-package`` it adds up that profile's calls and own CPU by top-level package (flask,
flask_smorest, marshmallow, sqlalchemy, flask_limiter, werkzeug, requests_service, the standard
library's modules, built-ins), which says which layer a read path's time goes to.

    python bench/profile_reads.py                      # CPU µs per request, both apps
    python bench/profile_reads.py --profile --top 40   # + where the time goes
    python bench/profile_reads.py --by-package         # + calls and own CPU per package
    python bench/profile_reads.py --only deadline      # one endpoint (substring of its name)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import sysconfig
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench_http import deadline_body, fee_body, load_texts, seed  # noqa: E402
from benchkit import resident_id, service_env  # noqa: E402
from throwaway_db import create_database, drop_database  # noqa: E402

Call = Callable[[Any, int], Any]  # (test client, i) -> response


def build_apps(db_url: str, tmp: Path) -> tuple[Any, Any]:
    """The service configured as bench_http.py serves it, and the bare baseline."""
    os.environ.update(service_env(db_url, tmp))
    from bench_apps import baseline_app

    from requests_service import create_app

    return create_app(), baseline_app()


def submit(client: Any, agency_id: int, text: str, n: int) -> dict[str, Any]:
    payload = {
        "agency_id": agency_id,
        "applicant": {
            "applicant_type": "natural_person",
            "name": "张三",
            "id_type": "resident_id",
            "id_number": resident_id(n),
            "phone": "13800138000",
        },
        "requested_information": text,
    }
    resp = client.post("/public/applications", json=payload, headers={"Idempotency-Key": f"p-{n}"})
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    return dict(resp.get_json())


def endpoints(
    seeded: dict[str, Any], submissions: list[dict[str, Any]], items: list[int]
) -> list[tuple[str, Call, Call]]:
    auth = {"Authorization": f"Bearer {seeded['token']}"}

    def case_list(c: Any, _i: int) -> Any:
        return c.get("/cases?page=1", headers=auth)

    def case_detail(c: Any, i: int) -> Any:
        return c.get(f"/cases/{submissions[i % len(submissions)]['case_id']}", headers=auth)

    def tracking(c: Any, i: int) -> Any:
        s = submissions[i % len(submissions)]
        return c.get(
            f"/public/tracking/{s['tracking_code']}",
            headers={"X-Tracking-Secret": s["tracking_secret"]},
        )

    def deadline(c: Any, i: int) -> Any:
        return c.post("/calendar/deadline-calculator", json=deadline_body(i))

    def fee(c: Any, i: int) -> Any:
        return c.post("/fees/calculator", json=fee_body(i))

    def by_id(c: Any, i: int) -> Any:
        return c.get(f"/items/{items[i % len(items)]}")

    def echo_deadline(c: Any, i: int) -> Any:
        return c.post("/echo", json=deadline_body(i))

    def echo_fee(c: Any, i: int) -> Any:
        return c.post("/echo", json=fee_body(i))

    return [
        ("GET /cases?page=1", case_list, by_id),
        ("GET /cases/{id}", case_detail, by_id),
        ("GET /public/tracking/{code}", tracking, by_id),
        ("POST /calendar/deadline-calculator", deadline, echo_deadline),
        ("POST /fees/calculator", fee, echo_fee),
    ]


def cpu_per_request(client: Any, call: Call, n: int) -> float:
    """CPU µs per request (this process: the test client, the app and the driver)."""
    for i in range(min(50, n)):
        call(client, i)
    started = time.process_time()
    for i in range(n):
        resp = call(client, i)
        if resp.status_code >= 400:
            raise RuntimeError(f"{resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    return (time.process_time() - started) / n * 1e6


def calls_per_request(client: Any, call: Call, n: int = 200) -> float:
    """Python function calls per request: deterministic, so a fair before/after comparison."""
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        call(client, i)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return sum(v[1] for v in stats.values()) / n


def profile(client: Any, call: Call, n: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        call(client, i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append((cumtime, tottime, calls, f"{where}:{line}({func})"))
    rows.sort(reverse=True)
    total_calls = sum(row[2] for row in rows)
    out = io.StringIO()
    out.write(f"  {total_calls / n:.0f} Python function calls per request (deterministic)\n")
    out.write(f"  {'cum µs/req':>10} {'own µs/req':>10} {'calls/req':>9}  function (cProfile)\n")
    for cum, own, calls, name in rows[:top]:
        out.write(f"  {cum / n * 1e6:10.0f} {own / n * 1e6:10.0f} {calls / n:9.1f}  {name}\n")
    return out.getvalue()


STDLIB = sysconfig.get_paths()["stdlib"]


def package_of(filename: str) -> str:
    """The top-level package a profiled function belongs to: the first component under
    site-packages, ``requests_service`` (or ``bench``) for this repository, ``stdlib.<module>``
    for the standard library, ``(built-in)`` for C functions (cProfile's ``~``)."""
    if filename == "~" or filename.startswith("<"):
        return "(built-in)" if filename == "~" else "(generated)"
    if "site-packages/" in filename:
        head = filename.split("site-packages/")[-1].split("/")[0]
        return head.removesuffix(".py")
    if filename.startswith(str(ROOT) + "/"):
        return filename[len(str(ROOT)) + 1 :].split("/")[0].removesuffix(".py")
    if filename.startswith(STDLIB + "/"):
        return "stdlib." + filename[len(STDLIB) + 1 :].split("/")[0].removesuffix(".py")
    return filename


def by_package(client: Any, call: Call, n: int) -> str:
    """Calls and own CPU (cProfile's tottime, which adds up to the whole) per request, grouped
    by the package of the function that spent them."""
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        call(client, i)
    profiler.disable()
    calls: dict[str, int] = defaultdict(int)
    own: dict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, ncalls, tottime, _cum, _callers) in pstats.Stats(  # type: ignore[attr-defined]
        profiler
    ).stats.items():
        package = package_of(filename)
        calls[package] += ncalls
        own[package] += tottime
    total_calls, total_own = sum(calls.values()), sum(own.values())
    out = io.StringIO()
    out.write(f"  {'package':28} {'calls/req':>9} {'share':>6} {'own µs/req':>10} {'share':>6}\n")
    for package in sorted(calls, key=lambda p: (-calls[p], p)):
        out.write(
            f"  {package:28} {calls[package] / n:9.0f} {calls[package] / total_calls:6.1%}"
            f" {own[package] / n * 1e6:10.0f} {own[package] / total_own:6.1%}\n"
        )
    out.write(f"  {'total':28} {total_calls / n:9.0f} {'':6} {total_own / n * 1e6:10.0f}\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="best of N rounds (3)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--by-package", action="store_true", help="calls and own CPU per top-level package"
    )
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    args = parser.parse_args(argv)

    import tempfile

    from requests_service.db.migrate import upgrade

    db_name, db_url = create_database("rs_profile_reads")
    try:
        with tempfile.TemporaryDirectory(prefix="rs_profile_reads_") as tmp_name:
            tmp = Path(tmp_name)
            upgrade(db_url)
            seeded = seed(db_url)
            service, baseline = build_apps(db_url, tmp)
            svc, base = service.test_client(), baseline.test_client()
            texts = load_texts()
            submissions = [
                submit(svc, seeded["agency_id"], f"{texts[n % len(texts)]}（{n}）", n)
                for n in range(30)
            ]
            items = [
                base.post("/insert", json={"text": texts[i]}).get_json()["id"] for i in range(30)
            ]
            print(
                f"{'endpoint':36} {'service µs':>11} {'bare µs':>8} {'over µs':>8} {'ratio':>6}"
                f" {'calls':>6} {'bare':>5}"
            )
            for name, call, bare in endpoints(seeded, submissions, items):
                if args.only and args.only not in name:
                    continue
                s = min(cpu_per_request(svc, call, args.requests) for _ in range(args.rounds))
                b = min(cpu_per_request(base, bare, args.requests) for _ in range(args.rounds))
                calls, bare_calls = calls_per_request(svc, call), calls_per_request(base, bare)
                print(
                    f"{name:36} {s:11.0f} {b:8.0f} {s - b:8.0f} {b / s:6.2f}"
                    f" {calls:6.0f} {bare_calls:5.0f}",
                    flush=True,
                )
                if args.profile:
                    print(profile(svc, call, args.requests, args.top))
                if args.by_package:
                    print(by_package(svc, call, min(args.requests, 500)), flush=True)
    finally:
        drop_database(db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
