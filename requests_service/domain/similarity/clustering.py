"""Group requests into topics: incremental assignment at intake, and the same in batch.

An application joins the topic of its most similar earlier application (candidates from the
LSH band keys, :mod:`.lsh`) when :func:`~.scoring.score` reaches the threshold and neither that
topic's seed (first member) nor any compared member of it vetoes the pair; otherwise it starts
a topic.  :func:`cluster` runs exactly this over a batch in input order, so evaluation scripts
measure what intake does.  Officers' corrections are constraints: ``cannot_link`` pairs are
never put together, ``must_link`` pairs always are (unless that would break a cannot-link).
"""

from __future__ import annotations

import bisect
import gc
import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from requests_service.domain.similarity import scoring
from requests_service.domain.similarity.features import (
    ClauseSlots,
    Features,
    clause_slots,
    features_from_slots,
    features_of,
    features_of_clauses,
    merge_slots,
    slot_keys,
)
from requests_service.domain.similarity.lsh import (
    _EMPTY_SLOT,
    BANDS,
    _band_hashes,
    signatures,
)
from requests_service.domain.similarity.normalise import clauses
from requests_service.domain.similarity.scoring import (
    SAME_TOPIC_THRESHOLD,
    _kind_conflict,
    score,
    score_and_veto,
    veto,
)

IdT = TypeVar("IdT", bound=Hashable)

MAX_CANDIDATES: Final = 20
"""Candidates compared per new text, most shared keys first: the service reads the same
number from its key table."""

PER_KEY: Final = 200
"""Intake reads the latest ``PER_KEY`` applications under each of a new text's keys;
``cluster(items, star=PER_KEY)`` does exactly the same and so gives intake's topics."""

PER_TOPIC: Final = 3
"""At most this many members of one topic are compared with a new text (the best-ranked)."""

STAR: Final = 4
"""Default of :func:`cluster`: each text meets its ``STAR`` latest predecessors under every key
(intake: :data:`PER_KEY`).  Enough for batches of millions (``bench/bench_similarity.py``
measures the recall this costs); evaluation uses ``star=PER_KEY``, exactly intake."""

PARALLEL_MIN_ITEMS: Final = 50_000
"""From this many items :func:`cluster` works in several processes by default: below it,
starting them costs more than they save."""


def candidates_for(
    keys: Iterable[str], index: Mapping[str, Sequence[IdT]], *, limit: int | None = None
) -> list[IdT]:
    """Ids sharing at least one band key, most shared keys first (ties: first seen).

    ``index`` maps band key → ids (the service reads the rows of its band-key table for
    ``keys``).  ``limit`` keeps the best ``limit`` ids for re-ranking.
    """
    counts: Counter[IdT] = Counter()
    for key in keys:
        counts.update(index.get(key, ()))
    return [i for i, _ in counts.most_common(limit)]


def best_match(
    text: str,
    candidates: Iterable[tuple[IdT, str]],
    *,
    threshold: float = SAME_TOPIC_THRESHOLD,
) -> tuple[IdT, float] | None:
    """The candidate most similar to ``text`` if its score reaches ``threshold``.

    ``candidates`` are ``(id, text)`` pairs.  Ties go to the first candidate.
    """
    fa = features_of(text)
    best: tuple[IdT, float] | None = None
    for cid, other in candidates:
        s = score(fa, features_of(other))
        if s >= threshold and (best is None or s > best[1]):
            best = (cid, s)
    return best


@dataclass(frozen=True)
class Assignment(Generic[IdT]):
    """Where a new text goes: ``topic`` (None: a new topic), the member it matched, the score."""

    topic: Hashable | None
    matched: IdT | None
    score: float


def assign(
    text_features: Features,
    candidates: Iterable[tuple[IdT, Hashable, Features]],
    *,
    profiles: Mapping[Any, Features] | None = None,
    forbidden_topics: Iterable[Hashable] = (),
    threshold: float = SAME_TOPIC_THRESHOLD,
    per_topic: int = PER_TOPIC,
) -> Assignment[IdT]:
    """The intake rule, for one text: ``candidates`` are ``(member id, topic, features)`` of
    earlier texts; ``profiles`` each topic's merged slots (:func:`~.features.merge_slots`).

    The text joins the topic of its best-scoring candidate at or above ``threshold`` whose
    merged slots and compared members do not veto it and that is not in ``forbidden_topics`` (the
    officers' cannot-links).  Candidates come best-ranked first; at most ``per_topic`` members of
    one topic are compared.  Ties: the first candidate.
    """
    forbidden = set(forbidden_topics)
    vetoed: set[Hashable] = set()
    seen: Counter[Hashable] = Counter()
    scored: list[tuple[float, int, IdT, Hashable]] = []
    for k, (member, topic, feats) in enumerate(candidates):
        if topic in forbidden or topic in vetoed or seen[topic] >= per_topic:
            continue
        seen[topic] += 1
        s, reason = score_and_veto(text_features, feats)
        if reason is not None:
            vetoed.add(topic)
            continue
        scored.append((s, k, member, topic))
    scored.sort(key=lambda t: (-t[0], t[1]))
    for s, _, member, topic in scored:
        if s < threshold:
            break
        if topic in vetoed:
            continue
        profile = profiles.get(topic) if profiles else None
        if profile is not None and veto(text_features, profile, mentions=False):
            vetoed.add(topic)
            continue
        return Assignment(topic, member, s)
    return Assignment(None, None, 0.0)


# --- batch clustering --------------------------------------------------------------------


@dataclass(frozen=True)
class Topic(Generic[IdT]):
    """A group of requests for the same information.

    ``representative`` is an original member text: the one whose normalised form occurs most
    often in the group (ties: shortest normalised, then first seen).  ``member_ids`` keep input
    order.
    """

    representative: str
    member_ids: tuple[IdT, ...]

    @property
    def size(self) -> int:
        return len(self.member_ids)


def _band_pair_keys(sigs: npt.NDArray[np.uint32], star: int) -> npt.NDArray[np.int64]:
    """Pairs (i, j), i < j, sharing a band, as sorted unique keys ``j * n + i``.  Each band
    bucket is in input order and every member is paired with its ``star`` predecessors:
    linear in the bucket size, and union-find links the rest."""
    n = sigs.shape[0]
    if n < 2:
        return np.empty(0, dtype=np.int64)
    hashes = _band_hashes(sigs)
    empty = np.all(sigs == _EMPTY_SLOT, axis=1)
    positions = np.arange(n)
    chunks: list[npt.NDArray[np.int64]] = []
    for band in range(BANDS):
        h = hashes[:, band]
        order = np.argsort(h, kind="stable")  # ties keep input order: i < j within a run
        hs = h[order]
        run_start = np.ones(n, dtype=bool)
        run_start[1:] = hs[1:] != hs[:-1]
        pos_in_run = positions - np.maximum.accumulate(np.where(run_start, positions, 0))
        empty_here = empty[order]
        for d in range(1, star + 1):
            ok = pos_in_run[d:] >= d
            if not ok.any():
                break
            ok &= ~(empty_here[:-d] | empty_here[d:])
            chunks.append(order[d:][ok] * n + order[:-d][ok])
    if not chunks:
        return np.empty(0, dtype=np.int64)
    keys = np.concatenate(chunks)
    del chunks
    keys.sort()
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


_RANK_CHUNK: Final = 1 << 20
"""Candidate pairs ranked at a time by :func:`_ranked_candidates`: the temporaries stay small
(one pass over the whole set allocated, and page-faulted, a dozen arrays of tens of millions)."""


def _ranked_candidates(
    band_keys: npt.NDArray[np.int64], extra: npt.NDArray[np.int64], n: int
) -> tuple[npt.NDArray[np.int64], list[int]]:
    """For every j, its earlier candidates i, most shared keys first (a band counts once, each
    shared slot key once more: ``extra`` repeats a pair (i, j) once per slot key), then latest
    first, at most :data:`MAX_CANDIDATES`: ``cand_of[starts[j]:starts[j + 1]]``.
    ``band_keys`` are sorted unique ``j * n + i`` (:func:`_band_pair_keys`).  Vectorised,
    with no sort of the whole set but merges of sorted runs, in ranges of j of about
    :data:`_RANK_CHUNK` pairs: tens of millions of pairs."""
    if len(extra):
        ex = extra[:, 1] * n + extra[:, 0]
        ex = ex[extra[:, 0] != extra[:, 1]]
    else:
        ex = np.empty(0, dtype=np.int64)
    ex, ex_counts = np.unique(ex, return_counts=True)
    parts: list[npt.NDArray[np.int64]] = []
    js_parts: list[npt.NDArray[np.int64]] = []
    b_lo = e_lo = 0
    while b_lo < len(band_keys) or e_lo < len(ex):
        # the next range of j: whole slots, about _RANK_CHUNK band pairs
        if b_lo + _RANK_CHUNK < len(band_keys):
            j_end = int(band_keys[b_lo + _RANK_CHUNK]) // n + 1
            b_hi = int(np.searchsorted(band_keys, j_end * n))
            e_hi = int(np.searchsorted(ex, j_end * n))
        else:
            b_hi, e_hi = len(band_keys), len(ex)
        cands, js = _ranked_part(band_keys[b_lo:b_hi], ex[e_lo:e_hi], ex_counts[e_lo:e_hi], n)
        parts.append(cands)
        js_parts.append(js)
        b_lo, e_lo = b_hi, e_hi
    if not parts:
        return np.empty(0, dtype=np.int64), [0] * (n + 1)
    js_all = np.concatenate(js_parts)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(js_all, minlength=n), out=starts[1:])
    return np.concatenate(parts), starts.tolist()


def _ranked_part(
    band_keys: npt.NDArray[np.int64],
    ex: npt.NDArray[np.int64],
    ex_counts: npt.NDArray[np.int64],
    n: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """:func:`_ranked_candidates` of the slots whose pairs these are (``ex``: the slot-key
    pairs, sorted unique, ``ex_counts`` times each): the candidates and their slots, in order."""
    pos = np.searchsorted(band_keys, ex)
    hit = pos < len(band_keys)
    hit[hit] = band_keys[pos[hit]] == ex[hit]
    counts = np.ones(len(band_keys), dtype=np.int64)
    counts[pos[hit]] += ex_counts[hit]
    keys = np.concatenate([band_keys, ex[~hit]])
    counts = np.concatenate([counts, ex_counts[~hit]])
    m = len(keys)
    if not m:
        return keys, keys
    order = np.argsort(keys, kind="stable")  # two sorted runs: a merge
    keys, counts = keys[order], counts[order]
    js = keys // n
    new_j = np.empty(m, dtype=bool)
    new_j[0] = True
    new_j[1:] = js[1:] != js[:-1]
    group_start = np.flatnonzero(new_j)
    group = np.cumsum(new_j) - 1
    first = group_start[group]
    last = np.append(group_start[1:], m)[group] - 1
    flip = first + last - np.arange(m)  # within each j: latest i first
    keys, counts = keys[flip], counts[flip]
    top = int(counts.max()) + 1
    # most shared keys first; stable, so ties stay latest first (nearly sorted: fast)
    keys = keys[np.argsort(js * top + (top - 1 - counts), kind="stable")]
    sel = np.arange(m) - first < MAX_CANDIDATES
    return keys[sel] % n, js[sel]


def cluster(
    items: Iterable[tuple[IdT, str]],
    *,
    threshold: float = SAME_TOPIC_THRESHOLD,
    star: int = STAR,
    must_link: Iterable[tuple[IdT, IdT]] = (),
    cannot_link: Iterable[tuple[IdT, IdT]] = (),
    workers: int | None = None,
) -> list[Topic[IdT]]:
    """Group ``(id, text)`` items into topics; every item lands in exactly one topic.

    The intake rule (:func:`assign`) applied to the items in input order: identical
    normalised texts share a topic; a distinct text is compared with its LSH candidates among
    the earlier texts (each bucket's ``star`` latest predecessors).  ``cannot_link`` pairs of
    ids never share a topic; ``must_link`` pairs are then merged unless a cannot-link forbids
    it.  Texts empty after normalisation each form their own topic.  Topics are sorted by size
    (largest first), then by their first member's input position.  Deterministic.

    ``workers``: processes beside this one for the per-text work (normalising, MinHash band
    keys); ``None`` uses every core for :data:`PARALLEL_MIN_ITEMS` items or more, ``0`` none.
    The topics are the same either way.
    """
    items = list(items)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) >= PARALLEL_MIN_ITEMS else 0
    # Millions of small objects: the cyclic GC would rescan them again and again (~2x time).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with _process_pool(workers) as pool:
            return _cluster(
                items,
                threshold,
                star,
                list(must_link),
                list(cannot_link),
                pool,
                workers if pool is not None else 0,
            )
    finally:
        if gc_was_enabled:
            gc.enable()


@contextmanager
def _process_pool(workers: int) -> Iterator[Executor | None]:
    """Worker processes forked from this one (they inherit the loaded tables); ``None`` when
    ``workers < 1`` or the platform cannot fork: everything then runs here."""
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def _cluster(
    items: list[tuple[IdT, str]],
    threshold: float,
    star: int,
    must_link: list[tuple[IdT, IdT]],
    cannot_link: list[tuple[IdT, IdT]],
    pool: Executor | None = None,
    workers: int = 0,
) -> list[Topic[IdT]]:
    alone = {i for pair in cannot_link for i in pair}
    ids, originals, norm_of_item, norms, parts_of = _distinct_texts(items, alone, pool)
    slot_of_id = {item_id: norm_of_item[p] for p, item_id in enumerate(ids)}
    cannot = _slot_cannot_links(cannot_link, slot_of_id)
    n = len(norms)
    topic_of = list(range(n))
    # The band keys need only the normalised texts: a worker finds them meanwhile.
    band_job = pool.submit(_band_keys_of, norms, star) if pool is not None and n > 1 else None
    feats = _all_features(parts_of, pool)
    del parts_of
    if n > 1:
        band_keys = band_job.result() if band_job is not None else _band_keys_of(norms, star)
        cand_of, starts = _ranked_candidates(band_keys, _slot_key_pairs(feats, star), n)
        del band_keys
        # a worker scores ranges of slots in order while this process assigns those done and,
        # meanwhile, scores the latest ones itself: one worker fewer than cores (each copies
        # pages)
        scored = _scores_in_order(
            feats, cand_of, starts, workers=min(workers, max(1, (os.cpu_count() or 1) - 1))
        )
        _assign_in_order(norms, feats, cand_of, starts, scored, cannot, threshold, topic_of)
    if must_link:
        _apply_must_links(must_link, slot_of_id, cannot, topic_of)
    return _topics(ids, originals, norm_of_item, norms, topic_of)


def _band_keys_of(norms: list[str], star: int) -> npt.NDArray[np.int64]:
    """:func:`_band_pair_keys` of the normalised texts' MinHash signatures."""
    return _band_pair_keys(signatures(norms, normalised=True), star)


def _all_features(parts_of: list[list[tuple[str, bool]]], pool: Executor | None) -> list[Features]:
    """:func:`~.features.features_of_clauses` of each slot's clauses, in order.  With a
    ``pool``, workers run the regular expressions (:func:`~.features.clause_slots`) of all
    chunks but the first, which this process does whole while they work; it then finishes
    theirs (Features themselves are too costly to send between processes)."""
    if pool is None or len(parts_of) < 2:
        return [features_of_clauses(p) for p in parts_of]
    size = -(-len(parts_of) // 8)
    chunks = [parts_of[k : k + size] for k in range(0, len(parts_of), size)]
    jobs = [pool.submit(_clause_slots_of, chunk) for chunk in chunks[1:]]
    feats = [features_of_clauses(p) for p in chunks[0]]
    for job in jobs:
        feats.extend(features_from_slots(marked, slots) for marked, slots in job.result())
    return feats


def _clause_slots_of(
    parts_of: list[list[tuple[str, bool]]],
) -> list[tuple[list[tuple[str, bool]], list[ClauseSlots]]]:
    return [clause_slots(p) for p in parts_of]


Clauses = list[tuple[str, bool]]


def _clauses_of(texts: list[str]) -> list[tuple[Clauses, str]]:
    out: list[tuple[Clauses, str]] = []
    for text in texts:
        parts = clauses(text)
        out.append((parts, "".join(c for c, _ in parts)))
    return out


def _all_clauses(texts: list[str], pool: Executor | None) -> list[tuple[Clauses, str]]:
    """:func:`~.normalise.clauses` of each text and their :func:`~.normalise.normalise`, in
    order; in chunks over ``pool``, the first in this process meanwhile."""
    if pool is None or len(texts) < 2:
        return _clauses_of(texts)
    size = -(-len(texts) // 16)  # a few chunks per worker: they finish together
    chunks = [texts[k : k + size] for k in range(0, len(texts), size)]
    jobs = [pool.submit(_clauses_of, chunk) for chunk in chunks[1:]]
    out = _clauses_of(chunks[0])
    for job in jobs:
        out.extend(job.result())
    return out


def _distinct_texts(
    items: Iterable[tuple[IdT, str]],
    alone: set[IdT] | frozenset[IdT] = frozenset(),
    pool: Executor | None = None,
) -> tuple[list[IdT], list[str], list[int], list[str], list[list[tuple[str, bool]]]]:
    """``ids``, ``originals`` and ``norm_of_item`` per item; ``norms`` and their clauses
    (``parts_of``) per slot.  Identical normalised texts share a slot so each is scored once;
    texts empty after normalisation each get their own, and so do the ids in ``alone`` (an
    officer's cannot-link holds even between texts that normalise alike)."""
    ids: list[IdT] = []
    originals: list[str] = []
    raw_index: dict[str, int] = {}  # identical submissions are common: normalise each once
    distinct: list[str] = []
    raw_of_item: list[int] = []
    for item_id, text in items:
        ids.append(item_id)
        originals.append(text)
        if isinstance(text, str):
            k = raw_index.get(text)
            if k is None:
                k = raw_index[text] = len(distinct)
                distinct.append(text)
            raw_of_item.append(k)
        else:
            raw_of_item.append(-1)  # not text: no clauses
    del raw_index
    of_raw = _all_clauses(distinct, pool)
    del distinct
    nothing: tuple[Clauses, str] = ([], "")
    by_norm: dict[str, int] = {}
    norm_of_item: list[int] = []
    parts_of: list[list[tuple[str, bool]]] = []
    norms: list[str] = []
    for item_id, k in zip(ids, raw_of_item, strict=True):
        parts, norm = of_raw[k] if k >= 0 else nothing
        shared = bool(norm) and item_id not in alone
        slot = by_norm.get(norm) if shared else None
        if slot is None:
            slot = len(norms)
            norms.append(norm)
            parts_of.append(parts)
            if shared:
                by_norm[norm] = slot
        norm_of_item.append(slot)
    return ids, originals, norm_of_item, norms, parts_of


def _slot_cannot_links(
    cannot_link: list[tuple[IdT, IdT]], slot_of_id: Mapping[IdT, int]
) -> dict[int, set[int]]:
    """Cannot-links between items → between slots (each constrained item has a slot of its
    own, see :func:`_distinct_texts`)."""
    cannot: dict[int, set[int]] = defaultdict(set)
    for a, b in cannot_link:
        sa, sb = slot_of_id.get(a), slot_of_id.get(b)
        if sa is not None and sb is not None and sa != sb:
            cannot[sa].add(sb)
            cannot[sb].add(sa)
    return cannot


def _slot_key_pairs(feats: list[Features], star: int) -> npt.NDArray[np.int64]:
    """Pairs (i, j), i < j, sharing a slot key (entity, place, document kind): each text
    meets its ``star`` latest predecessors in every bucket, like a band bucket.  Rows as
    ``[i, j]``, in no particular order (:func:`_ranked_candidates` counts them)."""
    number_of: dict[str, int] = {}
    keys: list[int] = []
    per_slot: list[int] = []
    for feat in feats:
        mine = slot_keys(feat)
        per_slot.append(len(mine))
        keys.extend([number_of.setdefault(k, len(number_of)) for k in mine])
    if not keys:
        return np.empty((0, 2), dtype=np.int64)
    key = np.asarray(keys, dtype=np.int64)
    owner = np.repeat(np.arange(len(feats), dtype=np.int64), per_slot)
    order = np.argsort(key, kind="stable")  # each bucket in input order
    key, owner = key[order], owner[order]
    positions = np.arange(len(key))
    run_start = np.ones(len(key), dtype=bool)
    run_start[1:] = key[1:] != key[:-1]
    pos_in_run = positions - np.maximum.accumulate(np.where(run_start, positions, 0))
    rows: list[npt.NDArray[np.int64]] = [np.empty((0, 2), dtype=np.int64)]
    for d in range(1, star + 1):
        ok = np.flatnonzero(pos_in_run[d:] >= d)
        if not len(ok):  # no bucket has more than d members
            break
        rows.append(np.stack([owner[ok], owner[ok + d]], axis=1))
    return np.concatenate(rows)


VETOED: Final = -1.0
"""In :func:`_scores_in_order`: the pair is vetoed (scores are never negative)."""


_SCORE_PARTS_PER_WORKER: Final = 8
"""Ranges of slots per scoring process in :func:`_scores_in_order`: the first is assigned
while the others are scored."""


def _scores_in_order(
    feats: list[Features],
    cand_of: npt.NDArray[np.int64],
    starts: list[int],
    *,
    workers: int = 0,
) -> Iterator[tuple[int, int, npt.NDArray[np.float64]]]:
    """:func:`~.scoring.score_and_veto` of every slot with each of its candidates: ranges
    ``(j_lo, j_hi, scores)`` in order of j, ``scores`` aligned with
    ``cand_of[starts[j_lo]:starts[j_hi]]`` (the score, or :data:`VETOED`).  The pairs do not
    depend on the topics, so ``workers`` forked processes (they inherit ``feats``) score the
    ranges from the first while the caller assigns those already scored and, when the next is
    not ready, this process scores the latest range not yet started — about all the pairs
    are needed: only a topic's :data:`PER_TOPIC` best are compared.  Most pairs are vetoed
    for another year, month, facet or kind: :func:`_surely_vetoed` finds those for all pairs
    at once, and only the rest are scored one by one."""
    n = len(feats)
    sure = _surely_vetoed(feats, cand_of, starts)
    if workers < 1 or len(cand_of) < 2:
        yield 0, n, _scores_of_range(feats, cand_of, starts, 0, n, sure)
        return
    parts = (workers + 1) * _SCORE_PARTS_PER_WORKER
    bounds = [0]
    for part in range(1, parts):  # ranges with about as many pairs each
        bounds.append(bisect.bisect_left(starts, part * len(cand_of) // parts, hi=n))
    bounds.append(n)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_keep_for_workers,
        initargs=(feats, cand_of, starts, sure),
    ) as pool:
        jobs = [pool.submit(_scores_in_worker, a, b) for a, b in pairwise(bounds)]
        mine: dict[int, npt.NDArray[np.float64]] = {}
        last = len(jobs) - 1  # the latest range this process may still take back
        for k, job in enumerate(jobs):
            # while range k is being scored, this process scores the latest one not started
            while k not in mine and not job.done() and last > k:
                if jobs[last].cancel():
                    mine[last] = _scores_of_range(
                        feats, cand_of, starts, bounds[last], bounds[last + 1], sure
                    )
                last -= 1
            yield bounds[k], bounds[k + 1], mine.pop(k) if k in mine else job.result()


def _surely_vetoed(
    feats: list[Features], cand_of: npt.NDArray[np.int64], starts: list[int]
) -> npt.NDArray[np.bool_]:
    """Aligned with ``cand_of``: True where the pair is certainly vetoed, because both texts
    name a year (month, facet) and none in common — each value has a bit (value number mod
    64), so disjoint masks mean disjoint sets — or name conflicting document kinds (each
    distinct pair of kind sets judged once).  A pair not found here is scored in full.
    Pairs of equal or empty normalised texts are never marked (they score 1.0 or 0.0)."""
    n = len(feats)
    if not len(cand_of):
        return np.zeros(0, dtype=bool)
    bit_of: dict[object, int] = {}
    first_of_norm: dict[str, int] = {}
    masks: list[list[int]] = [[], [], []]
    norm_ids: list[int] = []
    kind_sets: dict[frozenset[str], int] = {}
    kind_ids: list[int] = []
    for k, f in enumerate(feats):
        norm_ids.append(first_of_norm.setdefault(f.norm, k) if f.norm else -1 - k)
        kind_ids.append(kind_sets.setdefault(f.kinds, len(kind_sets)))
        for out, values in zip(masks, (f.years, f.months, f.facets), strict=True):
            m = 0
            for v in values:
                bit = bit_of.get(v)
                if bit is None:
                    bit = bit_of[v] = 1 << (len(bit_of) % 64)
                m |= bit
            out.append(m)
    bounds = np.asarray(starts, dtype=np.int64)
    js = np.repeat(np.arange(n), bounds[1:] - bounds[:-1])
    norm_id = np.asarray(norm_ids, dtype=np.int64)
    distinct = (norm_id[js] != norm_id[cand_of]) & (norm_id[js] >= 0) & (norm_id[cand_of] >= 0)
    sure = np.zeros(len(cand_of), dtype=bool)
    for of_slot in masks:
        mask = np.asarray(of_slot, dtype=np.uint64)
        mj, mc = mask[js], mask[cand_of]
        sure |= ((mj & mc) == 0) & (mj != 0) & (mc != 0)
    sure &= distinct
    # another document kind: a few hundred distinct pairs of kind sets, each judged once
    open_pairs = np.flatnonzero(distinct & ~sure)
    kind_id = np.asarray(kind_ids, dtype=np.int64)
    kind_pair = kind_id[js[open_pairs]] * len(kind_sets) + kind_id[cand_of[open_pairs]]
    unique, which = np.unique(kind_pair, return_inverse=True)
    sets = list(kind_sets)
    conflict = np.array(
        [_kind_conflict(sets[u // len(sets)], sets[u % len(sets)]) for u in unique.tolist()],
        dtype=bool,
    )
    sure[open_pairs] = conflict[which.reshape(-1)] if len(unique) else False
    return sure


_IN_WORKER: list[Any] = []
"""What a forked scoring worker was handed (:func:`_keep_for_workers`): inherited, not copied."""


def _keep_for_workers(*state: Any) -> None:
    _IN_WORKER[:] = state


def _scores_in_worker(j_lo: int, j_hi: int) -> npt.NDArray[np.float64]:
    feats, cand_of, starts, sure = _IN_WORKER
    return _scores_of_range(feats, cand_of, starts, j_lo, j_hi, sure)


def _scores_of_range(
    feats: list[Features],
    cand_of: npt.NDArray[np.int64],
    starts: list[int],
    j_lo: int,
    j_hi: int,
    sure: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.float64]:
    """:func:`_scores_in_order` of the slots ``j_lo <= j < j_hi``; ``sure`` marks the pairs
    known to be vetoed (:func:`_surely_vetoed`).  :func:`~.scoring.score_and_veto` inlined:
    its cosine summed in the same order, so the scores are the same floats."""
    out: list[float] = []
    head_weighted = bool(scoring.HEAD_WEIGHT)  # off (0.0): the plain cosine inline
    base, end = starts[j_lo], starts[j_hi]
    vetoed = sure[base:end].tolist() if sure is not None else [False] * (end - base)
    cands = cand_of[base:end].tolist()  # one conversion, then list slices
    for j in range(j_lo, j_hi):
        lo, hi = starts[j] - base, starts[j + 1] - base
        if lo == hi:
            continue
        fj = feats[j]
        norm = fj.norm
        content_j = fj.content
        size_j = len(content_j)
        norm_j = fj.content_norm
        slots_j = fj.slots_key
        for c, surely in zip(cands[lo:hi], vetoed[lo:hi], strict=True):
            if surely:
                out.append(VETOED)
                continue
            fc = feats[c]
            if head_weighted or not norm or not fc.norm or fc.norm == norm:
                s, reason = score_and_veto(fj, fc)
                out.append(VETOED if reason is not None else s)
            elif fc.slots_key != slots_j and veto(fj, fc) is not None:
                out.append(VETOED)
            else:
                a, b = content_j, fc.content
                if len(b) < size_j:
                    a, b = b, a
                dot = sum([w * b[g] for g, w in a.items() if g in b])
                out.append(round(dot / (norm_j * fc.content_norm) if dot else 0.0, 12))
    return np.array(out, dtype=np.float64)


def _assign_in_order(
    norms: list[str],
    feats: list[Features],
    cand_of: npt.NDArray[np.int64],
    starts: list[int],
    scored_ranges: Iterable[tuple[int, int, npt.NDArray[np.float64]]],
    cannot: Mapping[int, set[int]],
    threshold: float,
    topic_of: list[int],
) -> None:
    """The intake rule (:func:`assign`) for each slot in input order; updates ``topic_of``.

    :func:`assign` inlined for the batch (millions of candidate pairs), with the pairs' scores
    from :func:`_scores_in_order` (ranges of slots, in order): the same candidates in the
    same order, the same scores and the same choice (``tests/unit/test_grouping_quality.py``
    holds it to :func:`assign`)."""
    profiles: dict[int, Features] = {}
    for j_lo, j_hi, scores in scored_ranges:
        _assign_range(
            norms, feats, cand_of, starts, j_lo, j_hi, scores, cannot, threshold, topic_of, profiles
        )


def _assign_range(
    norms: list[str],
    feats: list[Features],
    cand_of: npt.NDArray[np.int64],
    starts: list[int],
    j_lo: int,
    j_hi: int,
    scores: npt.NDArray[np.float64],
    cannot: Mapping[int, set[int]],
    threshold: float,
    topic_of: list[int],
    profiles: dict[int, Features],
) -> None:
    """:func:`_assign_in_order` of the slots ``j_lo <= j < j_hi`` (``scores``: their pairs');
    updates ``topic_of`` and the topics' merged slots ``profiles``."""
    base = starts[j_lo]
    cands = cand_of[base : starts[j_hi]].tolist()  # list slices, not array slices
    pair_scores = scores.tolist()
    for j in range(j_lo, j_hi):
        if not norms[j]:
            continue
        lo, hi = starts[j] - base, starts[j + 1] - base
        fj = feats[j]
        if lo == hi:
            profiles[j] = fj
            continue
        forbidden = {topic_of[c] for c in cannot[j] if c < j} if j in cannot else set()
        vetoed: set[int] = set()
        seen: dict[int, int] = {}
        scored: list[tuple[float, int, int]] = []
        pairs = zip(cands[lo:hi], pair_scores[lo:hi], strict=True)
        for k, (c, s) in enumerate(pairs):
            topic = topic_of[c]
            if topic in vetoed or topic in forbidden:
                continue
            times = seen.get(topic, 0)
            if times >= PER_TOPIC:
                continue
            seen[topic] = times + 1
            if s == VETOED:
                vetoed.add(topic)
            else:
                scored.append((s, k, topic))
        scored.sort(key=_best_first)
        chosen = _first_allowed(fj, scored, vetoed, profiles, threshold)
        if chosen is None:
            profiles[j] = fj
        else:
            topic_of[j] = chosen
            profiles[chosen] = merge_slots(profiles[chosen], fj)


def _first_allowed(
    fj: Features,
    scored: list[tuple[float, int, int]],
    vetoed: set[int],
    profiles: Mapping[int, Features],
    threshold: float,
) -> int | None:
    """The end of :func:`assign`: the best-scoring topic at or above ``threshold`` whose merged
    slots do not veto the text (updates ``vetoed``)."""
    for s, _, topic in scored:
        if s < threshold:
            break
        if topic in vetoed:
            continue
        profile = profiles.get(topic)
        if profile is not None and veto(fj, profile, mentions=False):
            vetoed.add(topic)
            continue
        return topic
    return None


def _best_first(entry: tuple[float, int, int]) -> tuple[float, int]:
    return -entry[0], entry[1]


def _apply_must_links(
    must_link: list[tuple[IdT, IdT]],
    slot_of_id: Mapping[IdT, int],
    cannot: Mapping[int, set[int]],
    topic_of: list[int],
) -> None:
    """Merge the two topics of each must-link pair unless a cannot-link runs between them;
    updates ``topic_of``."""
    for a, b in must_link:
        sa, sb = slot_of_id.get(a), slot_of_id.get(b)
        if sa is None or sb is None:
            continue
        ta, tb = topic_of[sa], topic_of[sb]
        if ta != tb and not _cannot_link_between(ta, tb, cannot, topic_of):
            _merge_topics(min(ta, tb), max(ta, tb), topic_of)


def _cannot_link_between(
    ta: int, tb: int, cannot: Mapping[int, set[int]], topic_of: list[int]
) -> bool:
    n = len(topic_of)
    in_a = [s for s in range(n) if topic_of[s] == ta]
    in_b = {s for s in range(n) if topic_of[s] == tb}
    return any(c in in_b for s in in_a for c in cannot.get(s, ()))


def _merge_topics(keep: int, drop: int, topic_of: list[int]) -> None:
    for s, t in enumerate(topic_of):
        if t == drop:
            topic_of[s] = keep


def _topics(
    ids: list[IdT],
    originals: list[str],
    norm_of_item: list[int],
    norms: list[str],
    topic_of: list[int],
) -> list[Topic[IdT]]:
    """The topics by size (largest first), then by their first member's input position."""
    if not norm_of_item:
        return []
    # each topic's member positions, in input order: one stable sort by topic
    topic_at = np.asarray(topic_of, dtype=np.int64)[np.asarray(norm_of_item, dtype=np.int64)]
    order = np.argsort(topic_at, kind="stable")
    ranked = topic_at[order]
    bounds = [0, *(np.flatnonzero(ranked[1:] != ranked[:-1]) + 1).tolist(), len(order)]
    in_topic_order = order.tolist()
    topics: list[tuple[int, Topic[IdT]]] = []
    for lo, hi in pairwise(bounds):
        positions = in_topic_order[lo:hi]
        if len(positions) == 1:  # most topics: the one member represents it
            topics.append((positions[0], Topic(originals[positions[0]], (ids[positions[0]],))))
            continue
        freq = Counter(norm_of_item[p] for p in positions)
        rep_slot = min(freq, key=lambda s: (-freq[s], len(norms[s]), s))
        rep_pos = next(p for p in positions if norm_of_item[p] == rep_slot)
        topic = Topic(originals[rep_pos], tuple(ids[p] for p in positions))
        topics.append((positions[0], topic))
    topics.sort(key=lambda t: (-t[1].size, t[0]))
    return [t for _, t in topics]
