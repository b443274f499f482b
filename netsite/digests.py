"""The one content digest netsite uses: the output manifest and every cache key must agree on it."""

from __future__ import annotations

import hashlib


def digest(data: bytes) -> str:
    """Return a short content digest."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
