"""Tokens and join codes. Tokens are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import IO

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


def open_private(path: Path | str, mode: str = "w") -> IO[str]:
    """Open ``path`` for writing text, readable and writable by this user only (0600), whatever
    the umask: exports and secrets hold people's words and keys."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that existed keeps its old mode otherwise
    return os.fdopen(fd, mode, encoding="utf-8", newline="")


def write_private(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` readable and writable by this user only (0600), as open_private."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then gives its -wal and
    -shm files the same mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
