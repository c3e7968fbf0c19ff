"""Public tracking: an unguessable code the applicant quotes, and a secret proving it is theirs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# Crockford base32 without I, L, O, U: easy to read aloud over the phone, no ambiguous glyphs.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# One call to the system's random source per value (issue 16: ``secrets.choice`` per character
# cost 26 calls a submission): base32 of random bytes, each 5-bit group one of the 32 symbols
# with equal odds, as ``secrets.choice`` draws them, spelt in the Crockford alphabet above.
_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def _random_symbols(count: int) -> str:
    """``count`` (at most 16) independent uniform symbols of ``_ALPHABET``."""
    encoded = base64.b32encode(secrets.token_bytes(10))  # 80 bits: 16 whole symbols
    return encoded[:count].translate(_FROM_BASE32).decode()


def new_tracking_code() -> str:
    """'YS' + 16 random base32 characters = 80 bits: cannot be enumerated."""
    body = _random_symbols(16)
    return f"YS{body[:4]}-{body[4:8]}-{body[8:12]}-{body[12:]}"


def new_tracking_secret() -> str:
    return _random_symbols(10)


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
