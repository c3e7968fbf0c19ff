"""Each own labelled set scored as the rules first met it: with the code from before its commit.

A set is written before the round that tunes on it, so the code just before the commit that
added the set had never seen its texts: that score is the honest figure for requests of a new
kind (README's "first scored, unseen" column; a set committed with the rules that fixed it is
still scored with the code before them).  A generic change to the grouping is judged by what it
does there, not on the tuned sets: ``--hook FILE`` installs an experiment into that old code
before scoring (``FILE`` defines ``install(args)``, which patches the modules of
``requests_service.domain.similarity`` it finds; ``--hook-args`` is a JSON object handed to
it) and prints both figures.  Own sets only: the shared set is held out.

    .venv/bin/python bench/first_scores.py [--hook FILE] [--hook-args JSON] [--at-head] [set ...]

``--at-head`` scores with the code checked out here instead (what an experiment costs on the
sets the current rules are tuned on).

Without sets, every ``tests/data/grouping_own_fresh*.jsonl``.  Each set is scored in a detached
git worktree of the parent of its commit, with the set as that commit wrote it (in a temporary
folder, removed afterwards); a set whose commit the history does not hold (a shallow clone) is
reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run inside the old worktree: its own code and its own copy of the set.
_RUNNER = """
import importlib.util, json, sys
sys.path.insert(0, ".")
path, hook, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if hook:
    spec = importlib.util.spec_from_file_location("first_scores_hook", hook)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install(args)
from requests_service.domain.similarity import evaluation as ev
t, _ = ev.evaluate(ev.load(path), ev.service_grouper())
print(json.dumps([t.texts, t.precision, t.recall, t.f1, t.near_miss_merged, t.near_miss_texts]))
"""


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def adding_commit(relpath: str) -> str | None:
    """The commit that first added ``relpath`` (None when the history does not hold it)."""
    try:
        found = _git("log", "--diff-filter=A", "--format=%H", "--", relpath).splitlines()
    except (OSError, subprocess.CalledProcessError):  # no git, or not a repository
        return None
    return found[-1] if found else None


def _score(worktree: Path, relpath: str, hook: str, hook_args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, relpath, hook, hook_args],
        cwd=worktree,
        env={**os.environ, "PYTHONPATH": str(worktree)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    texts, p, r, f1, merged, near = json.loads(done.stdout.strip().splitlines()[-1])
    return f"texts {texts:4d}  P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  near-miss merged {merged}/{near}"


def _report(name: str, where: str, tree: Path, relpath: str, hook: str, hook_args: str) -> None:
    print(f"{name:32s} {where:14s} {_score(tree, relpath, '', '{}')}")
    if hook:
        print(f"{'  with ' + Path(hook).name:47s} {_score(tree, relpath, hook, hook_args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--hook", type=Path, help="a file defining install(args)")
    parser.add_argument("--hook-args", default="{}", help="JSON object handed to install")
    parser.add_argument("--at-head", action="store_true", help="score with the code checked out")
    args = parser.parse_args()
    paths = args.paths or sorted((ROOT / "tests" / "data").glob("grouping_own_fresh*.jsonl"))
    hook = str(args.hook.resolve()) if args.hook else ""
    json.loads(args.hook_args)  # fail here, not in every worktree
    for path in paths:
        relpath = str(path.resolve().relative_to(ROOT))
        if "requests_dev" in relpath:
            raise SystemExit("the shared set is held out: own sets only")
        if args.at_head:
            _report(path.name, "here", ROOT, relpath, hook, args.hook_args)
            continue
        commit = adding_commit(relpath)
        if commit is None:
            print(f"{path.name:32s} no commit adds it in this history: skipped")
            continue
        tmp = Path(tempfile.mkdtemp(prefix="first-scores-"))
        worktree = tmp / "wt"
        try:
            _git("worktree", "add", "--detach", str(worktree), commit + "^")
            (worktree / relpath).write_text(_git("show", f"{commit}:{relpath}") + "\n")
            _report(path.name, f"before {commit[:7]}", worktree, relpath, hook, args.hook_args)
        finally:
            if worktree.exists():
                _git("worktree", "remove", "--force", str(worktree))
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
