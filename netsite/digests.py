"""The one content digest netsite uses: the output manifest and every cache key must agree on it."""

from __future__ import annotations

import hashlib

from .workers import pickled


def digest(data: bytes) -> str:
    """Return a short content digest."""
    # SHA-256 rather than BLAKE2b: where the CPU has SHA instructions (most x86 and ARM of recent
    # years) it is faster, the more so the longer the data: a cold build at 10,000 contacts digests
    # 98 MB in 0.089 s of CPU instead of 0.114 s, a list of everyone (6 MB) in 3 ms instead of 6.
    return hashlib.sha256(data).hexdigest()[:32]


def value_digest(value: object) -> str:
    """Digest plain data by value: strings, numbers, None, dates, and tuples, lists, dicts and
    dataclasses of them.

    Pickled without a memo (workers.pickled), equal values give the same bytes whichever objects
    hold them, at a third of the cost of their repr (a list of 10,000 tuples: 2 ms rather than 7).
    Dicts give their items in insertion order; a set would give its own order in each process (as
    its repr would), so none is digested.
    """
    return digest(pickled(value))
