"""An experiment for ``bench/first_scores.py``: a lexicon-free substitution veto (not used).

Two requests that share a subject but ask for other information often read as one phrase with
one span swapped (储备粮 / 储备油 轮换计划, 锦华广场 / 锦华大厦 火灾调查报告), while a paraphrase
often only adds words (补偿方案 / 补偿安置方案全文).  The request clauses' content (what
:func:`~requests_service.domain.similarity.features.clause_slots` leaves once places, dates and
numbers are cut out) of the two texts is aligned (``difflib``) and a pair is *substituted*
when the alignment has a span where each text has content the other lacks.  ``args`` chooses:

* ``"rule": "rare"`` (the default): some such span, followed by at least ``right`` shared
  characters, holds at least ``rare`` characters on each side that no common bigram covers
  (a bigram used by three or more own agencies, ``gram_weights.json``), the two sides share no
  character and are not a homophone slip;
* ``"rule": "structural"``: the texts differ only by swapped spans, no one-sided addition,
  and the largest swap has at least ``swap`` characters on each side.

``"mode": "topic"`` (the default) vetoes the pair like a disagreeing slot (its topic is not
joined); ``"mode": "pair"`` only scores the pair 0.  Measured with the code each fresh set
first met (README, "tried and not used"): no variant raised the first scores of both
validation sets, and each cost recall on the sets the current rules are tuned on.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

Regions = list[tuple[int, int, int, int]]


def _regions(a: str, b: str, glue: int = 0) -> Regions:
    """Spans of ``a`` and ``b`` that the alignment does not match, joined across matched runs
    of at most ``glue`` characters."""
    out: Regions = []
    cur: list[int] | None = None
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            if cur is not None and i2 - i1 <= glue and k < len(ops) - 1:
                cur[1], cur[3] = i2, j2
                continue
            if cur is not None:
                out.append((cur[0], cur[1], cur[2], cur[3]))
                cur = None
            continue
        if cur is None:
            cur = [i1, i2, j1, j2]
        else:
            cur[1], cur[3] = i2, j2
    if cur is not None:
        out.append((cur[0], cur[1], cur[2], cur[3]))
    return out


def _rare_chars(s: str, df: dict[str, int]) -> int:
    """Characters of ``s`` that no bigram used by three or more own agencies covers."""
    covered = [False] * len(s)
    for i in range(len(s) - 1):
        if df.get(s[i : i + 2], 0) >= 3:
            covered[i] = covered[i + 1] = True
    return covered.count(False)


def rare_substitution(
    a: str,
    b: str,
    df: dict[str, int],
    same: Callable[[str, str], bool],
    *,
    right: int = 2,
    rare: int = 2,
    glue: int = 0,
) -> bool:
    for i1, i2, j1, j2 in _regions(a, b, glue):
        x, y = a[i1:i2], b[j1:j2]
        if not x or not y or len(a) - i2 < right or len(b) - j2 < right:
            continue
        if set(x) & set(y) or (len(x) == len(y) and same(x, y)):
            continue
        if min(_rare_chars(x, df), _rare_chars(y, df)) >= rare:
            return True
    return False


def structural_substitution(a: str, b: str, *, swap: int = 3) -> bool:
    regions = _regions(a, b)
    swaps = [r for r in regions if r[1] > r[0] and r[3] > r[2]]
    if not swaps or len(swaps) < len(regions):
        return False
    return max(min(i2 - i1, j2 - j1) for i1, i2, j1, j2 in swaps) >= swap


def _same(x: str, y: str) -> bool:
    """A homophone slip (越/樾), as the scoring reads names."""
    from requests_service.domain.similarity import scoring

    try:
        return bool(scoring._same_name(x, y))
    except IndexError:  # a character pypinyin cannot read
        return False


def _rule(args: dict[str, Any], df: dict[str, int]) -> Callable[[str, str], bool]:
    if args.get("rule", "rare") == "structural":
        swap = int(args.get("swap", 3))
        return lambda a, b: structural_substitution(a, b, swap=swap)
    right, rare, glue = (int(args.get(k, d)) for k, d in (("right", 2), ("rare", 2), ("glue", 0)))
    return lambda a, b: rare_substitution(a, b, df, _same, right=right, rare=rare, glue=glue)


def install(args: dict[str, Any]) -> None:
    """Patch the similarity package of the code on ``sys.path`` (any version since fresh9)."""
    from requests_service.domain.similarity import features as ft

    substituted = _rule(args, dict(ft.GRAM_DF))
    veto_topic = args.get("mode", "topic") == "topic"

    def rule(fa: Any, fb: Any, a: str, b: str, s: float) -> tuple[float, str | None]:
        if substituted(a, b):
            return 0.0, "substitution" if veto_topic else None
        return s, None

    install_pair_rule(rule)


PairRule = Callable[[Any, Any, str, str, float], tuple[float, str | None]]


def install_pair_rule(rule: PairRule) -> None:
    """Put ``rule`` behind the service's own score and vetoes, in intake and in ``cluster``:
    it judges a pair the service would not veto, of distinct texts whose request clauses
    (story clauses left out) are both non-empty, given their features, those clauses and the
    service's score; it answers the score and a veto reason (``None``: no veto)."""
    import numpy as np

    from requests_service.domain.similarity import clustering, scoring
    from requests_service.domain.similarity import features as ft

    request_of: dict[str, str] = {}
    features_of_clauses = clustering.features_of_clauses
    score_and_veto = scoring.score_and_veto

    def recording(parts: Any, **kw: Any) -> Any:
        parts = list(parts)
        f = features_of_clauses(parts, **kw)
        marked, slots_of = ft.clause_slots(parts)
        request_of[f.norm] = "".join(
            s[0] for (_, story), s in zip(marked, slots_of, strict=True) if not story
        )
        return f

    def patched(fa: Any, fb: Any, idf: Any = None) -> tuple[float, str | None]:
        s, reason = score_and_veto(fa, fb, idf)
        a, b = request_of.get(fa.norm, fa.norm), request_of.get(fb.norm, fb.norm)
        if reason is not None or fa.norm == fb.norm or not a or not b:
            return s, reason
        return rule(fa, fb, a, b, s)

    def scores_of_range(
        feats: Any, cand_of: Any, starts: Any, lo: int, hi: int, sure: Any = None
    ) -> Any:
        # ``sure`` (pairs vetoed for another year, month or facet) is not needed: all scored
        out = []
        for j in range(lo, hi):
            for c in cand_of[starts[j] : starts[j + 1]].tolist():
                s, reason = patched(feats[j], feats[c])
                out.append(clustering.VETOED if reason is not None else s)
        return np.array(out, dtype=np.float64)

    clustering.features_of_clauses = recording
    scoring.score_and_veto = patched
    clustering.score_and_veto = patched
    clustering._scores_of_range = scores_of_range
