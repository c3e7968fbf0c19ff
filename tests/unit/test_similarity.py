"""Similar-request detection (rules.md §e, Art. 44; Art. 35 volume flags).

Two labelled sets.  ``tests/data/grouping_own.jsonl`` (233 texts, 16 agencies, 69 near-miss
texts) is the one every parameter was chosen on.  ``tests/data/request_texts.json`` was written
for the previous method and was NOT used to tune this one: its floors below are what the
current method measures on it (a set it has not been fitted to), so they are lower than the
old method's figures on its own examples.  The held-out shared set is measured in
``test_grouping_quality.py``.  Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from requests_service.domain import similarity as sim
from requests_service.domain.errors import RuleViolation
from requests_service.domain.similarity import (
    BANDS,
    MAX_TEXT_CHARS,
    NUM_PERM,
    SAME_TOPIC_THRESHOLD,
    Topic,
    band_keys,
    best_match,
    candidates_for,
    cluster,
    excessive,
    is_same_topic,
    normalise,
    shingles,
    signature,
    signatures,
    similarity,
    surge,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "request_texts.json"
ROOT = Path(__file__).resolve().parents[2]

# request_texts.json, unseen by the current method (threshold 0.30): is_same_topic
# P 0.654 / R 0.947; cluster P 0.723 / R 0.937; incremental P 0.612 / R 0.956; floors a
# little below.  (The previous method, built on these examples, measured P 0.92 / R 0.87 here
# and F1 0.15 on the held-out shared set.  This set's labels join some requests the issue
# keeps apart — 补偿标准 with 补偿方案 — which caps the precision measured here.)
PAIR_PRECISION_FLOOR = 0.64
PAIR_RECALL_FLOOR = 0.93
CLUSTER_PRECISION_FLOOR = 0.71
CLUSTER_RECALL_FLOOR = 0.92
INCREMENTAL_PRECISION_FLOOR = 0.60


@pytest.fixture(scope="module")
def labelled() -> tuple[list[str], list[str]]:
    items = json.loads(DATA.read_text(encoding="utf-8"))
    return [i["text"] for i in items], [i["group"] for i in items]


def _pairs(n: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(n), 2))


def _precision_recall(
    predicted: Callable[[int, int], bool], groups: Sequence[str]
) -> tuple[float, float]:
    tp = fp = fn = 0
    for i, j in _pairs(len(groups)):
        same = groups[i] == groups[j]
        hit = predicted(i, j)
        tp += hit and same
        fp += hit and not same
        fn += same and not hit
    return tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0


# --- the labelled set ----------------------------------------------------------------------


def test_labelled_set_is_big_enough(labelled: tuple[list[str], list[str]]) -> None:
    texts, groups = labelled
    multi = {g for g in groups if groups.count(g) >= 2}
    assert len(texts) >= 120
    assert len(multi) >= 20
    assert len(set(texts)) == len(texts)


def test_is_same_topic_precision_and_recall_on_labelled_set(
    labelled: tuple[list[str], list[str]],
) -> None:
    texts, groups = labelled
    scores = {(i, j): similarity(texts[i], texts[j]) for i, j in _pairs(len(texts))}
    precision, recall = _precision_recall(
        lambda i, j: scores[(i, j)] >= SAME_TOPIC_THRESHOLD, groups
    )
    print(
        f"\nis_same_topic (threshold {SAME_TOPIC_THRESHOLD}) on {len(texts)} texts: "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for th in (0.4, 0.45, 0.55, 0.6):
        p, r = _precision_recall(lambda i, j, th=th: scores[(i, j)] >= th, groups)
        print(f"  at threshold {th}: precision {p:.3f}, recall {r:.3f}")
    assert precision >= PAIR_PRECISION_FLOOR
    assert recall >= PAIR_RECALL_FLOOR
    for i, j in _pairs(len(texts)):
        assert is_same_topic(texts[i], texts[j]) == (scores[(i, j)] >= SAME_TOPIC_THRESHOLD)


def test_cluster_precision_and_recall_on_labelled_set(
    labelled: tuple[list[str], list[str]],
) -> None:
    texts, groups = labelled
    topics = cluster(enumerate(texts))
    label = {m: k for k, t in enumerate(topics) for m in t.member_ids}
    precision, recall = _precision_recall(lambda i, j: label[i] == label[j], groups)
    print(
        f"\ncluster on {len(texts)} texts: {len(topics)} topics "
        f"({len(set(groups))} labelled groups); pairwise precision {precision:.3f}, "
        f"recall {recall:.3f}"
    )
    assert precision >= CLUSTER_PRECISION_FLOOR
    assert recall >= CLUSTER_RECALL_FLOOR
    assert sorted(label) == list(range(len(texts)))


def _best_f1(
    score: Callable[[int, int], float], groups: Sequence[str]
) -> tuple[float, float, float, float]:
    cache = {p: score(*p) for p in _pairs(len(groups))}
    best = (0.0, 0.0, 0.0, 0.0)
    for step in range(10, 95, 5):
        th = step / 100
        p, r = _precision_recall(lambda i, j, th=th: cache[(i, j)] >= th, groups)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best[3]:
            best = (th, p, r, f1)
    return best


def _jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def test_char_ngrams_beat_jieba_words(labelled: tuple[list[str], list[str]]) -> None:
    """The measurement behind the default tokeniser: raw Jaccard of ``shingles()`` with
    each tokeniser, then the shipped :func:`similarity` (slots must agree, weighted cosine).
    Each line gives the best threshold by F1 and its precision/recall."""
    texts, groups = labelled
    norms = [normalise(t) for t in texts]
    feats = [sim.features_of(t) for t in texts]
    variants: list[tuple[str, int, sim.Tokenizer]] = [
        ("char 1-grams", 1, "char"),
        ("char 2-grams", 2, "char"),
        ("char 3-grams", 3, "char"),
        ("jieba words", 1, "jieba"),
        ("jieba words+bigrams", 2, "jieba"),
    ]
    print()
    f1s: dict[str, float] = {}
    for name, k, tok in variants:
        sets = [sim.lsh._shingles_of_normalised(n, k, tok) for n in norms]
        raw = _best_f1(lambda i, j, s=sets: _jaccard(s[i], s[j]), groups)
        f1s[name] = raw[3]
        print(f"{name:20s} raw: th {raw[0]:.2f} P {raw[1]:.3f} R {raw[2]:.3f} F1 {raw[3]:.3f}")
    final = _best_f1(lambda i, j: sim.score(feats[i], feats[j]), groups)
    print(
        f"{'similarity()':20s} (slots agree, weighted cosine): best th {final[0]:.2f} "
        f"P {final[1]:.3f} R {final[2]:.3f} F1 {final[3]:.3f}"
    )
    assert f1s["char 2-grams"] >= f1s["jieba words"] - 0.02
    assert final[3] >= max(f1s.values())


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("请公开朝阳区2025年房屋征收补偿标准", "朝阳区2025年征收补偿标准"),
        ("申请公开：朝阳区二〇二五年征收补偿标准的相关信息。", "朝阳区2025年征收补偿标准"),
        ("朝阳区２０２５年房屋拆迁补偿标准", "朝阳区2025年征收补偿标准"),
        ("雨花台区二〇二四年十二月常务会议纪要", "雨花台区2024年12月常务纪要"),  # 会议纪要 → 纪要
        ("二零二三年度预算", "2023年预算"),
        ("翠苑一区三幢违法建设", "翠苑1区3幢违法建筑"),
        ("第十二条", "第12条"),
        ("一百零五户", "105户"),
        ("三万五千元", "35000元"),
        ("“三公”经费", "三公经费"),  # a lone numeral without a counter stays
        ("统一规划", "统一规划"),
        ("十四五规划", "十四五规划"),  # not a well-formed number: left alone
        ("ＰＭ２.５ 监测数据", "pm2.5监测数据"),
        ("2020-2024年", "2020/2024年"),
        ("渝 北 区 2 0 2 2 年", "渝北区2022年"),
        ("我想了解，关于XX路的有关情况，谢谢！😀", "xx路"),
        ("您好，请提供本人申请公开的具体内容（纸质版）", ""),
    ],
)
def test_normalise_examples(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_full_and_half_width_agree() -> None:
    assert normalise("ＡＢＣ１２３，ｘｙｚ") == normalise("abc123,xyz") == "abc123xyz"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "😀👍🏻🎉",
        "。，、！？",
        "a" * 100_000,
        "请公开" * 50_000,
        "中文English混合Русский한국어العربية 123 ٣٤٥",
        "\x00\x01\ud800\udfff",
        "零" * 1000,
        "十十十百千万亿",
        "𠀀𠀁 emoji😀 astral",
        "\ue000\ue001",
    ],
    ids=lambda t: repr(t[:12]),
)
def test_bad_input_never_raises(text: str) -> None:
    norm = normalise(text)
    assert isinstance(norm, str)
    assert len(norm) <= MAX_TEXT_CHARS
    assert isinstance(shingles(text), set)
    sig = signature(text)
    assert len(sig) == NUM_PERM
    assert len(band_keys(sig)) in (0, BANDS)
    assert 0.0 <= similarity(text, "请公开朝阳区2025年财政预算") <= 1.0
    assert similarity(text, text) in (0.0, 1.0)
    assert len(cluster([(1, text), (2, text), (3, "朝阳区财政预算")])) >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_any_text_is_handled(a: str, b: str) -> None:
    norm = normalise(a)
    assert len(norm) <= MAX_TEXT_CHARS
    assert normalise(norm) == normalise(norm)  # deterministic
    score = similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == similarity(b, a)
    assert len(band_keys(signature(a))) in (0, BANDS)


def test_normalise_tolerates_non_strings() -> None:
    assert normalise(None) == ""  # type: ignore[arg-type]
    assert normalise(42) == ""  # type: ignore[arg-type]


def test_emoji_only_text_is_empty_and_matches_nothing() -> None:
    assert normalise("😀😀😀") == ""
    assert shingles("😀😀😀") == set()
    assert band_keys(signature("😀😀😀")) == []
    assert similarity("😀", "😀") == 0.0


# --- shingles, signatures and band keys ----------------------------------------------------


def test_shingles_are_character_bigrams_by_default() -> None:
    assert shingles("请公开财政预算") == {"财政", "政预", "预算"}
    assert shingles("预") == {"预"}
    assert shingles("财政预算", k=3) == {"财政预", "政预算"}


def test_jieba_tokeniser_gives_words() -> None:
    words = shingles("请公开朝阳区财政预算", k=1, tokenizer="jieba")
    assert "财政预算" in words or {"财政", "预算"} <= words


def test_signature_is_deterministic_and_matches_the_batch_path() -> None:
    texts = ["朝阳区2025年财政预算", "海淀区征收补偿标准", "", "预", "😀", "a b c"]
    batch = signatures(texts)
    for row, text in zip(batch, texts, strict=True):
        assert tuple(int(v) for v in row) == signature(text)
    assert signature("请公开朝阳区2025年财政预算") == signature("朝阳区二〇二五年财政预算")


def test_band_keys_are_stable_across_processes() -> None:
    code = (
        "from requests_service.domain.similarity import band_keys, signature;"
        "print(','.join(band_keys(signature('朝阳区2025年房屋征收补偿标准'))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    assert out.stdout.strip().split(",") == band_keys(signature("朝阳区2025年房屋征收补偿标准"))


def test_band_keys_have_band_prefixes() -> None:
    keys = band_keys(signature("朝阳区2025年财政预算"))
    assert len(keys) == BANDS
    assert [k.split(":")[0] for k in keys] == [f"{i:02d}" for i in range(BANDS)]
    assert all(len(k) == 19 for k in keys)


def test_band_keys_reject_a_wrong_length_signature() -> None:
    with pytest.raises(ValueError):
        band_keys((1, 2, 3))


def test_paraphrases_share_a_band_key(labelled: tuple[list[str], list[str]]) -> None:
    texts, groups = labelled
    keys = [set(band_keys(signature(t))) for t in texts]
    same = [(i, j) for i, j in _pairs(len(texts)) if groups[i] == groups[j]]
    similar = [(i, j) for i, j in same if similarity(texts[i], texts[j]) >= SAME_TOPIC_THRESHOLD]
    caught = sum(1 for i, j in similar if keys[i] & keys[j])
    print(f"\nLSH: {caught}/{len(similar)} same-topic labelled pairs share a band key")
    assert caught >= 0.9 * len(similar)


# --- similarity ----------------------------------------------------------------------------


def test_numerals_boilerplate_and_synonyms_make_paraphrases_equal() -> None:
    assert similarity("2025年朝阳区拆迁补偿标准", "请公开朝阳区二〇二五年征收补偿标准") == 1.0
    # 标准 vs 方案: two document kinds, so the pair is vetoed whatever the wording.
    assert similarity("2025年朝阳区拆迁补偿标准", "请公开朝阳区二〇二五年征收补偿方案") == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2025年朝阳区拆迁补偿标准", "2025年朝阳区财政预算"),  # shared place and year only
        ("朝阳区2025年征收补偿标准", "朝阳区2024年征收补偿标准"),  # other year
        ("朝阳区2025年征收补偿标准", "海淀区2025年征收补偿标准"),  # other district
        ("杭州市2025年财政预算", "余杭区2025年财政预算"),  # city-wide vs district
        ("雨花台区2024年12月常务会议纪要", "雨花台区2024年11月常务会议纪要"),  # other month
        ("郑州地铁12号线站点规划", "郑州地铁6号线站点规划"),  # other line
        ("翠苑1区3幢违法建筑处罚决定书", "翠苑1区5幢违法建筑处罚决定书"),  # other building
    ],
)
def test_hard_negatives_are_not_same_topic(a: str, b: str) -> None:
    assert not is_same_topic(a, b)


def test_similarity_is_symmetric_and_bounded(labelled: tuple[list[str], list[str]]) -> None:
    texts, _ = labelled
    for i, j in _pairs(40):
        s = similarity(texts[i], texts[j])
        assert 0.0 <= s <= 1.0
        assert s == similarity(texts[j], texts[i])
    assert similarity(texts[0], texts[0]) == 1.0


def test_hierarchical_places_agree() -> None:
    assert is_same_topic("余杭区仓前街道永乐村集体土地征收批复", "永乐村集体土地征收批复")
    assert is_same_topic("杭州市余杭区2025年财政预算", "余杭区2025年财政预算")


# --- incremental assignment ----------------------------------------------------------------


def test_candidates_for_ranks_by_shared_keys() -> None:
    index = {"00:a": [1, 2], "01:b": [2, 3], "02:c": [2]}
    assert candidates_for(["00:a", "01:b", "02:c", "03:x"], index) == [2, 1, 3]
    assert candidates_for(["00:a", "01:b"], index, limit=1) == [2]
    assert candidates_for([], index) == []


def test_incremental_assignment_finds_the_topic_through_band_keys(
    labelled: tuple[list[str], list[str]],
) -> None:
    texts, groups = labelled
    index: dict[str, list[int]] = {}
    topic_of: dict[int, int] = {}
    reps: dict[int, str] = {}
    for i, text in enumerate(texts):
        keys = band_keys(signature(text))
        cands = candidates_for(keys, index, limit=20)
        match = best_match(text, [(c, texts[c]) for c in cands])
        topic_of[i] = topic_of[match[0]] if match else i
        reps.setdefault(topic_of[i], text)
        for k in keys:
            index.setdefault(k, []).append(i)
    precision, recall = _precision_recall(lambda i, j: topic_of[i] == topic_of[j], groups)
    print(
        f"\nincremental (first match above threshold): precision {precision:.3f}, "
        f"recall {recall:.3f}"
    )
    assert precision >= INCREMENTAL_PRECISION_FLOOR
    assert recall >= 0.90


def test_best_match_picks_the_highest_score_above_threshold() -> None:
    cands = [
        (1, "海淀区2025年财政预算"),
        (2, "朝阳区2025年财政预算报告"),
        (3, "朝阳区2025年财政预算"),
    ]
    assert best_match("请公开朝阳区二〇二五年财政预算", cands) == (3, 1.0)
    assert best_match("朝阳区2025年财政预算", [(1, "海淀区2025年财政预算")]) is None
    assert best_match("x", []) is None


# --- batch clustering ----------------------------------------------------------------------


def test_cluster_topics_are_frozen_and_cover_every_item() -> None:
    items = [
        ("a", "请公开朝阳区2025年财政预算"),
        ("b", "朝阳区二〇二五年财政预算"),
        ("c", "朝阳区2025年财政预算。"),
        ("d", "海淀区2025年财政预算"),
        ("e", ""),
        ("f", "😀"),
    ]
    topics = cluster(items)
    assert isinstance(topics[0], Topic)
    assert topics[0].member_ids == ("a", "b", "c")
    assert topics[0].size == 3
    assert topics[0].representative == "请公开朝阳区2025年财政预算"
    assert sorted(m for t in topics for m in t.member_ids) == ["a", "b", "c", "d", "e", "f"]
    assert {t.member_ids for t in topics[1:]} == {("d",), ("e",), ("f",)}
    with pytest.raises(AttributeError):
        topics[0].representative = "x"  # type: ignore[misc]


def test_cluster_is_deterministic(labelled: tuple[list[str], list[str]]) -> None:
    texts, _ = labelled
    assert cluster(enumerate(texts)) == cluster(enumerate(texts))


def test_cluster_in_worker_processes_gives_the_same_topics(
    labelled: tuple[list[str], list[str]],
) -> None:
    """The parallel path (forked workers normalise and find the band keys) is forced on a
    small input: the same topics as the single-process path, constraints included."""
    texts, _ = labelled
    items = list(enumerate([*texts, *texts[:40], "", "😀", texts[0]]))
    constraints = {"must_link": [(0, 5), (7, 9)], "cannot_link": [(1, 2), (0, len(texts))]}
    serial = cluster(items, workers=0, **constraints)
    assert cluster(items, workers=2, **constraints) == serial
    assert cluster(items, workers=2, star=sim.PER_KEY) == cluster(
        items, workers=0, star=sim.PER_KEY
    )
    assert cluster(items[:1], workers=2) == cluster(items[:1], workers=0)


def test_cluster_in_worker_processes_on_a_synthetic_batch() -> None:
    """A templated batch like ``bench/bench_similarity.py``'s — places, years, document kinds
    and facets that veto most candidate pairs, paraphrases, repeats, numerals written three
    ways — grouped in forked workers (features, band keys, pair scores in ranges assigned as
    they come) gives the topics of one process."""
    import random

    rng = random.Random(13)
    places = ["滨河区", "东湖区", "锦华县", "松林镇", "江州市", "和平村", "阳光区", "北仑区"]
    subjects = [
        "征收补偿方案",
        "环境行政处罚决定书",
        "公办幼儿园保教费标准",
        "耕地占补平衡指标交易材料",
        "医疗服务项目价格",
        "保障性住房配租名单",
        "农机购置补贴资金分配表",
        "违章建筑拆除决定",
    ]
    years = ["2021", "二〇二二", "2023", "２０２４"]
    forms = [
        "申请公开{p}{y}年{s}",
        "请提供{p}{y}年度的{s}，谢谢",
        "您好，依申请公开{y}年{p}{s}全文",
    ]
    texts = [
        rng.choice(forms).format(p=rng.choice(places), y=rng.choice(years), s=rng.choice(subjects))
        for _ in range(1500)
    ]
    items = list(enumerate([*texts, *texts[:100], ""]))
    assert cluster(items, workers=2) == cluster(items, workers=0)


def test_cluster_scores_pairs_as_score_and_veto_does(
    labelled: tuple[list[str], list[str]],
) -> None:
    """``cluster`` scores its candidate pairs with an inlined copy of ``score_and_veto`` (the
    hot loop of a million-text batch): the same floats, and every vetoed pair marked."""
    from requests_service.domain.similarity import clustering, scoring

    texts, _ = labelled
    feats = [sim.features_of(t) for t in [*texts[:120], "", texts[3]]]
    cands = [list(range(max(0, j - 40), j)) for j in range(len(feats))]
    starts = [0]
    for row in cands:
        starts.append(starts[-1] + len(row))
    cand_of = np.array([c for row in cands for c in row], dtype=np.int64)
    got = clustering._scores_of_range(feats, cand_of, starts, 0, len(feats))
    want = []
    for j, row in enumerate(cands):
        for c in row:
            s, reason = scoring.score_and_veto(feats[j], feats[c])
            want.append(clustering.VETOED if reason is not None else s)
    assert got.tolist() == want
    assert clustering.VETOED in want and any(0 < s < 1 for s in want)
    # the pairs vetoed for another year, month, facet or kind, found for all pairs at once
    sure = clustering._surely_vetoed(feats, cand_of, starts)
    assert sure.any() and not sure.all()
    assert all(want[k] == clustering.VETOED for k in np.flatnonzero(sure))
    got = clustering._scores_of_range(feats, cand_of, starts, 0, len(feats), sure)
    assert got.tolist() == want


def test_cluster_of_nothing() -> None:
    assert cluster([]) == []
    assert cluster([(1, "朝阳区")]) == [Topic("朝阳区", (1,))]


# --- surge -------------------------------------------------------------------------------------


def test_surge_flags_a_jump_over_baseline() -> None:
    counts = [1, 0, 2, 1, 1, 0, 1] * 4 + [12]
    result = surge(counts)
    assert result is not None
    assert result.today_count == 12
    assert result.baseline_days == 28
    assert result.baseline_mean == pytest.approx(6 / 7)
    assert result.ratio == pytest.approx(14.0)
    assert "第四十四条" in result.message
    assert "12件" in result.message


def test_surge_ignores_normal_volume_and_small_numbers() -> None:
    assert surge([5] * 28 + [8]) is None  # 8 < 3 × 5
    assert surge([0] * 28 + [4]) is None  # below min_count
    assert surge([]) is None


def test_surge_without_history_uses_min_count() -> None:
    result = surge([5])
    assert result is not None
    assert result.ratio is None
    assert result.threshold == 5


def test_surge_baseline_uses_only_the_window() -> None:
    counts = [100] * 10 + [1] * 28 + [10]
    result = surge(counts, window=28)
    assert result is not None
    assert result.baseline_mean == 1


def test_surge_rejects_bad_input() -> None:
    with pytest.raises(RuleViolation):
        surge([1, -1, 2])
    with pytest.raises(RuleViolation):
        surge([1, 2], window=0)


# --- excessive (Art. 35) ---------------------------------------------------------------------


def test_excessive_flags_a_busy_month() -> None:
    today = date(2025, 6, 30)
    dates = [today - timedelta(days=d % 30) for d in range(30)]
    result = excessive(dates, today)
    assert result is not None
    assert result.count_30_days == 30
    assert result.exceeded == ("30_days",)
    assert "第三十五条" in result.message


def test_excessive_counts_the_year_window() -> None:
    today = date(2025, 6, 30)
    dates = [today - timedelta(days=2 * d + 40) for d in range(125)]  # 40..288 days ago
    dates += [today - timedelta(days=365)] * 10  # just outside the year window
    result = excessive(dates, today)
    assert result is not None
    assert result.count_30_days == 0
    assert result.count_365_days == 125
    assert result.exceeded == ("365_days",)
    result = excessive(dates, today, per_365_days=200)
    assert result is None


def test_excessive_ignores_future_dates_and_window_edges() -> None:
    today = date(2025, 6, 30)
    edge = [today - timedelta(days=29)] * 3 + [today - timedelta(days=30)] * 5
    future = [today + timedelta(days=1)] * 10
    result = excessive(edge + future, today, per_30_days=3)
    assert result is not None
    assert result.count_30_days == 3
    assert excessive(edge + future, today, per_30_days=4) is None


def test_excessive_rejects_bad_thresholds() -> None:
    with pytest.raises(RuleViolation):
        excessive([], date(2025, 1, 1), per_30_days=0)


@pytest.mark.parametrize(
    ("a", "b", "slot"),
    [
        # another state farm of one kind of name (红星 vs 红旗)
        ("红星农场2025年土地承包费标准", "红旗农场2025年土地承包费标准", "entity"),
        # another main canal of one irrigation district
        ("青龙灌区东干渠改造工程占地补偿标准", "青龙灌区西干渠改造工程占地补偿标准", "object"),
        # another ride of one park
        ("欢乐谷过山车的定期检验结论", "欢乐谷摩天轮的定期检验结论", "object"),
        # another financial sector
        ("2024年辖区银行业消费投诉情况通报", "2024年辖区保险业消费投诉情况通报", "level"),
        # a penalty against the figures it was based on; money's use against its allocation
        ("2024年机场航班正常率统计数据", "2024年机场航班正常率考核中的处罚决定书", "facet"),
        ("2025年场馆开放补助资金分配明细", "2025年场馆开放补助资金绩效评价报告", "facet"),
        ("2025年灌区水费收支明细", "2025年灌区水费收费标准", "facet"),
    ],
)
def test_new_kinds_of_near_miss_are_vetoed(a: str, b: str, slot: str) -> None:
    from requests_service.domain.similarity import scoring

    assert scoring.veto(sim.features_of(a), sim.features_of(b)) == slot


def test_abbreviations_and_stage_words_do_not_split_a_topic() -> None:
    # 供销社 / 农商行 are their full names; 小学阶段 names no road section
    assert normalise("原供销社改制职工安置方案") == normalise("原供销合作社改制职工安置方案")
    assert normalise("农商行2025年行政处罚") == normalise("农村商业银行2025年行政处罚")
    assert not sim.features_of("2025年义务教育小学阶段招生片区划分").entities


def test_names_with_characters_pinyin_cannot_read_compare_without_error() -> None:
    """A name with a Latin letter or digit (B区, 3号) reads that character only as itself: equal
    characters match, different ones do not, and a homophone slip elsewhere is still one."""
    from requests_service.domain.similarity.scoring import _same_name

    assert _same_name("A区越秀", "A区樾秀")
    assert not _same_name("A区越秀", "B区越秀")
    assert not _same_name("3号楼", "4号楼")
