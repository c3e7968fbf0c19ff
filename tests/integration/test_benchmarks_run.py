"""Every benchmark under bench/ still runs (tiny sizes; the figures are not checked here).

Benchmarks are how speed targets are kept (not timed tests), so a bench that no longer starts
hides a regression: three of them had broken silently after refactors (an import moved, a new
required setting, the national calendar's admin rule).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

# (script, tiny arguments, needs PostgreSQL, needs Redis); a bench exits 1 on a missed target
# only with --check, which is not given here.
BENCHES = [
    ("bench_deadlines.py", ["--cases", "300"], True, False),
    ("bench_annual_report_db.py", ["--cases", "300", "--repeats", "1"], True, False),
    ("bench_annual_report.py", ["--records", "300", "--repeat", "1"], False, False),
    ("bench_recompute_speed.py", [], False, False),
    ("bench_letters.py", ["--runs", "1"], False, False),
    (
        "bench_similarity.py",
        ["--n", "2000", "--sample", "200", "--incremental", "20"],
        False,
        False,
    ),
    ("eval_grouping.py", [], False, False),
    ("first_scores.py", ["tests/data/grouping_own_fresh13.jsonl"], False, False),
    (
        "simulate_corrections.py",
        ["--first-met", "tests/data/grouping_own_fresh13.jsonl"],
        False,
        False,
    ),
    ("bench_submit.py", ["--requests", "20", "--concurrency", "2"], True, False),
    ("bench_events.py", ["--events", "20"], False, True),
    (
        "bench_http.py",
        [
            "--requests",
            "20",
            "--reps",
            "1",
            "--concurrency",
            "2",
            "--workers",
            "1",
            "--phase-seconds",
            "5",
        ],
        True,
        False,
    ),
]


def _reachable(kind: str) -> bool:
    try:
        if kind == "postgresql":
            engine = create_engine(PG_ADMIN_URL)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        else:
            from redis import Redis

            Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except Exception:
        return False
    return True


@pytest.mark.parametrize(
    ("script", "args", "needs_pg", "needs_redis"), BENCHES, ids=[b[0] for b in BENCHES]
)
def test_benchmark_runs(script: str, args: list[str], needs_pg: bool, needs_redis: bool) -> None:
    if needs_pg and not _reachable("postgresql"):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL unreachable")
    if needs_redis and not _reachable("redis"):
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI")
        pytest.skip("Redis unreachable")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
