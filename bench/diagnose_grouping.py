"""Why a labelled set's texts are grouped as they are: missed pairs and wrong merges.

For each pair of same-topic texts that :func:`~requests_service.domain.similarity.cluster`
puts apart, prints which slot vetoed it (and both sides' values of that slot), or its score
below the threshold, or that the two share no index key (MinHash band nor slot key) and are
never compared.  For each pair put together against the labels, prints its score.  Own sets
only: never run it on the held-out shared set.

    .venv/bin/python bench/diagnose_grouping.py tests/data/grouping_own_fresh8.jsonl
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from requests_service.domain import similarity as sim  # noqa: E402
from requests_service.domain.similarity import evaluation as ev  # noqa: E402
from requests_service.domain.similarity.scoring import score_and_veto  # noqa: E402

_SLOT_FIELDS = {
    "kind": "kinds",
    "facet": "facets",
    "object": "objects",
    "year": "years",
    "month": "months",
    "serial": "serials",
    "level": "levels",
    "place": "places",
    "entity": "entities",
}


def _keys(text: str, feats: sim.Features) -> set[str]:
    return set(sim.band_keys(sim.signature(text))) | set(sim.slot_keys(feats))


def diagnose(rows: list[dict[str, str]]) -> None:
    by_agency: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_agency[row["agency"]].append(row)
    for agency, agency_rows in by_agency.items():
        items = [(r["id"], r["text"]) for r in agency_rows]
        groups = ev.service_grouper()(items)
        topic_of = {m: k for k, g in enumerate(groups) for m in g}
        feats = {r["id"]: sim.features_of(r["text"]) for r in agency_rows}
        keys = {r["id"]: _keys(r["text"], feats[r["id"]]) for r in agency_rows}
        for a, b in combinations(agency_rows, 2):
            same_gold = a["topic"] == b["topic"]
            same_pred = topic_of[a["id"]] == topic_of[b["id"]]
            if same_gold == same_pred:
                continue
            fa, fb = feats[a["id"]], feats[b["id"]]
            s, reason = score_and_veto(fa, fb)
            if same_gold:
                what = f"MISS {a['topic']}"
                if reason:
                    field = _SLOT_FIELDS[reason]
                    left, right = sorted(getattr(fa, field)), sorted(getattr(fb, field))
                    why = f"veto {reason}: {left} | {right}"
                elif not keys[a["id"]] & keys[b["id"]]:
                    why = f"no shared key (score {s:.3f})"
                else:
                    why = f"score {s:.3f}"
            else:
                what = f"MERGE {a['topic']}/{b['topic']}"
                why = f"score {s:.3f}"
            print(f"[{agency}] {what}: {why}\n    {a['text']}\n    {b['text']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    for path in parser.parse_args().paths:
        if "requests_dev" in path.name:
            raise SystemExit("the shared set is held out: diagnose own sets only")
        print(f"== {path.name}")
        diagnose(ev.load(path))


if __name__ == "__main__":
    main()
