"""Annual report, pure part: section 三 over ``--records`` synthetic cases (target <= 1 s).

The records span the report year and the years around it (carry-over both ways), every
applicant column and every outcome, with ~8 % still open.  Only the domain function is timed;
the database query that produces the records is measured by the service.

    .venv/bin/python bench/bench_annual_report.py [--records 100000] [--year 2025] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from requests_service.domain.outcomes import Outcome  # noqa: E402
from requests_service.domain.statistics import (  # noqa: E402
    APPLICANT_COLUMNS,
    CaseRecord,
    RemedyRecord,
    annual_report_section3,
    annual_report_section4,
    check_identity,
)


def make_records(n: int, year: int, seed: int) -> list[CaseRecord]:
    rng = random.Random(seed)
    start = date(year - 1, 7, 1)
    span = (date(year + 1, 3, 31) - start).days
    columns = [c.value for c in APPLICANT_COLUMNS]
    col_weights = [70, 15, 3, 4, 5, 3]
    outcomes = [o.value for o in Outcome]
    records = []
    for _ in range(n):
        received = start + timedelta(days=rng.randrange(span))
        column = rng.choices(columns, col_weights)[0]
        if rng.random() < 0.08:
            records.append(CaseRecord(received, column, None, None, None))
            continue
        done = received + timedelta(days=rng.randrange(1, 60))
        outcome = rng.choice(outcomes)
        if outcome.startswith("other"):
            records.append(CaseRecord(received, column, outcome, None, done))
        else:
            records.append(CaseRecord(received, column, outcome, done, None))
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    records = make_records(args.records, args.year, args.seed)
    times = []
    section = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        section = annual_report_section3(records, args.year)
        times.append(time.perf_counter() - t0)
    assert section is not None
    assert check_identity(section) == []
    print(
        f"section 三 over {len(records):,} records: median {statistics.median(times):.3f} s, "
        f"best {min(times):.3f} s, worst {max(times):.3f} s (target <= 1 s)"
    )
    cell = section.cell
    print(
        f"  一 {cell('new_received'):,}  二 {cell('carried_over_from_previous_year'):,}"
        f"  三(七) {cell('results_total'):,}  四 {cell('carried_over_to_next_year'):,}"
        f"  anomalies {len(section.anomalies)}"
    )

    rng = random.Random(args.seed)
    kinds = ["reconsideration", "litigation_direct", "litigation_after_reconsideration"]
    remedies = []
    for _ in range(args.records // 50):
        filed = date(args.year - 1, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        decided = filed + timedelta(days=rng.randrange(30, 300)) if rng.random() < 0.8 else None
        result = rng.choice(["upheld", "corrected", "other"]) if decided else "pending"
        kind = rng.choice(kinds)
        remedies.append(RemedyRecord(kind, result, decided, filed))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    annual_report_section4(remedies, args.year)
    print(f"section 四 over {len(remedies):,} remedy records: {time.perf_counter() - t0:.4f} s")


if __name__ == "__main__":
    main()
