"""The one content digest netsite uses: the output manifest and every cache key must agree on it."""

from __future__ import annotations

import hashlib


def digest(data: bytes) -> str:
    """Return a short content digest."""
    # SHA-256 rather than BLAKE2b: where the CPU has SHA instructions (most x86 and ARM of recent
    # years) it is faster, the more so the longer the data: a cold build at 10,000 contacts digests
    # 98 MB in 0.089 s of CPU instead of 0.114 s, a list of everyone (6 MB) in 3 ms instead of 6.
    return hashlib.sha256(data).hexdigest()[:32]
