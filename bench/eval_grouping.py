"""Grouping quality on labelled sets: pair precision, recall, F1 and near-miss merges.

Groups each set per agency with the service's own ``domain.similarity.cluster`` at the
threshold fixed in code (the same rule as intake) and prints the overall and per-agency
figures.  Parameters are chosen on the project's own set (``tests/data/grouping_own.jsonl``);
the shared set (``../shared/data/requests_dev.jsonl``) is held out and only measured.

    .venv/bin/python bench/eval_grouping.py [--per-agency] [--tune] [extra.jsonl ...]

``--tune`` prints a threshold sweep — on the own set only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from requests_service.domain.similarity import SAME_TOPIC_THRESHOLD  # noqa: E402
from requests_service.domain.similarity import evaluation as ev  # noqa: E402

OWN = ROOT / "tests" / "data" / "grouping_own.jsonl"
SHARED = ROOT.parent / "shared" / "data" / "requests_dev.jsonl"
for candidate in (SHARED, Path("/work/shared/data/requests_dev.jsonl")):
    if candidate.exists():
        SHARED = candidate
        break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--per-agency", action="store_true")
    parser.add_argument("--no-shared", action="store_true", help="skip the held-out set")
    parser.add_argument("--tune", action="store_true", help="threshold sweep on the own set")
    args = parser.parse_args()
    sets = [("own (tuning)", OWN)]
    if SHARED.exists() and not args.no_shared:
        sets.append(("shared (held out)", SHARED))
    sets += [(p.name, p) for p in args.paths]
    print(f"threshold fixed in code: {SAME_TOPIC_THRESHOLD}")
    for name, path in sets:
        rows = ev.load(path)
        start = time.perf_counter()
        total, per = ev.evaluate(rows, ev.service_grouper())
        elapsed = time.perf_counter() - start
        print(total.line(name) + f"  ({elapsed * 1000:.0f} ms)")
        if args.per_agency:
            for agency, report in sorted(per.items()):
                print("   " + report.line(agency))
    if args.tune:
        rows = ev.load(OWN)
        for step in range(25, 65, 5):
            th = step / 100
            total, _ = ev.evaluate(rows, ev.service_grouper(threshold=th))
            print(total.line(f"own, threshold {th:.2f}"))


if __name__ == "__main__":
    main()
