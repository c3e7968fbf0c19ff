"""Score two requests: identifying slots must agree (else 0), then weighted content overlap.

A pair is **vetoed** (score 0) when both texts name, for one slot, different values and no
common one: another document kind (征收补偿方案 vs 征收决定; 环评报告 vs 环评批复), another
facet of one subject (改造名单 vs 改造资金分配表; 岗位计划 vs 选岗结果), year,
month, ordinal (第二批 vs 第三批, 一季度 vs 二季度), level (小学 vs 初中), administrative place or
named entity of one kind (宏达 vs 宏远化工有限公司), or another object (电动自行车 vs 其头盔, 储备粮
vs 储备油).  Otherwise the score is the cosine of the
two texts' weighted content grams (character unigrams and bigrams; story clauses weigh
:data:`~.features.STORY_WEIGHT`).  :func:`explain` lists what two texts share, for officers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Final

from requests_service.domain.similarity.features import (
    CALL_NOTICE,
    STORY_MARK,
    Features,
    features_of,
)

SAME_TOPIC_THRESHOLD: Final = 0.30
"""Two requests are about the same information when :func:`similarity` reaches this.
Chosen on ``tests/data/grouping_own.jsonl`` only (``bench/eval_grouping.py --tune``)."""

HEAD_WEIGHT: float = 0.0
"""Share of the score that depends on the two requests' heads agreeing (0: plain cosine).
Measured on the own set: any weight above 0 costs recall there (0.934 → 0.825 at 0.3), so
it is off; ``tests/data/request_texts.json`` would gain precision (0.69 → 0.80)."""

VETO_LABELS: Final[Mapping[str, str]] = {
    "kind": "文件种类不同",
    "facet": "所要信息不同（名单、资金、计划、标准、数据、岗位、备案之别）",
    "year": "年份不同",
    "month": "月份不同",
    "serial": "批次、期次或序号不同",
    "level": "层级或类别不同",
    "place": "地域不同",
    "entity": "具体对象（单位、道路、村居等）不同",
    "object": "所涉对象不同（如车辆与头盔、医院与药店、律所与律师）",
}


@lru_cache(maxsize=65536)
def _readings(ch: str) -> frozenset[str]:
    from pypinyin import Style, pinyin  # deferred: its dictionary loads in ~0.2 s

    # A character pypinyin cannot read (a Latin letter, a digit) yields no reading at all: it
    # then reads only as itself.
    found = pinyin(ch, style=Style.TONE3, heteronym=True, errors="ignore")
    return frozenset(found[0] if found and found[0] else [ch])


def _same_name(a: str, b: str) -> bool:
    """Equal, or equal but for characters read alike with the same tone (越/樾, 津/金): a
    typing slip of a pinyin input method, not another entity."""
    if a == b:
        return True
    if len(a) != len(b):
        return False
    return all(
        x == y or not _readings(x).isdisjoint(_readings(y)) for x, y in zip(a, b, strict=True)
    )


# A circular (通报) is how results are published: 飞检结果通报 and 检查发现问题及处理结果 ask for
# the same information; 通报 and 批复 do not.
_PUBLISHED_BY_CIRCULAR: Final = frozenset({"处理", "考核", "监测"})


# Announcements and circulars are published one for another (申诉情况通告 / 申诉通报, 欠税公告 /
# 欠税通告): the same information whichever of these an applicant names.
_ANNOUNCEMENTS: Final = frozenset({"公告", "通告", "通报"})


# A call for applications (申报通知) and the application guide (申报指南) are one document
# under two names; a 通知 that calls for nothing is not a guide.
_CALL_AND_GUIDE: Final = frozenset({CALL_NOTICE, "指南"})


def _kind_compatible(a: str, b: str) -> bool:
    if a == b or a.startswith(b + "/") or b.startswith(a + "/"):
        return True
    if a in _ANNOUNCEMENTS and b in _ANNOUNCEMENTS:
        return True
    if {a, b} == _CALL_AND_GUIDE:
        return True
    return (a == "通报" and b in _PUBLISHED_BY_CIRCULAR) or (
        b == "通报" and a in _PUBLISHED_BY_CIRCULAR
    )


def _most_specific(kinds: frozenset[str]) -> frozenset[str]:
    """A text naming 预算 and 一般公共预算 asks about the latter: the general kind says less."""
    if len(kinds) < 2:
        return kinds
    return frozenset(k for k in kinds if not any(o.startswith(k + "/") for o in kinds))


def _kind_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b or a == b:
        return False
    a, b = _most_specific(a), _most_specific(b)
    if len(a) == 1 and len(b) == 1:
        (x,), (y,) = a, b
        return not _kind_compatible(x, y)
    if not any(_kind_compatible(x, y) for x in a for y in b):
        return True
    bases = {k.split("/")[0] for k in a} & {k.split("/")[0] for k in b}
    for base in bases:
        xs = [k for k in a if k.split("/")[0] == base]
        ys = [k for k in b if k.split("/")[0] == base]
        if not any(_kind_compatible(x, y) for x in xs for y in ys):
            return True
    return False


def _disjoint(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and a.isdisjoint(b)


def _unmarked(pairs: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """``(key, value)`` pairs with the story's mark taken off their keys (the same set when
    none is marked, the common case)."""
    if not any(k[:1] == STORY_MARK for k, _ in pairs):
        return pairs
    return frozenset((k.removeprefix(STORY_MARK), v) for k, v in pairs)


def _asked(pairs: frozenset[tuple[str, str]], key: str) -> bool:
    """Some value of ``key`` is named in a request clause, not only in the story."""
    return any(k == key for k, _ in pairs)


def _keyed_conflict(
    a: frozenset[tuple[str, str]],
    b: frozenset[tuple[str, str]],
    same: Callable[[str, str], bool] = str.__eq__,
) -> bool:
    """For some key present in both, no value of one matches a value of the other (and one
    of them names it in its request, not only in its story)."""
    if not a or not b:
        return False
    ua, ub = _unmarked(a), _unmarked(b)
    keys = {k for k, _ in ua} & {k for k, _ in ub}
    for key in keys:
        xs = [v for k, v in ua if k == key]
        ys = [v for k, v in ub if k == key]
        if not any(same(x, y) for x in xs for y in ys) and (_asked(a, key) or _asked(b, key)):
            return True
    return False


# Registered names — a company's (企业名称登记) or a medical institution's (执业登记) — are
# copied, not recalled: 宏盛 and 宏晟 电子 are two firms, while 越澜府 for 樾澜府 is a slip.
_REGISTERED_NAMES: Final = frozenset({"company", "hospital"})


def _covers(xs: list[str], ys: list[str], same: Callable[[str, str], bool] = _same_name) -> bool:
    return all(any(same(x, y) for y in ys) for x in xs)


def _entity_conflict(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """For a kind both name, neither's names are all among the other's (homophone slips
    allowed, except in registered names — companies, hospitals): {学府路, 长江路} vs
    {学府路, 黄河路} conflict; {学府路} vs {学府路, 长江路} agree."""
    ua, ub = _unmarked(a), _unmarked(b)
    keys = {k for k, _ in ua} & {k for k, _ in ub}
    for key in keys:
        xs = [v for k, v in ua if k == key]
        ys = [v for k, v in ub if k == key]
        same = str.__eq__ if key in _REGISTERED_NAMES else _same_name
        if (
            not _covers(xs, ys, same)
            and not _covers(ys, xs, same)
            and (_asked(a, key) or _asked(b, key))
        ):
            return True
    return False


def _object_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Disjoint objects disagree unless one side's are told only in its story and match the
    other's, or both sides' are only told in stories (two applicants' own circumstances)."""
    if not any(o[:1] == STORY_MARK for o in a) and not any(o[:1] == STORY_MARK for o in b):
        return True
    ua = {o.removeprefix(STORY_MARK) for o in a}
    ub = {o.removeprefix(STORY_MARK) for o in b}
    asked = any(o[:1] != STORY_MARK for o in a) or any(o[:1] != STORY_MARK for o in b)
    return asked and ua.isdisjoint(ub)


def _place_conflict(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both name places and neither's places include the other's: {杭州市} and {余杭区}
    conflict (a city-wide and a district request), {杭州市, 余杭区} and {余杭区} agree."""
    return bool(a) and bool(b) and not (a <= b or b <= a)


def _place_conflict_unmentioned(fa: Features, fb: Features) -> bool:
    """The place conflict still stands once places the other text mentions by name (江州 in
    "江州东湖区…", 东湖 in "东湖公安…") are set aside on both sides."""
    na, nb = fa.norm, fb.norm
    if not any(p[0] in nb for p in fa.places) and not any(p[0] in na for p in fb.places):
        return True  # the common case: nothing mentioned, the conflict stands
    a = frozenset(p for p in fa.places if p[0] not in nb) if nb else fa.places
    b = frozenset(p for p in fb.places if p[0] not in na) if na else fb.places
    return _place_conflict(a, b)


def veto(fa: Features, fb: Features, *, mentions: bool = True) -> str | None:
    """The slot on which two texts disagree (a key of :data:`VETO_LABELS`), or None.

    With ``mentions`` a place of one text that the other text mentions by name (东湖区 /
    东湖公安) is not a disagreement; a topic's stored slots have no text, so they are compared
    without it."""
    if fa.slots_key == fb.slots_key:
        return None  # the same slot values: nothing can disagree
    # Inline checks, cheapest first (this runs for every candidate pair).
    a, b = fa.kinds, fb.kinds
    if a and b and a != b and _kind_conflict(a, b):
        return "kind"
    a, b = fa.facets, fb.facets
    if a and b and a.isdisjoint(b):
        return "facet"
    a, b = fa.years, fb.years
    if a and b and a.isdisjoint(b):
        return "year"
    a, b = fa.months, fb.months
    if a and b and a.isdisjoint(b):
        return "month"
    if fa.serials and fb.serials and _keyed_conflict(fa.serials, fb.serials):
        return "serial"
    if fa.levels and fb.levels and _keyed_conflict(fa.levels, fb.levels):
        return "level"
    if _place_conflict(fa.places, fb.places) and (
        not mentions or _place_conflict_unmentioned(fa, fb)
    ):
        return "place"
    if (fa.entities or fa.objects) and (fb.entities or fb.objects):
        return _what_conflict(fa, fb)
    return None


def _what_conflict(fa: Features, fb: Features) -> str | None:
    """The last vetoes: another named thing of one kind, or another object."""
    if fa.entities and fb.entities and _entity_conflict(fa.entities, fb.entities):
        return "entity"
    a, b = fa.objects, fb.objects
    if a and b and a.isdisjoint(b) and _object_conflict(a, b):
        return "object"
    return None


def _cosine(
    a: Mapping[str, float], b: Mapping[str, float], idf: Mapping[str, float] | None
) -> float:
    if len(b) < len(a):
        a, b = b, a
    if idf is None:
        dot = sum(w * b[g] for g, w in a.items() if g in b)
        na = math.sqrt(sum(w * w for w in a.values()))
        nb = math.sqrt(sum(w * w for w in b.values()))
    else:
        get = idf.get
        dot = sum(w * b[g] * get(g, 1.0) ** 2 for g, w in a.items() if g in b)
        na = math.sqrt(sum((w * get(g, 1.0)) ** 2 for g, w in a.items()))
        nb = math.sqrt(sum((w * get(g, 1.0)) ** 2 for g, w in b.items()))
    return dot / (na * nb) if na and nb else 0.0


def score(fa: Features, fb: Features, idf: Mapping[str, float] | None = None) -> float:
    """:func:`similarity` of two texts' features."""
    return score_and_veto(fa, fb, idf)[0]


def score_and_veto(
    fa: Features, fb: Features, idf: Mapping[str, float] | None = None
) -> tuple[float, str | None]:
    """:func:`score` and the vetoing slot (None when not vetoed)."""
    if not fa.norm or not fb.norm:
        return 0.0, None
    if fa.norm == fb.norm:
        return 1.0, None
    reason = veto(fa, fb)
    if reason is not None:
        return 0.0, reason
    if idf is None:
        content_a, content_b = fa.content, fb.content
        if len(content_b) < len(content_a):
            content_a, content_b = content_b, content_a
        dot = sum(w * content_b[g] for g, w in content_a.items() if g in content_b)
        cos = dot / (fa.content_norm * fb.content_norm) if dot else 0.0
    else:
        cos = _cosine(fa.content, fb.content, idf)
    cos = round(cos, 12)  # equal texts in another order score exactly 1
    if HEAD_WEIGHT and fa.head and fb.head:
        overlap = len(fa.head & fb.head) / min(len(fa.head), len(fb.head))
        cos *= 1.0 - HEAD_WEIGHT + HEAD_WEIGHT * overlap
    return cos, None


def similarity(a: str, b: str) -> float:
    """Score in [0, 1] of two request texts; 1 for equal normalised texts, 0 when vetoed or
    when either text is empty after normalisation (see the module docstring)."""
    return score(features_of(a), features_of(b))


def is_same_topic(a: str, b: str) -> bool:
    """True when ``similarity(a, b) >= SAME_TOPIC_THRESHOLD``."""
    return similarity(a, b) >= SAME_TOPIC_THRESHOLD


_PLACE_SUFFIX: Final[Mapping[str, str]] = {
    "province": "省",
    "city": "市",
    "county": "区",
    "township": "镇",
    "village": "村",
}


EXPLAIN_CHARS: Final = 160


def _common_runs(a: str, b: str, min_len: int = 2) -> list[str]:
    """Maximal common substrings of ``a`` and ``b`` (≥ ``min_len``), longest first, no run
    inside another."""
    runs: set[str] = set()
    n, m = len(a), len(b)
    prev = [0] * (m + 1)
    for i in range(1, n + 1):
        cur = [0] * (m + 1)
        for j in range(1, m + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1] + 1
        for j in range(1, m + 1):
            length = cur[j]
            if length >= min_len and (i == n or j == m or a[i] != b[j]):
                runs.add(a[i - length : i])
        prev = cur
    ordered = sorted(runs, key=lambda r: (-len(r), a.find(r)))
    kept: list[str] = []
    for r in ordered:
        if not any(r in k for k in kept):
            kept.append(r)
    return kept


def shared_elements(fa: Features, fb: Features, *, limit: int = 6) -> list[str]:
    """What two texts share that identifies the information, for the officer:
    places, named things, common wording, year and ordinals ("滨河片区 · 征收补偿方案 · 2025年")."""
    out: list[str] = []
    for name, level in sorted(fa.places & fb.places):
        out.append(name + _PLACE_SUFFIX.get(level, ""))
    # Quadratic in the lengths: the first EXPLAIN_CHARS characters are enough to name it.
    for run in _common_runs(fa.norm[:EXPLAIN_CHARS], fb.norm[:EXPLAIN_CHARS])[:4]:
        if len(run) >= 2 and not run.isdigit() and not any(run in o for o in out):
            out.append(run if len(run) <= 24 else run[:24] + "…")
    for y in sorted(fa.years & fb.years):
        if not any(y in o for o in out):
            out.append(f"{y}年")
    for unit, n in sorted(_unmarked(fa.serials) & _unmarked(fb.serials)):
        label = f"第{n}{unit[1:]}" if unit.startswith("第") else f"第{n}{unit}"
        if not any(label in o for o in out):
            out.append(label)
    for _, level in sorted(fa.levels & fb.levels):
        if not any(level in o for o in out):
            out.append(level)
    return out[:limit]


def explain(a: str, b: str) -> str:
    """One line in Chinese: why ``a`` joined ``b``'s topic, or which slot kept them apart."""
    fa, fb = features_of(a), features_of(b)
    reason = veto(fa, fb)
    if reason is not None and fa.norm != fb.norm:
        return f"不属同一信息：{VETO_LABELS[reason]}"
    elements = shared_elements(fa, fb)
    return "共同要素：" + (" · ".join(elements) if elements else "（无）")


def document_frequencies(feats: Iterable[Features]) -> tuple[int, dict[str, int]]:
    """Number of texts and, per content gram, in how many of them it occurs."""
    n = 0
    df: dict[str, int] = {}
    for f in feats:
        n += 1
        for g in f.content:
            df[g] = df.get(g, 0) + 1
    return n, df


def idf_weights(n: int, df: Mapping[str, int]) -> dict[str, float]:
    """Smoothed inverse document frequency ``ln((1 + n) / (1 + df)) + 1`` per gram."""
    return {g: math.log((1 + n) / (1 + d)) + 1.0 for g, d in df.items()}
