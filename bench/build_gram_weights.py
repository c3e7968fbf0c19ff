"""Build ``requests_service/domain/similarity/gram_weights.json``: in how many agencies'
requests each content gram occurs, so that wording requests to every agency share (年, 标准,
方案, 工作 …) weighs less than what names the information (课后服务, 幼儿园, 恒泰).

Counted per agency, not per text: a labelled set repeats each topic's words in several texts,
and an agency's own repeated requests are what grouping must find, not common wording.  Counted
on the project's own labelled texts only (``tests/data/grouping_own*.jsonl``), never on the
held-out shared set.  Grams found in fewer than ``MIN_DF`` agencies are left out (they weigh
as unseen grams do: fully).

    .venv/bin/python bench/build_gram_weights.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from requests_service.domain.similarity import features as ft  # noqa: E402
from requests_service.domain.similarity.normalise import clauses  # noqa: E402

MIN_DF = 3
OUT = ROOT / "requests_service" / "domain" / "similarity" / "gram_weights.json"


def own_rows(paths: list[Path] | None = None) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths or sorted((ROOT / "tests" / "data").glob("grouping_own*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def agency_frequencies(rows: list[dict[str, str]]) -> tuple[int, dict[str, int]]:
    """Number of agencies and, per content gram, in how many agencies' requests it occurs."""
    grams_of: dict[str, set[str]] = {}
    for row in rows:
        grams = grams_of.setdefault(row["agency"], set())
        grams.update(ft.unweighted_features(clauses(row["text"])).content)
    df: dict[str, int] = {}
    for grams in grams_of.values():
        for gram in grams:
            df[gram] = df.get(gram, 0) + 1
    return len(grams_of), {g: d for g, d in sorted(df.items()) if d >= MIN_DF}


def main() -> None:
    n, df = agency_frequencies(own_rows())
    OUT.write_text(
        json.dumps({"texts": n, "df": df}, ensure_ascii=False, indent=0) + "\n",
        encoding="utf-8",
    )
    print(f"{n} agencies, {len(df)} grams in >= {MIN_DF} of them -> {OUT}")


if __name__ == "__main__":
    main()
