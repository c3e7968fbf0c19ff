"""How an Idempotency-Key's stored response keeps its secrets (issue 15).

A retried submission must get the very answer the first one got — tracking secret included —
yet the ``idempotency_keys`` table must not hold that secret readably: whoever reads the
database (a backup, a replica, a support query) could otherwise track and act on every case.
The secret fields are sealed with a key derived from ``SECRET_KEY`` and bound to the
idempotency key, so a row opens only in the service and only for the key it was stored under.

Only the standard library: the sealing is HMAC-SHA256 as a keystream (counter mode) and an
HMAC-SHA256 tag over nonce, key and ciphertext (encrypt-then-MAC).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from requests_service.domain.errors import Conflict

SECRET_FIELDS = ("tracking_secret",)
SEALED = "sealed"
_NONCE_BYTES = 16
_TAG_BYTES = 32


class ReplayUnavailable(Conflict):
    """The stored answer cannot be opened (SECRET_KEY changed since it was stored)."""


def _subkey(secret_key: str, purpose: str) -> bytes:
    label = f"idempotency-replay:{purpose}".encode()
    return hmac.new(secret_key.encode(), label, hashlib.sha256).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = bytearray()
    counter = 0
    while len(blocks) < length:
        blocks += hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(blocks[:length])


def _tag(key: bytes, nonce: bytes, idempotency_key: str, ciphertext: bytes) -> bytes:
    bound = idempotency_key.encode()
    message = nonce + len(bound).to_bytes(4, "big") + bound + ciphertext
    return hmac.new(key, message, hashlib.sha256).digest()


def seal(body: Mapping[str, Any], *, secret_key: str, idempotency_key: str) -> dict[str, Any]:
    """The body to store: secret fields removed, sealed together under ``sealed``."""
    stored = {k: v for k, v in body.items() if k not in SECRET_FIELDS}
    hidden = {k: body[k] for k in SECRET_FIELDS if k in body}
    if not hidden:
        return stored
    plaintext = json.dumps(hidden, ensure_ascii=False).encode()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    stream = _keystream(_subkey(secret_key, "encrypt"), nonce, len(plaintext))
    ciphertext = bytes(a ^ b for a, b in zip(plaintext, stream, strict=True))
    tag = _tag(_subkey(secret_key, "authenticate"), nonce, idempotency_key, ciphertext)
    stored[SEALED] = base64.urlsafe_b64encode(nonce + ciphertext + tag).decode()
    return stored


def unseal(stored: Mapping[str, Any], *, secret_key: str, idempotency_key: str) -> dict[str, Any]:
    """The body as first answered. Rows stored before sealing existed come back as they are."""
    body = {k: v for k, v in stored.items() if k != SEALED}
    token = stored.get(SEALED)
    if token is None:
        return body
    try:
        raw = base64.urlsafe_b64decode(str(token).encode())
    except ValueError:
        raw = b""
    nonce, ciphertext, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    expected = _tag(_subkey(secret_key, "authenticate"), nonce, idempotency_key, ciphertext)
    if len(raw) <= _NONCE_BYTES + _TAG_BYTES or not hmac.compare_digest(tag, expected):
        raise ReplayUnavailable(
            "无法重现此前的提交结果（服务器密钥已更换）。请凭查询码联系受理机关找回查询密码。"
        )
    stream = _keystream(_subkey(secret_key, "encrypt"), nonce, len(ciphertext))
    plaintext = bytes(a ^ b for a, b in zip(ciphertext, stream, strict=True))
    body.update(json.loads(plaintext))
    return body
