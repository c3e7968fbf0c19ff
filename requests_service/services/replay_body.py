"""How an Idempotency-Key's stored response keeps its secrets (issue 15).

A retried submission must get the very answer the first one got — tracking secret included —
yet the ``idempotency_keys`` table must not hold that secret readably: whoever reads the
database (a backup, a replica, a support query) could otherwise track and act on every case.
The secret fields are sealed with a key derived from ``SECRET_KEY`` and bound to the
idempotency key, so a row opens only in the service and only for the key it was stored under.

The sealing is AES-256-GCM from ``cryptography`` (a maintained, audited library rather than a
construction of our own), with the idempotency key as associated data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from requests_service.domain.errors import Conflict

SECRET_FIELDS = ("tracking_secret",)
SEALED = "sealed"
_NONCE_BYTES = 12  # GCM's standard nonce; random per row, never reused in practice (96 bits)


class ReplayUnavailable(Conflict):
    """The stored answer cannot be opened (SECRET_KEY changed since it was stored)."""


def _cipher(secret_key: str) -> AESGCM:
    # A subkey for this one purpose: SECRET_KEY also keys tracking secrets and fingerprints.
    key = hmac.new(secret_key.encode(), b"idempotency-replay:aes-gcm", hashlib.sha256).digest()
    return AESGCM(key)


def seal(body: Mapping[str, Any], *, secret_key: str, idempotency_key: str) -> dict[str, Any]:
    """The body to store: secret fields removed, sealed together under ``sealed``."""
    stored = {k: v for k, v in body.items() if k not in SECRET_FIELDS}
    hidden = {k: body[k] for k in SECRET_FIELDS if k in body}
    if not hidden:
        return stored
    plaintext = json.dumps(hidden, ensure_ascii=False).encode()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _cipher(secret_key).encrypt(nonce, plaintext, idempotency_key.encode())
    stored[SEALED] = base64.urlsafe_b64encode(nonce + sealed).decode()
    return stored


def unseal(stored: Mapping[str, Any], *, secret_key: str, idempotency_key: str) -> dict[str, Any]:
    """The body as first answered. Rows stored before sealing existed come back as they are."""
    body = {k: v for k, v in stored.items() if k != SEALED}
    token = stored.get(SEALED)
    if token is None:
        return body
    try:
        raw = base64.urlsafe_b64decode(str(token).encode())
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        plaintext = _cipher(secret_key).decrypt(nonce, sealed, idempotency_key.encode())
    except (ValueError, InvalidTag):
        raise ReplayUnavailable(
            "无法重现此前的提交结果（服务器密钥已更换）。请凭查询码联系受理机关找回查询密码。"
        ) from None
    body.update(json.loads(plaintext))
    return body
