"""Tokens and join codes. Tokens are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V: codes are read off a projector and typed on a phone.
JOIN_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
JOIN_CODE_LENGTH = 6


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """What people type: any case, with spaces or dashes."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def new_event_id() -> str:
    return secrets.token_hex(5)
