"""Similar-request detection: normalise, score and cluster short Chinese request texts.

Several applicants asking one agency for the same information may make it a candidate for
proactive disclosure (《中华人民共和国政府信息公开条例》第四十四条); one applicant filing
clearly excessive numbers of applications may be asked for reasons (第三十五条).  This module
is the pure part of both: it never touches the database.

Pipeline:

1. :func:`normalise` — NFKC (full/half width), lower case, punctuation/emoji/whitespace removed,
   request boilerplate removed (:data:`BOILERPLATE`), Chinese numerals that are numbers turned
   into Arabic digits, a small thesaurus of synonyms (:data:`SYNONYMS`) applied.
2. :func:`shingles` — character bigrams of the normalised text: the MinHash input.  A jieba
   word tokeniser is available (``tokenizer="jieba"``); on the labelled set in
   ``tests/data/request_texts.json`` characters beat jieba words in precision and recall and
   are several times faster (``tests/unit/test_similarity.py`` prints the comparison).
3. :func:`signature` — MinHash over the shingles with a fixed seed; :func:`band_keys` cuts it
   into :data:`BANDS` bands of :data:`ROWS` rows.  Keys are strings like ``"07:3fa1…"``, stable
   across processes and machines (no Python ``hash()``), so the service stores one row per
   (application, band key) in an indexed table and every process shares the index.
4. :func:`similarity` — context must agree (years, months, numbered lines/buildings and
   administrative places such as 朝阳区), then the Jaccard index of the characters and
   character bigrams of what remains; :func:`is_same_topic` compares it with
   :data:`SAME_TOPIC_THRESHOLD`.
5. :func:`cluster` — batch grouping (LSH candidates → exact check → union-find);
   :func:`candidates_for` and :func:`best_match` — incremental assignment at intake: compute
   the band keys, fetch the ids stored under them, re-rank with :func:`best_match`, join the
   best topic at or above the threshold or start a new one.

Known limit: a place named without its suffix ("郑州地铁" rather than "郑州市地铁") is not
recognised as a place, so it cannot veto; such a request may join the same subject's topic
of another place.

Then :func:`surge` (a topic's daily volume jumps, Art. 44 prompt) and :func:`excessive`
(an applicant's volume over 30/365 days, Art. 35 prompt).  Both only *flag*: the officer decides.
"""

from __future__ import annotations

import gc
import math
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise
from random import Random
from typing import Final, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from requests_service.domain.errors import RuleViolation

__all__ = [
    "BANDS",
    "BOILERPLATE",
    "DEFAULT_TOKENIZER",
    "EXCESSIVE_PER_30_DAYS",
    "EXCESSIVE_PER_365_DAYS",
    "MAX_TEXT_CHARS",
    "NUM_PERM",
    "ROWS",
    "SAME_TOPIC_THRESHOLD",
    "SEED",
    "SEED_LINK_THRESHOLD",
    "SHINGLE_K",
    "SYNONYMS",
    "ExcessiveResult",
    "SurgeResult",
    "Tokenizer",
    "Topic",
    "band_keys",
    "best_match",
    "candidates_for",
    "cluster",
    "excessive",
    "is_same_topic",
    "normalise",
    "shingles",
    "signature",
    "signatures",
    "similarity",
    "surge",
]

IdT = TypeVar("IdT", bound=Hashable)
Tokenizer = Literal["char", "jieba"]
U64 = npt.NDArray[np.uint64]

# --- constants ---------------------------------------------------------------------------

MAX_TEXT_CHARS: Final = 2000
"""Normalised texts are cut to this many characters; raw input to four times as many first."""

SHINGLE_K: Final = 2
"""Character n-gram size.  Bigrams beat 3-grams and jieba words on the labelled set."""

DEFAULT_TOKENIZER: Final[Tokenizer] = "char"

NUM_PERM: Final = 128
BANDS: Final = 42
ROWS: Final = 3
"""42 bands × 3 rows (126 of the 128 MinHash values): a pair with Jaccard s shares at least one
band key with probability 1 − (1 − s³)⁴²: 0.996 at s = 0.5, 0.93 at 0.4, 0.68 at 0.3,
0.29 at 0.2."""

SEED: Final = 20_190_515  # the revised Regulations' entry into force; any fixed value will do

SAME_TOPIC_THRESHOLD: Final = 0.5
"""Two requests are about the same information when :func:`similarity` reaches this."""

SEED_LINK_THRESHOLD: Final = 0.4
""":func:`cluster` joins two topics through a same-topic pair only when their seeds (earliest
members) also score at least this — it stops A~B~C chains from gluing different topics."""

BOILERPLATE: Final[tuple[str, ...]] = (
    "政府信息公开申请表",
    "政府信息公开申请",
    "的信息公开申请",
    "信息公开申请",
    "公开申请",
    "依申请公开",
    "申请公开",
    "请求公开",
    "要求公开",
    "请予公开",
    "予以公开",
    "依法公开",
    "请依法公开",
    "本人申请公开",
    "请公开",
    "公开一下",
    "我想了解",
    "我想知道",
    "想了解",
    "想知道",
    "希望了解",
    "希望公开",
    "请求提供",
    "要求提供",
    "申请提供",
    "请提供",
    "请告知",
    "请贵单位",
    "贵单位",
    "贵机关",
    "贵局",
    "本人申请",
    "申请人",
    "关于",
    "的相关信息",
    "的相关文件",
    "的相关资料",
    "相关信息",
    "相关文件",
    "相关资料",
    "及相关材料",
    "及相关",
    "政府信息",
    "的信息",
    "有关",
    "全文",
    "文件",
    "材料",
    "资料",
    "情况",
    "明细",
    "具体",
    "内容",
    "纸质版",
    "电子版",
    "复印件",
    "公开",
    "谢谢",
    "您好",
    "你好",
    "的",
)
"""Phrases that say *how* something is asked, not *what*; removed after punctuation is
stripped (longest match first).  ``的`` and generic nouns (文件, 材料, 情况, 明细 …) go too:
they do not tell one request's information from another's."""

SYNONYMS: Final[Mapping[str, str]] = {
    "年度": "年",
    "房屋拆迁": "征收",
    "房屋征收": "征收",
    "拆迁": "征收",
    "动迁": "征收",
    "征地": "土地征收",
    "违章建筑": "违法建筑",
    "违法建设": "违法建筑",
    "违建": "违法建筑",
    "环境影响评价": "环评",
    "环境影响报告": "环评报告",
    "报告书": "报告",
    "人才房": "人才住房",
    "公共租赁住房": "公租房",
    "医疗保障": "医保",
    "轨道交通": "地铁",
    "建设项目": "工程",
    "项目": "工程",
}
"""Request wording that names the same thing (applied after :data:`BOILERPLATE`)."""

EXCESSIVE_PER_30_DAYS: Final = 30
"""[D] Applications by one applicant within 30 days at which Art. 35 is worth considering.
The law sets no number; 30 is where the Fee Measures' per-piece price starts to escalate."""

EXCESSIVE_PER_365_DAYS: Final = 120
"""[D] Applications by one applicant within 365 days at which Art. 35 is worth considering."""

# --- normalisation -----------------------------------------------------------------------

_RAW_CAP: Final = 4 * MAX_TEXT_CHARS
_DIGIT_GAP = re.compile(r"(?<=\d)[\W_]+(?=\d)")
_NON_WORD = re.compile(r"[^\w\ue000\ue001]+|_+")


def _bmp_table() -> dict[int, str | None]:
    """str.translate table for the Basic Multilingual Plane: drop every character that is
    not a letter or digit (punctuation, spaces, symbols, ``_``), turn the digit-gap marks
    into "." and "/"."""
    table: dict[int, str | None] = {cp: None for cp in range(0x10000) if not chr(cp).isalnum()}
    table[0xE000] = "."
    table[0xE001] = "/"
    return table


_BMP_TABLE: Final = _bmp_table()
_CN_RUN = re.compile("[〇零一二两三四五六七八九十百千万亿]+")
_CN_DIGITS: Final[Mapping[str, int]] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS: Final[Mapping[str, int]] = {"十": 10, "百": 100, "千": 1000}
_CN_BIG: Final[Mapping[str, int]] = {"万": 10_000, "亿": 100_000_000}
# A lone numeral is a number only next to a counter ("三幢", "十二月", "第一") — "统一",
# "三公经费" and "一网通办" stay as they are.
_COUNTERS: Final = frozenset(
    "年月日号个项期批次届条款幢栋层楼室组户人名家所座宗件份元岁周天季轮类级线区"
)


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered))


_BOILERPLATE_RE = _alternation(BOILERPLATE)
_SYNONYM_RE = _alternation(SYNONYMS)


def _parse_cn_number(run: str) -> int | None:
    """Value of a positional Chinese numeral ("二十三", "一百零五", "三万"); None if malformed."""
    total = section = 0
    digit: int | None = None
    last_unit = 10**9
    for ch in run:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row without a unit
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            if digit is None:
                if ch != "十" or section or total:
                    return None
                digit = 1  # "十二" = 12
            section += digit * unit
            digit = None
            last_unit = unit
        else:
            big = _CN_BIG[ch]
            value = section + (digit or 0)
            if value == 0:
                return None
            total = total * big if total and total < big else total
            total += value * big
            section, digit, last_unit = 0, None, 10**9
    return total + section + (digit or 0)


def _numeral(match: re.Match[str]) -> str:
    run = match.group()
    text = match.string
    start, end = match.span()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    has_units = any(ch in _CN_UNITS or ch in _CN_BIG for ch in run)
    if not has_units:
        if len(run) >= 3 or (len(run) == 2 and (after == "年" or "〇" in run or "零" in run)):
            return "".join(str(_CN_DIGITS[ch]) for ch in run)  # 二〇二五 → 2025
        if len(run) == 1 and (before == "第" or after in _COUNTERS):
            return str(_CN_DIGITS[run])
        return run
    if len(run) == 1 and not (before == "第" or after in _COUNTERS):
        return run
    value = _parse_cn_number(run)
    return run if value is None else str(value)


def _digit_gap(match: re.Match[str]) -> str:
    gap = match.group()
    if gap == ".":
        return "\ue000"  # "2.5" stays
    return "" if gap.isspace() else "\ue001"  # "2020-2024" → "2020/2024"; "2 0 2 5" → "2025"


def normalise(text: str) -> str:
    """Canonical form of a request text for comparison; never raises for any ``str``.

    NFKC (full-width → half-width), lower case, Chinese numerals that are numbers → Arabic
    (二〇二五年 → 2025年, 十二月 → 12月, 第三幢 → 第3幢), punctuation, whitespace, emoji and
    symbols removed (a ``.`` between digits stays, other separators between digits become
    ``/``), then :data:`BOILERPLATE` removed and :data:`SYNONYMS` applied.  Input beyond
    ``4 × MAX_TEXT_CHARS`` characters is ignored and the result is cut to
    :data:`MAX_TEXT_CHARS`.  Non-``str`` input gives ``""``.
    """
    if not isinstance(text, str) or not text:
        return ""
    s = unicodedata.normalize("NFKC", text[:_RAW_CAP]).lower()
    s = _DIGIT_GAP.sub(_digit_gap, s)
    if s.isascii() or max(s) <= "\uffff":
        s = s.translate(_BMP_TABLE)
    else:  # emoji and other astral characters: the slower regex path
        s = _NON_WORD.sub("", s).translate(_BMP_TABLE)
    s = _CN_RUN.sub(_numeral, s)
    s = _BOILERPLATE_RE.sub("", s)
    s = s.removeprefix("请")
    s = _SYNONYM_RE.sub(lambda m: SYNONYMS[m.group()], s)
    return s[:MAX_TEXT_CHARS]


# --- shingles ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba  # deferred: loading its dictionary takes about a second

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def _jieba_tokens(norm: str) -> list[str]:
    return list(_jieba().lcut(norm, HMM=False))  # type: ignore[attr-defined]


def shingles(
    text: str, k: int = SHINGLE_K, *, tokenizer: Tokenizer = DEFAULT_TOKENIZER
) -> set[str]:
    """The shingle set of ``normalise(text)``.

    ``tokenizer="char"``: character ``k``-grams; a text shorter than ``k`` is one shingle.
    ``tokenizer="jieba"``: jieba words (precise mode, no HMM) plus word bigrams when ``k >= 2``.
    Empty text → empty set.
    """
    return _shingles_of_normalised(normalise(text), k, tokenizer)


def _shingles_of_normalised(norm: str, k: int, tokenizer: Tokenizer) -> set[str]:
    if not norm:
        return set()
    if tokenizer == "jieba":
        words = _jieba_tokens(norm)
        out = set(words)
        if k >= 2:
            out.update(a + "\x00" + b for a, b in pairwise(words))
        return out
    if k < 1:
        raise ValueError("k must be positive")
    if len(norm) <= k:
        return {norm}
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


# --- MinHash and LSH ---------------------------------------------------------------------

_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S32 = (np.uint64(n) for n in (30, 27, 31, 32))
_EMPTY_SLOT: Final = 0xFFFFFFFF


def _mix64(z: U64) -> U64:
    """SplitMix64 finaliser, element-wise, modulo 2**64 (numpy uint64 wraps)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _hash_params() -> tuple[U64, U64]:
    rng = Random(SEED)
    a = np.array([rng.getrandbits(64) | 1 for _ in range(NUM_PERM)], dtype=np.uint64)
    b = np.array([rng.getrandbits(64) for _ in range(NUM_PERM)], dtype=np.uint64)
    return a, b


_A, _B = _hash_params()


def _shingle_ids(norm: str) -> list[int]:
    """Exact 63-bit ids of the character bigrams: two 21-bit code points side by side."""
    if not norm:
        return []
    cps = [ord(c) for c in norm]
    if len(cps) == 1:
        return [cps[0] << 21]
    return [(x << 21) | y for x, y in pairwise(cps)]


def _signature_of_ids(ids: Sequence[int]) -> tuple[int, ...]:
    if not ids:
        return (_EMPTY_SLOT,) * NUM_PERM
    x = _mix64(np.fromiter(ids, dtype=np.uint64, count=len(ids)))
    hashed = (x[:, None] * _A[None, :] + _B[None, :]) >> _S32  # multiply-shift, top 32 bits
    return tuple(int(v) for v in hashed.min(axis=0))


def signature(text: str) -> tuple[int, ...]:
    """MinHash signature (:data:`NUM_PERM` 32-bit ints) of the character bigrams of ``text``.

    Hash family: SplitMix64 of the bigram's code points, then ``(a·x + b) mod 2⁶⁴ >> 32`` with
    ``a, b`` drawn from ``random.Random(SEED)``: identical in every process, on every machine.
    An empty text gives all ``0xFFFFFFFF`` (and no band keys).
    """
    return _signature_of_ids(_shingle_ids(normalise(text)))


def signatures(texts: Sequence[str], *, normalised: bool = False) -> npt.NDArray[np.uint32]:
    """Signatures of many texts at once, shape ``(len(texts), NUM_PERM)``, vectorised.

    Row ``i`` equals ``signature(texts[i])``.  Pass ``normalised=True`` when ``texts`` are
    already outputs of :func:`normalise`.
    """
    norms = list(texts) if normalised else [normalise(t) for t in texts]
    out = np.full((len(norms), NUM_PERM), _EMPTY_SLOT, dtype=np.uint32)
    if not norms:
        return out
    # One long UTF-32 buffer; doc i occupies [starts[i], starts[i] + lens[i]).
    joined = "".join(norms)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lens = np.fromiter((len(s) for s in norms), dtype=np.int64, count=len(norms))
    starts = np.zeros(len(norms), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    # Bigram ids at every position; the last position of each doc has no right neighbour.
    nxt = np.zeros_like(cps)
    nxt[:-1] = cps[1:]
    ids = (cps << np.uint64(21)) | nxt
    valid = np.ones(len(cps), dtype=bool)
    ends = starts + lens - 1
    nonempty = lens > 0
    valid[ends[nonempty & (lens > 1)]] = False
    single = nonempty & (lens == 1)
    ids[starts[single]] = cps[starts[single]] << np.uint64(21)
    owner = np.repeat(np.arange(len(norms)), lens)[valid]
    x = _mix64(ids[valid])
    docs = np.flatnonzero(nonempty)
    seg_starts = np.searchsorted(owner, docs)
    for p in range(NUM_PERM):
        hashed = ((x * _A[p] + _B[p]) >> _S32).astype(np.uint32)
        out[docs, p] = np.minimum.reduceat(hashed, seg_starts)
    return out


def _band_hashes(sigs: npt.NDArray[np.uint32]) -> U64:
    """One 64-bit hash per (row, band): shape ``(n, BANDS)``."""
    n = sigs.shape[0]
    vals = sigs[:, : BANDS * ROWS].astype(np.uint64).reshape(n, BANDS, ROWS)
    h = np.broadcast_to(np.arange(BANDS, dtype=np.uint64) * _GOLDEN, (n, BANDS)).copy()
    for r in range(ROWS):
        h = _mix64(h ^ vals[:, :, r])
    return h


def band_keys(sig: Sequence[int]) -> list[str]:
    """LSH band keys of a signature: ``"bb:hhhhhhhhhhhhhhhh"`` (band index, 64-bit hex).

    :data:`BANDS` keys, one per band of :data:`ROWS` MinHash values.  Two texts are
    candidates when they share any key.  The empty text's signature has no keys.
    """
    arr = np.asarray(sig, dtype=np.uint32).reshape(1, -1)
    if arr.shape[1] != NUM_PERM:
        raise ValueError(f"signature must have {NUM_PERM} values")
    if bool(np.all(arr == _EMPTY_SLOT)):
        return []
    return [f"{i:02d}:{int(h):016x}" for i, h in enumerate(_band_hashes(arr)[0])]


# --- exact score -------------------------------------------------------------------------

# An administrative place: the two characters before 省/市/区/县/镇/乡/村/街道 ("朝阳区").
_PLACE_SUFFIX_RE = re.compile("省|市|区|县|镇|乡|村|街道")
_LEVELS: Final[Mapping[str, str]] = {
    "省": "province",
    "市": "city",
    "区": "county",  # 区 and 县 are both county-level divisions
    "县": "county",
    "镇": "township",
    "乡": "township",
    "街道": "township",
    "村": "village",
}
_NOT_PLACES: Final = frozenset(
    [
        "小区",
        "社区",
        "学区",
        "园区",
        "景区",
        "辖区",
        "片区",
        "街区",
        "城市",
        "超市",
        "都市",
        "上市",
        "城镇",
        "乡镇",
        "城乡",
        "农村",
        "乡村",
        "中村",
    ]
)


def _name_char(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch.isdigit()


def _place_spans(norm: str) -> list[tuple[int, int, str, str]]:
    """(start, end, two-character name, level) of the administrative places in ``norm``."""
    found: list[tuple[int, int, str, str]] = []
    for m in _PLACE_SUFFIX_RE.finditer(norm):
        i = m.start()
        if i < 2:
            continue
        name = norm[i - 2 : i]
        suffix = m.group()
        if (
            name[1] + suffix[0] in _NOT_PLACES
            or not (_name_char(name[0]) and _name_char(name[1]))
            or name.isdigit()
        ):
            continue
        found.append((i - 2, m.end(), name, _LEVELS[suffix]))
    return found


def _places(norm: str) -> frozenset[tuple[str, str]]:
    """(two-character name, level) of the administrative places a text names."""
    return frozenset((name, level) for _, _, name, level in _place_spans(norm))


def _grams12(text: str) -> frozenset[str]:
    """Characters and character bigrams."""
    return frozenset(text) | frozenset(text[i : i + 2] for i in range(len(text) - 1))


@dataclass(frozen=True, slots=True)
class _Features:
    norm: str
    content: frozenset[str]  # grams of the text without its years, months and places
    years: frozenset[str]
    months: frozenset[str]
    serials: frozenset[str]  # "12号线", "3幢", "2期"
    places: frozenset[tuple[str, str]]


_NUMBER_RE = re.compile(r"(?<![\d.])(\d{1,4})(?![\d.])(年|月|号线|号楼|幢|栋|期)?")
_SERIAL_UNITS: Final = frozenset({"号线", "号楼", "幢", "栋", "期"})


def _features(norm: str) -> _Features:
    """Context (years, months, serials, places) and content grams of a normalised text."""
    spans = _place_spans(norm)
    cuts = [(a, b) for a, b, _, _ in spans]
    years: set[str] = set()
    months: set[str] = set()
    serials: set[str] = set()
    for m in _NUMBER_RE.finditer(norm):
        digits, unit = m.group(1), m.group(2)
        if len(digits) == 4 and (digits.startswith("20") or "1949" <= digits <= "1999"):
            years.add(digits)
            cuts.append((m.start(), m.end() if unit == "年" else m.end(1)))
        elif unit == "月" and 1 <= int(digits) <= 12:
            months.add(str(int(digits)))
            cuts.append(m.span())
        elif unit in _SERIAL_UNITS:
            serials.add(digits.lstrip("0") + unit)
    content = norm
    if cuts:
        cuts.sort()
        pieces: list[str] = []
        pos = 0
        for a, b in cuts:
            if a >= pos:
                pieces.append(norm[pos:a])
                pos = b
        pieces.append(norm[pos:])
        content = "".join(pieces) or norm
    grams = set(content)
    grams.update(a + b for a, b in pairwise(content))
    return _Features(
        norm,
        frozenset(grams),
        frozenset(years),
        frozenset(months),
        frozenset(serials),
        frozenset((name, level) for _, _, name, level in spans),
    )


def _conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and a.isdisjoint(b)


def _serial_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name a numbered thing of one kind (12号线, 3幢 …) and share none of that kind."""
    if not a or not b or (not a.isdisjoint(b) and len(a) == len(b) == 1):
        return False
    return any(
        _conflict(
            frozenset(x for x in a if x.endswith(unit)), frozenset(x for x in b if x.endswith(unit))
        )
        for unit in ("号线", "号楼", "幢", "栋", "期")
    )


def _place_conflict(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both name places and neither's places include the other's: {杭州市} and {余杭区}
    conflict (a city-wide and a district request), {杭州市, 余杭区} and {余杭区} agree."""
    return bool(a) and bool(b) and not (a <= b or b <= a)


def _vetoed(fa: _Features, fb: _Features) -> bool:
    return (
        _conflict(fa.years, fb.years)
        or _conflict(fa.months, fb.months)
        or _serial_conflict(fa.serials, fb.serials)
        or _place_conflict(fa.places, fb.places)
    )


def _score(fa: _Features, fb: _Features) -> float:
    if not fa.norm or not fb.norm:
        return 0.0
    if fa.norm == fb.norm:
        return 1.0
    if _vetoed(fa, fb):
        return 0.0
    inter = len(fa.content & fb.content)
    return inter / (len(fa.content) + len(fb.content) - inter)


def similarity(a: str, b: str) -> float:
    """Score in [0, 1] of two request texts; 1 for equal normalised texts.

    Context — years, months, metro lines and administrative places (朝阳区, 苏州市,
    永乐村 …) — must not conflict: when both texts name a year (or month, line, place of the
    same level) and share none, they ask for different information and the score is 0.
    Otherwise the score is the Jaccard index of the characters and character bigrams of the
    *content*: the normalised text without its years, months and places, so that a shared
    "2025年朝阳区" does not make 财政预算 look like 征收补偿标准.  0 when either text is empty
    after normalisation.
    """
    return _score(_features(normalise(a)), _features(normalise(b)))


def is_same_topic(a: str, b: str) -> bool:
    """True when ``similarity(a, b) >= SAME_TOPIC_THRESHOLD``."""
    return similarity(a, b) >= SAME_TOPIC_THRESHOLD


# --- incremental assignment --------------------------------------------------------------


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
    ranked = [i for i, _ in counts.most_common(limit)]
    return ranked


def best_match(
    text: str,
    candidates: Iterable[tuple[IdT, str]],
    *,
    threshold: float = SAME_TOPIC_THRESHOLD,
) -> tuple[IdT, float] | None:
    """The candidate most similar to ``text`` if its score reaches ``threshold``.

    ``candidates`` are ``(id, text)`` pairs — e.g. topic ids with their representative or
    member texts.  Ties go to the first candidate.
    """
    fa = _features(normalise(text))
    best: tuple[IdT, float] | None = None
    for cid, other in candidates:
        score = _score(fa, _features(normalise(other)))
        if score >= threshold and (best is None or score > best[1]):
            best = (cid, score)
    return best


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


class _UnionFind:
    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def _bit(value: str, cache: dict[str, int]) -> int:
    bit = cache.get(value)
    if bit is None:
        bit = cache[value] = 1 << (zlib.crc32(value.encode()) & 63)
    return bit


def _context_masks(feats: Sequence[_Features]) -> tuple[U64, U64, U64, U64]:
    """64-bit Bloom masks of each text's years, months and places, and a sort key.

    A mask never hides a shared value, so "disjoint masks" proves a year conflict and
    "neither place mask inside the other" proves a place conflict; other pairs go to the
    exact check, which decides.
    """
    cache: dict[str, int] = {}
    n = len(feats)
    years = np.zeros(n, dtype=np.uint64)
    months = np.zeros(n, dtype=np.uint64)
    places = np.zeros(n, dtype=np.uint64)
    for k, f in enumerate(feats):
        if f.years:
            years[k] = sum({_bit(y, cache) for y in f.years})
        if f.months:
            months[k] = sum({_bit("m" + m, cache) for m in f.months})
        if f.places:
            places[k] = sum({_bit(name + level, cache) for name, level in f.places})
    key = _mix64(_mix64(places ^ _GOLDEN) ^ years) ^ months
    return years, months, places, key


def _candidate_pairs(
    sigs: npt.NDArray[np.uint32], order_key: U64, star: int
) -> npt.NDArray[np.int64]:
    """Unique (i, j), i < j, sharing a band.  Each band bucket is ordered by ``order_key``
    (texts of one context side by side) and every member is paired with its ``star``
    predecessors: linear in the bucket size, and union-find links the rest."""
    n = sigs.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    hashes = _band_hashes(sigs)
    empty = np.all(sigs == _EMPTY_SLOT, axis=1)
    positions = np.arange(n)
    chunks: list[npt.NDArray[np.int64]] = []
    for band in range(BANDS):
        h = hashes[:, band]
        order = np.lexsort((order_key, h))  # stable: ties keep input order
        hs = h[order]
        run_start = np.ones(n, dtype=bool)
        run_start[1:] = hs[1:] != hs[:-1]
        pos_in_run = positions - np.maximum.accumulate(np.where(run_start, positions, 0))
        for d in range(1, star + 1):
            ok = pos_in_run[d:] >= d
            if not ok.any():
                break
            chunks.append(np.stack([order[:-d][ok], order[d:][ok]], axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks)
    del chunks
    pairs = pairs[~(empty[pairs[:, 0]] | empty[pairs[:, 1]])]
    pairs.sort(axis=1)
    keys = pairs[:, 0] * n + pairs[:, 1]
    del pairs
    if not len(keys):
        return np.empty((0, 2), dtype=np.int64)
    keys.sort()
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return np.stack([keys // n, keys % n], axis=1)


def _surely_vetoed(
    pairs: npt.NDArray[np.int64], masks: tuple[U64, U64, U64, U64]
) -> npt.NDArray[np.bool_]:
    years, months, places, _ = masks
    a, b = pairs[:, 0], pairs[:, 1]
    zero = np.uint64(0)
    out = np.zeros(len(pairs), dtype=bool)
    for m in (years, months):
        ma, mb = m[a], m[b]
        out |= (ma != zero) & (mb != zero) & ((ma & mb) == zero)
    pa, pb = places[a], places[b]
    out |= (pa & ~pb != zero) & (pb & ~pa != zero)
    return out


_MIN_ESTIMATE: Final = 0.3
_ESTIMATE_COLUMNS: Final = 32


def _estimated_jaccard(
    sigs: npt.NDArray[np.uint32], pairs: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Share of the first 32 MinHash values two texts have in common: a cheap Jaccard
    estimate of their whole-text bigrams.  Below 0.3 the exact score almost never reaches
    the threshold (measured: 0.1 % of same-topic pairs lost, a third of the work saved)."""
    out = np.empty(len(pairs), dtype=np.float64)
    head = np.ascontiguousarray(sigs[:, :_ESTIMATE_COLUMNS])
    step = 500_000
    for s in range(0, len(pairs), step):
        p = pairs[s : s + step]
        out[s : s + step] = (head[p[:, 0]] == head[p[:, 1]]).mean(axis=1)
    return out


def cluster(
    items: Iterable[tuple[IdT, str]],
    *,
    threshold: float = SAME_TOPIC_THRESHOLD,
    seed_threshold: float = SEED_LINK_THRESHOLD,
    star: int = 1,
) -> list[Topic[IdT]]:
    """Group ``(id, text)`` items into topics; every item lands in exactly one topic.

    Identical normalised texts are merged first.  Distinct texts are MinHashed
    (:func:`signatures`); pairs sharing an LSH band (each bucket member against its ``star``
    neighbours, buckets ordered by year/place context) that are not surely vetoed are
    checked with the exact score (:func:`similarity`) and joined with union-find — provided
    the two topics' seeds (earliest members) also score ``seed_threshold``, which stops
    chains from gluing different topics together.  Texts empty after normalisation each form
    their own topic.  Topics are sorted by size (largest first), then by their first
    member's input position.  Deterministic: same input, same topics.
    """
    # Millions of small objects: the cyclic GC would rescan them again and again (~2x time).
    # Nothing here makes reference cycles, so it is paused and restored afterwards.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _cluster(items, threshold, seed_threshold, star)
    finally:
        if gc_was_enabled:
            gc.enable()


def _cluster(
    items: Iterable[tuple[IdT, str]], threshold: float, seed_threshold: float, star: int
) -> list[Topic[IdT]]:
    ids: list[IdT] = []
    originals: list[str] = []
    by_norm: dict[str, int] = {}
    norm_of_item: list[int] = []
    norms: list[str] = []
    norm_of_raw: dict[str, str] = {}  # identical submissions are common: normalise once
    for item_id, text in items:
        norm = norm_of_raw.get(text) if isinstance(text, str) else None
        if norm is None:
            norm = normalise(text)
            if isinstance(text, str):
                norm_of_raw[text] = norm
        slot = by_norm.get(norm) if norm else None
        if slot is None:
            slot = len(norms)
            norms.append(norm)
            if norm:
                by_norm[norm] = slot
        ids.append(item_id)
        originals.append(text)
        norm_of_item.append(slot)
    del by_norm, norm_of_raw

    uf = _UnionFind(len(norms))
    if len(norms) > 1:
        feats = [_features(n) for n in norms]
        masks = _context_masks(feats)
        sigs = signatures(norms, normalised=True)
        pairs = _candidate_pairs(sigs, masks[3], star)
        pairs = pairs[~_surely_vetoed(pairs, masks)]
        pairs = pairs[_estimated_jaccard(sigs, pairs) >= _MIN_ESTIMATE]
        del sigs
        find, union = uf.find, uf.union
        for i, j in pairs.tolist():
            ri, rj = find(i), find(j)
            if ri == rj or _score(feats[i], feats[j]) < threshold:
                continue
            if (ri == i and rj == j) or _score(feats[ri], feats[rj]) >= seed_threshold:
                union(ri, rj)

    members: dict[int, list[int]] = defaultdict(list)
    for pos, slot in enumerate(norm_of_item):
        members[uf.find(slot)].append(pos)
    topics: list[tuple[int, Topic[IdT]]] = []
    for positions in members.values():
        freq = Counter(norm_of_item[p] for p in positions)
        rep_slot = min(freq, key=lambda s: (-freq[s], len(norms[s]), s))
        rep_pos = next(p for p in positions if norm_of_item[p] == rep_slot)
        topic = Topic(originals[rep_pos], tuple(ids[p] for p in positions))
        topics.append((positions[0], topic))
    topics.sort(key=lambda t: (-t[1].size, t[0]))
    return [t for _, t in topics]


# --- volume signals ----------------------------------------------------------------------


@dataclass(frozen=True)
class SurgeResult:
    """A topic's latest daily volume against its baseline (Art. 44 prompt)."""

    today_count: int
    baseline_days: int
    baseline_mean: float
    baseline_stddev: float
    threshold: float
    ratio: float | None  # today / baseline mean; None when the baseline is 0
    message: str


def surge(
    daily_counts: Sequence[int],
    *,
    window: int = 28,
    min_count: int = 5,
    factor: float = 3.0,
) -> SurgeResult | None:
    """Flag a topic whose latest day (``daily_counts[-1]``) jumps above its baseline.

    Baseline: the up to ``window`` days before it (fewer when the history is shorter; zero
    days → mean 0).  Surge when ``today >= max(min_count, factor × mean + 2 × stddev)``
    (population stddev).  [D] window, min_count and factor are design choices.  Several
    applicants asking for the same information may justify proactive disclosure
    (《政府信息公开条例》第四十四条); the result only prompts an officer.
    """
    if window < 1 or min_count < 1 or factor <= 0:
        raise RuleViolation("突增检测参数无效", window=window, min_count=min_count, factor=factor)
    if not daily_counts:
        return None
    if any(c < 0 for c in daily_counts):
        raise RuleViolation("每日申请数量不能为负数")
    today = int(daily_counts[-1])
    history = [int(c) for c in daily_counts[-window - 1 : -1]]
    mean = sum(history) / len(history) if history else 0.0
    var = sum((c - mean) ** 2 for c in history) / len(history) if history else 0.0
    std = math.sqrt(var)
    threshold = max(float(min_count), factor * mean + 2.0 * std)
    if today < threshold:
        return None
    ratio = today / mean if mean > 0 else None
    jump = (
        f"，为前{len(history)}日日均{mean:.1f}件的{ratio:.1f}倍"
        if ratio is not None
        else (f"，前{len(history)}日无同类申请" if history else "")
    )
    message = (
        f"该主题最近一日收到政府信息公开申请{today}件{jump}，明显增多。"
        "多个申请人申请公开相同政府信息的，可考虑纳入主动公开范围"
        "（《中华人民共和国政府信息公开条例》第四十四条）。"
    )
    return SurgeResult(today, len(history), mean, std, threshold, ratio, message)


@dataclass(frozen=True)
class ExcessiveResult:
    """An applicant's application counts over the Art. 35 windows."""

    count_30_days: int
    count_365_days: int
    per_30_days: int
    per_365_days: int
    exceeded: tuple[str, ...]  # "30_days", "365_days"
    message: str


def excessive(
    applicant_case_dates: Sequence[date],
    today: date,
    *,
    per_30_days: int = EXCESSIVE_PER_30_DAYS,
    per_365_days: int = EXCESSIVE_PER_365_DAYS,
) -> ExcessiveResult | None:
    """Flag an applicant whose volume may be "clearly beyond a reasonable range" (Art. 35).

    Counts the applicant's applications received in the 30 days ending ``today``
    (``today − 29 … today``) and in the 365 days ending ``today``; dates after ``today`` are
    ignored.  Flags when either count reaches its threshold.  [D] The Regulations give no
    number: :data:`EXCESSIVE_PER_30_DAYS` and :data:`EXCESSIVE_PER_365_DAYS` are design
    choices to configure per agency.  The flag only prompts the officer to consider asking
    the applicant for reasons (第三十五条); it decides nothing.
    """
    if per_30_days < 1 or per_365_days < 1:
        raise RuleViolation("申请数量阈值必须为正整数")
    start_30 = today - timedelta(days=29)
    start_365 = today - timedelta(days=364)
    n30 = sum(1 for d in applicant_case_dates if start_30 <= d <= today)
    n365 = sum(1 for d in applicant_case_dates if start_365 <= d <= today)
    exceeded: list[str] = []
    parts: list[str] = []
    if n30 >= per_30_days:
        exceeded.append("30_days")
        parts.append(f"近30日提出{n30}件（参考值{per_30_days}件）")
    if n365 >= per_365_days:
        exceeded.append("365_days")
        parts.append(f"近365日提出{n365}件（参考值{per_365_days}件）")
    if not exceeded:
        return None
    message = (
        f"该申请人{'，'.join(parts)}政府信息公开申请，数量、频次可能明显超过合理范围。"
        "可依照《中华人民共和国政府信息公开条例》第三十五条要求申请人说明理由；"
        "理由不合理的，告知不予处理。"
    )
    return ExcessiveResult(n30, n365, per_30_days, per_365_days, tuple(exceeded), message)
