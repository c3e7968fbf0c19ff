"""Shared statutory test vectors (vectors.json, rules.md §b and §d).

The repository carries its own copy in ``tests/data/vectors.json`` so CI is self-contained; the
shared copy next to rules.md is used only when the repository copy is missing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from requests_service.domain.calendar import WorkingCalendar, load_bundled_arrangements
from requests_service.domain.deadline_calculator import evaluate_deadline_vector
from requests_service.domain.fees import evaluate_fee_vector

REPO_COPY = Path(__file__).resolve().parents[1] / "data" / "vectors.json"
SHARED_COPY = Path(__file__).resolve().parents[2] / ".." / "shared" / "domain" / "vectors.json"


def _load() -> list[dict[str, Any]]:
    path = REPO_COPY if REPO_COPY.exists() else SHARED_COPY
    return json.loads(path.read_text(encoding="utf-8"))["vectors"]


VECTORS = _load()
CAL = WorkingCalendar(load_bundled_arrangements())


def _by_kind(kind: str) -> list[Any]:
    return [pytest.param(v, id=v["id"]) for v in VECTORS if v["kind"] == kind]


def test_vectors_cover_both_kinds() -> None:
    kinds = {v["kind"] for v in VECTORS}
    assert {"deadline", "fee"} <= kinds


def test_repo_copy_matches_shared_copy_when_available() -> None:
    if not (REPO_COPY.exists() and SHARED_COPY.exists()):
        pytest.skip("only one copy of vectors.json is present")
    assert json.loads(REPO_COPY.read_text("utf-8")) == json.loads(SHARED_COPY.read_text("utf-8"))


@pytest.mark.parametrize("vector", _by_kind("deadline"))
def test_deadline_vector(vector: dict[str, Any]) -> None:
    out = evaluate_deadline_vector(CAL, vector["inputs"])
    for key, expected in vector["expected"].items():
        assert key in out, key
        if isinstance(expected, bool):
            assert out[key] is expected, key
        else:
            assert out[key] == expected, key
    assert isinstance(out["explanation"], list)
    assert out["explanation"]


@pytest.mark.parametrize("vector", _by_kind("fee"))
def test_fee_vector(vector: dict[str, Any]) -> None:
    out = evaluate_fee_vector(vector["inputs"])
    for key, expected in vector["expected"].items():
        assert key in out, key
        if key == "yuan":
            assert Decimal(out[key]) == Decimal(str(expected))
        else:
            assert out[key] == expected, key
    assert out["explanation"]
