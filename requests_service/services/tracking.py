"""Public tracking: an unguessable code the applicant quotes, and a secret proving it is theirs."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford base32 without I, L, O, U: easy to read aloud over the phone, no ambiguous glyphs.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_tracking_code() -> str:
    """'YS' + 16 random base32 characters = 80 bits: cannot be enumerated."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "YS" + "-".join(body[i : i + 4] for i in range(0, 16, 4))


def new_tracking_secret() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def normalise_code(code: str) -> str:
    return code.strip().upper()


def hash_secret(secret: str, key: str) -> str:
    return hmac.new(key.encode(), secret.strip().upper().encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, stored_hash: str, key: str) -> bool:
    return hmac.compare_digest(hash_secret(secret, key), stored_hash)


def sign_download(letter_id: int, expires: int, key: str) -> str:
    """HMAC of a letter download link (letter id + expiry, Unix seconds)."""
    message = f"letter-download:{letter_id}:{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def signed_download_path(letter_id: int, *, key: str, now: float, lifetime: int) -> str:
    """A short-lived link the applicant can open without headers (a plain <a href>)."""
    expires = int(now) + lifetime
    signature = sign_download(letter_id, expires, key)
    return f"/public/letters/{letter_id}/download?expires={expires}&signature={signature}"


def download_signature_valid(letter_id: int, expires: int, signature: str, key: str) -> bool:
    return hmac.compare_digest(sign_download(letter_id, expires, key), signature)
