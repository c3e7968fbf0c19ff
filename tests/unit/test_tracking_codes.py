"""Tracking codes and secrets: their shape, and every symbol of the alphabet drawn."""

from __future__ import annotations

import re
from collections import Counter

from requests_service.services.tracking import (
    _ALPHABET,
    hash_secret,
    new_tracking_code,
    new_tracking_secret,
    normalise_code,
    secret_matches,
)

SYMBOL = f"[{_ALPHABET}]"
CODE = re.compile(rf"YS{SYMBOL}{{4}}-{SYMBOL}{{4}}-{SYMBOL}{{4}}-{SYMBOL}{{4}}")
SECRET = re.compile(rf"{SYMBOL}{{10}}")


def test_shapes() -> None:
    for _ in range(200):
        code, secret = new_tracking_code(), new_tracking_secret()
        assert CODE.fullmatch(code), code
        assert SECRET.fullmatch(secret), secret
        assert normalise_code(code.lower()) == code
        assert secret_matches(secret.lower(), hash_secret(secret, "k"), "k")


def test_every_symbol_in_every_position_roughly_evenly() -> None:
    """Each position is uniform over the 32 symbols (expected 250 of each in 8,000 draws;
    the bounds are more than 6 standard deviations wide)."""
    draws = [new_tracking_code().replace("-", "")[2:] for _ in range(8000)]
    for position in (0, 7, 15):
        counts = Counter(d[position] for d in draws)
        assert set(counts) == set(_ALPHABET)
        assert min(counts.values()) > 150 and max(counts.values()) < 350, counts
    secrets_ = Counter(new_tracking_secret()[9] for _ in range(8000))
    assert set(secrets_) == set(_ALPHABET)
    assert min(secrets_.values()) > 150 and max(secrets_.values()) < 350, secrets_


def test_all_distinct() -> None:
    assert len({new_tracking_code() for _ in range(5000)}) == 5000
