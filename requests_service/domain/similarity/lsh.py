"""MinHash signatures and LSH band keys: the cheap candidate search in front of the exact score.

Keys are strings like ``"07:3fa1…"``, stable across processes and machines (no Python
``hash()``), so the service stores one row per (application, band key) in an indexed table and
every process shares the index.  The signature is taken over the character bigrams of
:func:`~.normalise.normalise` of the whole text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from random import Random
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from requests_service.domain.similarity.normalise import normalise

Tokenizer = Literal["char", "jieba"]
U64 = npt.NDArray[np.uint64]

SHINGLE_K: Final = 2
"""Character n-gram size of :func:`shingles`."""

DEFAULT_TOKENIZER: Final[Tokenizer] = "char"

NUM_PERM: Final = 128
BANDS: Final = 42
ROWS: Final = 3
"""42 bands × 3 rows (126 of the 128 MinHash values): a pair with Jaccard s shares at least one
band key with probability 1 − (1 − s³)⁴²: 0.996 at s = 0.5, 0.93 at 0.4, 0.68 at 0.3,
0.29 at 0.2."""

SEED: Final = 20_190_515  # the revised Regulations' entry into force; any fixed value will do


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
_BLOCK: Final = 512
"""Bigrams per block in :func:`signatures`: a block's hashes (512 × 128 × 8 bytes) stay in
the L2 cache."""


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
    # Whole documents in blocks of about _BLOCK bigrams: each block's bigrams × NUM_PERM
    # hashes stay in the cache while their minima are taken.
    total = len(x)
    d0 = 0
    while d0 < len(docs):
        d1 = max(d0 + 1, int(np.searchsorted(seg_starts, seg_starts[d0] + _BLOCK)))
        lo, hi = seg_starts[d0], seg_starts[d1] if d1 < len(docs) else total
        hashed = np.multiply.outer(x[lo:hi], _A)  # (a·x + b) mod 2⁶⁴ >> 32: below 2³²
        hashed += _B
        hashed >>= _S32
        out[docs[d0:d1]] = np.minimum.reduceat(hashed, seg_starts[d0:d1] - lo, axis=0)
        d0 = d1
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
