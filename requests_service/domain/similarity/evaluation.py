"""Measure a grouping on a labelled set: pair precision, recall and F1, near-miss merges.

Rows are dicts with ``id``, ``topic``, ``agency``, ``text`` and, on a deliberate near miss,
``hard_negative_of`` (the topic it imitates) — the format of ``tests/data/grouping_own.jsonl``.
Texts are grouped per agency, as the service groups them.  A near-miss text is *merged* when
its predicted topic also holds a text of the topic it imitates.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

Grouper = Callable[[list[tuple[str, str]]], Iterable[Sequence[Hashable]]]


@dataclass(frozen=True)
class Report:
    texts: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    near_miss_texts: int
    near_miss_merged: int
    merged_ids: tuple[str, ...]

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str = "") -> str:
        return (
            f"{name:28s} texts {self.texts:4d}  P {self.precision:.3f}  R {self.recall:.3f}  "
            f"F1 {self.f1:.3f}  near-miss merged {self.near_miss_merged}/{self.near_miss_texts}"
        )


def load(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(rows: Sequence[dict[str, Any]], grouper: Grouper) -> tuple[Report, dict[str, Report]]:
    """Overall and per-agency reports of ``grouper`` (``[(id, text)]`` → groups of ids)."""
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_agency[row["agency"]].append(row)
    per: dict[str, Report] = {}
    for agency, agency_rows in by_agency.items():
        groups = grouper([(r["id"], r["text"]) for r in agency_rows])
        per[agency] = _report(agency_rows, groups)
    total = Report(
        sum(r.texts for r in per.values()),
        sum(r.true_pairs for r in per.values()),
        sum(r.predicted_pairs for r in per.values()),
        sum(r.correct_pairs for r in per.values()),
        sum(r.near_miss_texts for r in per.values()),
        sum(r.near_miss_merged for r in per.values()),
        tuple(i for r in per.values() for i in r.merged_ids),
    )
    return total, per


def _report(rows: Sequence[dict[str, Any]], groups: Iterable[Sequence[Hashable]]) -> Report:
    gold = {r["id"]: r["topic"] for r in rows}
    predicted: dict[Hashable, int] = {}
    for k, members in enumerate(groups):
        for m in members:
            predicted[m] = k
    ids = list(gold)
    true_pairs = predicted_pairs = correct = 0
    for a, b in combinations(ids, 2):
        same_gold = gold[a] == gold[b]
        same_pred = predicted[a] == predicted[b]
        true_pairs += same_gold
        predicted_pairs += same_pred
        correct += same_gold and same_pred
    topics_in: dict[int, set[str]] = defaultdict(set)
    for i in ids:
        topics_in[predicted[i]].add(gold[i])
    near = [r for r in rows if r.get("hard_negative_of")]
    merged = tuple(r["id"] for r in near if r["hard_negative_of"] in topics_in[predicted[r["id"]]])
    return Report(len(ids), true_pairs, predicted_pairs, correct, len(near), len(merged), merged)


def service_grouper(**kwargs: Any) -> Grouper:
    """The service's own grouping: :func:`~.clustering.cluster` with intake's candidate window
    (``star=PER_KEY``) unless ``kwargs`` say otherwise."""
    from requests_service.domain.similarity.clustering import PER_KEY, cluster

    kwargs.setdefault("star", PER_KEY)

    def group(items: list[tuple[str, str]]) -> list[tuple[str, ...]]:
        return [t.member_ids for t in cluster(items, **kwargs)]

    return group
