"""Can officers' corrections teach the grouping an agency's unseen kinds of request?

A simulated officer works through a labelled set: per agency, the texts arrive in file order
and are placed by the intake rule (``similarity.assign`` over the 20 candidates sharing most
band and slot keys, as ``services.topics.place_request`` does).  When a placement is wrong by
the gold labels — the text joined a topic whose majority gold topic is another, or it opened a
topic although one of its gold topic exists — the officer corrects it with the service's own
semantics (``services.topic_corrections``): a *move* to the topic of its gold label keeps a
must-link with that topic's first member and a cannot-link with the first member of the topic
left; a *split* (no topic of its label yet) keeps a cannot-link with the first member of the
topic left.  Two ways of using the corrections are compared:

* ``pairwise`` — as the service does today: the constraints bind the corrected applications
  only (a new arrival has none), so a correction helps later arrivals only through the
  corrected topics it leaves behind;
* ``learned`` — a per-agency learner (:class:`Learner`) reads each correction as lessons
  about the texts' *differing spans*: the request clauses' content (places, dates and numbers
  cut out, as ``features.clause_slots`` leaves it) aligned as
  ``bench/hooks/substitution_veto.py`` aligns it.  A correction out of a topic teaches
  *distinctions*: each swapped pair of spans (储备粮 / 储备油) between the moved text and each
  member of the topic it left, the longer side 1–6 characters; a later arrival does not join
  the topic it would join when it holds one side of a taught distinction and every compared
  member of that topic holds the other.  A move into a topic teaches *equivalences*: each
  swapped pair of spans (快递柜 / 智能快件箱; both sides 2–6 characters) with the target's first
  member, rewritten to the target's spelling in the agency's texts before features are
  computed.  Every decision a lesson makes carries its reason (which correction taught it).
  Those are the defaults, chosen on fresh9–fresh13 as first met; ``--learner JSON`` sets
  :class:`Learner`'s fields for the variants tried (``"form": "marker"``: a span only one text
  holds, 冷链食品 / 食品: 冷链; ``"scope": "pair"``: checked against one member; ``rare``,
  ``max_span`` …).

Figures per set (``--first-met``: each set with the code from before the commit that added it,
as ``bench/first_scores.py`` runs it; otherwise the code checked out here):

* corrections per 100 texts when the officer corrects every arrival (all, and those of the
  second half of each agency's arrivals);
* *later arrivals*: the officer corrects only the first half of each agency's arrivals, the
  second half is placed uncorrected; pair precision / recall / F1 over the pairs with at least
  one second-half text, of the final grouping — ``none`` (no corrections at all), ``pairwise``
  and ``learned``.

    .venv/bin/python bench/simulate_corrections.py [--first-met] [--learner JSON] [--show] [set ...]

Own sets only: the shared set is held out.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_SETS = [f"tests/data/grouping_own_fresh{n}.jsonl" for n in (9, 10, 11, 12, 13)]

MODES = ("none", "pairwise", "learned")


# --- what a correction teaches --------------------------------------------------------------


def _sim() -> Any:
    """The similarity package of the code on ``sys.path`` (here, or an old worktree)."""
    from requests_service.domain import similarity

    return similarity


@cache
def request_content(text: str) -> str:
    """The request clauses' content (no story, places, dates or numbers), as the substitution
    veto reads a text."""
    from requests_service.domain.similarity import features as ft
    from requests_service.domain.similarity.normalise import clauses

    marked, slots_of = ft.clause_slots(clauses(text))
    return "".join(s[0] for (_, story), s in zip(marked, slots_of, strict=True) if not story)


def differing_spans(a: str, b: str) -> list[tuple[str, str]]:
    """The spans of ``a`` and ``b`` the alignment does not match, as (a's side, b's side); one
    side is empty where only one text has content."""
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append((a[i1:i2], b[j1:j2]))
    return out


def _rare_chars(s: str) -> int:
    """Characters of ``s`` that no bigram used by three or more own agencies covers (the
    substitution veto's reading of "rare")."""
    from requests_service.domain.similarity import features as ft

    covered = [False] * len(s)
    for i in range(len(s) - 1):
        if ft.GRAM_DF.get(s[i : i + 2], 0) >= 3:
            covered[i] = covered[i + 1] = True
    return covered.count(False)


@dataclass(frozen=True)
class Lesson:
    """One thing an officer's correction taught about the agency's requests."""

    kind: str  # "distinct": one text holding ``a``, the other ``b`` (or lacking ``a``) differ
    a: str  # "same": ``b`` is another spelling of ``a``
    b: str
    reason: str

    def shown(self) -> str:
        if self.kind == "same":
            return f"承办人认定「{self.b}」即「{self.a}」（{self.reason}）"
        if self.b:
            return f"承办人区分「{self.a}」与「{self.b}」（{self.reason}）"
        return f"承办人区分有无「{self.a}」（{self.reason}）"


@dataclass
class Learner:
    """An agency's lessons from its officers' corrections (see the module docstring)."""

    max_span: int = 6
    min_span: int = 1
    whole_topic: bool = True
    form: str = "swap"
    rare: int = 0
    scope: str = "topic"  # a lesson checked against one compared member, or a whole "topic"
    both_ways: bool = True
    same_min: int = 2  # an equivalence's shorter side has at least this many characters
    equate: bool = True
    lessons: list[Lesson] = field(default_factory=list)
    repeats: int = 0

    def _fits(self, x: str, y: str) -> bool:
        longest = max(len(x), len(y))
        if not self.min_span <= longest <= self.max_span:
            return False
        return not self.rare or max(_rare_chars(x), _rare_chars(y)) >= self.rare

    def cannot_link(self, x: str, topic: list[str], reason: str) -> None:
        """``x`` was taken out of the topic whose members' texts are ``topic``.  ``"swap"``
        lessons: each swapped pair of spans of ``x`` and a member; ``"marker"`` lessons: what
        only ``x`` has, against every member, and what every member has and ``x`` lacks."""
        a = request_content(x)
        contents = [request_content(y) for y in (topic if self.whole_topic else topic[:1])]
        for b in contents:
            for sx, sy in differing_spans(a, b):
                if not self._fits(sx, sy):
                    continue
                if self.form == "swap":
                    if sx and sy:
                        self._add(Lesson("distinct", sx, sy, reason))
                    continue
                if sx and not any(sx in c for c in contents):
                    self._add(Lesson("distinct", sx, "", reason))
                if sy and sy not in a and all(sy in c for c in contents):
                    self._add(Lesson("distinct", sy, "", reason))

    def must_link(self, x: str, y: str, reason: str) -> None:
        if not self.equate:
            return
        a, b = request_content(x), request_content(y)
        for sx, sy in differing_spans(a, b):
            if self._fits(sx, sy) and min(len(sx), len(sy)) >= self.same_min:
                # the moved text's spelling (x) is rewritten to the target's (y)
                self._add(Lesson("same", sy, sx, reason))

    def _add(self, lesson: Lesson) -> None:
        # The latest judgement about a pair of spans wins (as a stored constraint's does).
        key = {lesson.a, lesson.b}
        if any({old.a, old.b} == key and old.kind == lesson.kind for old in self.lessons):
            self.repeats += 1  # taught before: this correction met a lesson again
        self.lessons = [
            old for old in self.lessons if {old.a, old.b} != key or old.kind == lesson.kind
        ]
        if lesson not in self.lessons:
            self.lessons.append(lesson)

    def rewrite(self, text: str) -> str:
        for lesson in self.lessons:
            if lesson.kind == "same" and lesson.b in text:
                text = text.replace(lesson.b, lesson.a)
        return text

    def distinction(self, x: str, group: list[str]) -> Lesson | None:
        """The taught distinction between the text ``x`` and the texts ``group`` (members of
        one topic), if any: a side of the lesson that ``x`` holds and none of them does (or,
        ``both_ways``, that they all hold and ``x`` does not)."""
        a = request_content(self.rewrite(x))
        others = [request_content(self.rewrite(y)) for y in group]
        for lesson in self.lessons:
            if lesson.kind != "distinct":
                continue
            for u, v in ((lesson.a, lesson.b), (lesson.b, lesson.a)):
                if not u:
                    continue
                if (
                    u in a
                    and (not v or v not in a)
                    and all(u not in b and (not v or v in b) for b in others)
                ):
                    return lesson
                if self.both_ways and not v and u not in a and all(u in b for b in others):
                    return lesson
        return None


# --- the simulation -------------------------------------------------------------------------


@dataclass
class Run:
    """One agency's arrivals under one mode: the topics, what was corrected and why."""

    topic_of: list[int] = field(default_factory=list)
    corrections: list[int] = field(default_factory=list)  # arrival positions corrected
    repeated: list[int] = field(default_factory=list)  # corrections re-teaching a lesson
    # (arrival, member, why, right): a lesson kept the arrival out of the topic it would have
    # joined; right when that topic's majority gold topic is not the arrival's
    vetoes: list[tuple[int, int, Lesson, bool]] = field(default_factory=list)
    learner: Learner | None = None


def _majority(members: Iterable[int], gold: list[str]) -> str:
    return Counter(gold[m] for m in members).most_common(1)[0][0]


def simulate(
    texts: list[str],
    gold: list[str],
    mode: str,
    *,
    correct_until: int,
    settings: dict[str, Any] | None = None,
) -> Run:
    """Place ``texts`` one at a time; the officer corrects arrivals before ``correct_until``."""
    sim = _sim()
    run = Run(learner=Learner(**(settings or {})) if mode == "learned" else None)
    learner = run.learner
    topic_of = run.topic_of
    members: dict[int, list[int]] = defaultdict(list)
    taught = -1  # lessons the features below were computed with
    feats: list[Any] = []
    keys_of: list[list[str]] = []
    profiles: dict[int, Any] = {}

    for j, text in enumerate(texts):
        if learner is not None and len(learner.lessons) != taught:
            taught = len(learner.lessons)  # lessons only grow or change: recompute all
            for i in range(j):
                feats[i], keys_of[i] = _features(sim, learner, texts[i])
            profiles = {t: _profile(sim, ms, feats) for t, ms in members.items() if ms}
        f, keys = _features(sim, learner, text)
        ranked = _ranked(keys, keys_of, sim.MAX_CANDIDATES)
        cands = [(i, topic_of[i], feats[i]) for i in ranked]
        choice = sim.assign(f, cands, profiles=profiles)
        if learner is not None:
            forbidden = _taught_vetoes(learner, text, texts, ranked, topic_of, sim.PER_TOPIC)
            if choice.topic in forbidden:  # a lesson keeps it out of the topic it would join
                i, lesson = forbidden[int(choice.topic)]
                right = _majority(members[int(choice.topic)], gold) != gold[j]
                run.vetoes.append((j, i, lesson, right))
                choice = sim.assign(f, cands, profiles=profiles, forbidden_topics=set(forbidden))
        feats.append(f)
        keys_of.append(keys)
        topic = j if choice.topic is None else int(choice.topic)
        topic_of.append(topic)
        members[topic].append(j)
        if j < correct_until:
            _officer(j, texts, gold, topic_of, members, run)
        for t in {topic, topic_of[j]}:
            profiles[t] = _profile(sim, members[t], feats) if members[t] else None
    return run


def _features(sim: Any, learner: Learner | None, text: str) -> tuple[Any, list[str]]:
    """A text's features and index keys (band keys, slot keys), after the taught rewrites."""
    if learner is not None:
        text = learner.rewrite(text)
    f = sim.features_of(text)
    return f, sim.band_keys(sim.signature(text)) + sim.slot_keys(f)


def _profile(sim: Any, members: list[int], feats: list[Any]) -> Any:
    """A topic's merged slots, as the service recounts them after a correction."""
    merged = None
    for m in members:
        merged = feats[m] if merged is None else sim.merge_slots(merged, feats[m])
    return merged


def _ranked(keys: list[str], keys_of: list[list[str]], limit: int) -> list[int]:
    """Earlier texts sharing most keys with a new one (ties: latest first), as intake ranks."""
    counts: Counter[int] = Counter()
    for key in set(keys):
        counts.update(i for i, theirs in enumerate(keys_of) if key in theirs)
    return sorted(counts, key=lambda i: (-counts[i], -i))[:limit]


def _taught_vetoes(
    learner: Learner,
    text: str,
    texts: list[str],
    ranked: list[int],
    topic_of: list[int],
    per_topic: int,
) -> dict[int, tuple[int, Lesson]]:
    """Topics a taught distinction keeps ``text`` out of, each with the member and lesson."""
    compared: dict[int, list[int]] = defaultdict(list)
    for i in ranked:  # as assign compares them: a topic's best-ranked few
        if len(compared[topic_of[i]]) < per_topic:
            compared[topic_of[i]].append(i)
    forbidden: dict[int, tuple[int, Lesson]] = {}
    for topic, group in compared.items():
        for i in group if learner.scope == "pair" else group[:1]:
            them = [texts[i]] if learner.scope == "pair" else [texts[m] for m in group]
            lesson = learner.distinction(text, them)
            if lesson is not None:
                forbidden[topic] = (i, lesson)
                break
    return forbidden


def _officer(
    j: int,
    texts: list[str],
    gold: list[str],
    topic_of: list[int],
    members: dict[int, list[int]],
    run: Run,
) -> None:
    """Correct arrival ``j`` if its placement is wrong by the gold labels, as the service's
    move (or split) stores it; the learner reads the stored constraints."""
    placed = topic_of[j]
    others = [m for m in members[placed] if m != j]
    joined_wrong = bool(others) and _majority(others, gold) != gold[j]
    targets = [
        t for t, ms in members.items() if t != placed and ms and _majority(ms, gold) == gold[j]
    ]
    if not joined_wrong and (others or not targets):
        return
    run.corrections.append(j)
    members[placed].remove(j)
    learner = run.learner
    known = learner.repeats if learner is not None else 0
    if targets:
        target = max(targets, key=lambda t: (len(members[t]), -t))
        first = members[target][0]
        if learner is not None:
            learner.must_link(texts[j], texts[first], f"申请{j + 1}移入申请{first + 1}所在主题")
        topic_of[j] = target
        members[target].append(j)
        members[target].sort()
    else:
        topic_of[j] = j  # split out: a topic of its own
        members[j].append(j)
    if joined_wrong and learner is not None:
        left = others[0]
        learner.cannot_link(
            texts[j], [texts[m] for m in others], f"申请{j + 1}与申请{left + 1}所在主题不属同一信息"
        )
    if learner is not None and learner.repeats > known:
        run.repeated.append(j)


# --- scoring --------------------------------------------------------------------------------


@dataclass
class Tally:
    true: int = 0
    predicted: int = 0
    correct: int = 0

    def add(self, same_gold: bool, same_pred: bool) -> None:
        self.true += same_gold
        self.predicted += same_pred
        self.correct += same_gold and same_pred

    def prf(self) -> tuple[float, float, float]:
        p = self.correct / self.predicted if self.predicted else 1.0
        r = self.correct / self.true if self.true else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Totals:
    """A set's figures, summed over its agencies."""

    later: dict[str, Tally] = field(default_factory=lambda: {m: Tally() for m in MODES})
    fixes: dict[str, list[int]] = field(  # corrections: all, second half
        default_factory=lambda: {m: [0, 0] for m in MODES[1:]}
    )
    vetoes: dict[str, int] = field(default_factory=lambda: {"right": 0, "wrong": 0})
    taught: dict[str, int] = field(  # lessons when the officer corrects every arrival
        default_factory=lambda: {"distinct": 0, "same": 0, "repeated": 0}
    )


def _measure_agency(
    texts: list[str], gold: list[str], settings: dict[str, Any], show: bool, totals: Totals
) -> None:
    half = len(texts) // 2
    for mode in MODES[1:]:
        run = simulate(texts, gold, mode, correct_until=len(texts), settings=settings)
        totals.fixes[mode][0] += len(run.corrections)
        totals.fixes[mode][1] += sum(1 for j in run.corrections if j >= half)
        for lesson in run.learner.lessons if run.learner is not None else ():
            totals.taught[lesson.kind] += 1
        totals.taught["repeated"] += len(run.repeated)
    for mode in MODES:
        until = 0 if mode == "none" else half
        run = simulate(texts, gold, mode, correct_until=until, settings=settings)
        for a, b in combinations(range(len(texts)), 2):
            if b >= half:
                totals.later[mode].add(gold[a] == gold[b], run.topic_of[a] == run.topic_of[b])
        for j, i, lesson, right in run.vetoes:
            totals.vetoes["right" if right else "wrong"] += 1
            if show:
                mark = "ok " if right else "BAD"
                print(f"  {mark} {texts[j]}  ≠  {texts[i]}\n        {lesson.shown()}")
        if show and run.learner is not None:
            for lesson in run.learner.lessons:
                print(f"  lesson: {lesson.shown()}")


def evaluate_set(path: str, settings: dict[str, Any], show: bool) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    agencies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        agencies[row["agency"]].append(row)
    totals = Totals()
    for agency_rows in agencies.values():
        texts = [r["text"] for r in agency_rows]
        gold = [r["topic"] for r in agency_rows]
        _measure_agency(texts, gold, settings, show, totals)
    return {
        "texts": len(rows),
        "later_texts": sum(len(a) - len(a) // 2 for a in agencies.values()),
        "later": {m: totals.later[m].prf() for m in MODES},
        "fixes": totals.fixes,
        "vetoes": totals.vetoes,
        "taught": totals.taught,
    }


def _print(name: str, where: str, res: dict[str, Any]) -> None:
    n, n2 = res["texts"], res["later_texts"]
    print(f"{name} ({where}): {n} texts, {n2} later arrivals")
    for mode in MODES:
        p, r, f1 = res["later"][mode]
        line = f"  {mode:9s} later P {p:.3f}  R {r:.3f}  F1 {f1:.3f}"
        if mode in res["fixes"]:
            every, second = res["fixes"][mode]
            line += (
                f"   corrections/100 texts {100 * every / n:5.1f}"
                f"  (second half {100 * second / n2:5.1f})"
            )
        print(line)
    v = res["vetoes"]
    t = res["taught"]
    print(
        f"  lessons (every arrival corrected): {t['distinct']} distinctions, {t['same']} "
        f"equivalences; corrections that met a lesson taught before: {t['repeated']}; "
        f"vetoes of later arrivals: {v['right']} right, {v['wrong']} wrong"
    )


# --- running on the code each set first met -------------------------------------------------


def _inner(path: str, settings: dict[str, Any], show: bool) -> None:
    print("RESULT " + json.dumps(evaluate_set(path, settings, show), ensure_ascii=False))


def _first_met(relpath: str, settings: dict[str, Any], show: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from first_scores import _git, adding_commit

    commit = adding_commit(relpath)
    if commit is None:
        print(f"{relpath}: no commit adds it in this history: skipped")
        return
    tmp = Path(tempfile.mkdtemp(prefix="simulate-corrections-"))
    worktree = tmp / "wt"
    try:
        _git("worktree", "add", "--detach", str(worktree), commit + "^")
        (worktree / relpath).write_text(_git("show", f"{commit}:{relpath}") + "\n")
        args = [sys.executable, str(Path(__file__).resolve()), "--inner", "--code", str(worktree)]
        args += ["--learner", json.dumps(settings), relpath] + (["--show"] if show else [])
        done = subprocess.run(
            args,
            cwd=worktree,
            env={**os.environ, "PYTHONPATH": str(worktree)},
            capture_output=True,
            text=True,
        )
        if done.returncode:  # not hidden: the bench smoke test runs this path
            raise SystemExit(f"{relpath}: failed:\n{done.stderr[-3000:]}")
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                _print(Path(relpath).name, f"before {commit[:7]}", json.loads(line[7:]))
            else:
                print(line)
    finally:
        if worktree.exists():
            _git("worktree", "remove", "--force", str(worktree))
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--first-met", action="store_true", help="the code before each set")
    parser.add_argument("--learner", default="{}", help="JSON: Learner settings")
    parser.add_argument("--show", action="store_true", help="print lessons and vetoes")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, args.code)
    paths = args.paths or DEFAULT_SETS
    settings = json.loads(args.learner)
    for path in paths:
        relpath = str(Path(path).resolve().relative_to(Path(args.code).resolve()))
        if "requests_dev" in relpath:
            raise SystemExit("the shared set is held out: own sets only")
        if args.inner:
            _inner(relpath, settings, args.show)
        elif args.first_met:
            _first_met(relpath, settings, args.show)
        else:
            _print(Path(relpath).name, "here", evaluate_set(relpath, settings, args.show))


if __name__ == "__main__":
    main()
