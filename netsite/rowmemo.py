"""Rows of the long pages, kept from build to build: an edit of one contact makes its rows, not everyone's.

The contacts list, the referral tree, the Due page and the calendar show a row (or an event) for
each contact or due item: ten thousand of each at 10,000 contacts. A row shows its contact's front
matter, the global key (TODAY, the rules, the config) and a little of the rest of the network:
its place (the contact's degree and referrer, its company and tag pages, its branch's size, its
due item; each page says which). So a row made before from the same front matter, for the same
global key and in the same place, is the same row. While the shape of the network is the same
(`PageKeys.shape`: every id and name, the referral forest, the slugs) no row's place can have
changed, and places are not even compared; after a change of shape (a contact added or renamed),
they are, and only the rows whose place moved are made again. Where a row's place shows no more of
the network than its contact's page (the contacts list, the calendar; not the tree, whose nodes
show the size of their branch), only the places of the contacts whose pages the change can reach
(`PageKeys.moved`) are compared.

A page asks for its rows as one block of bytes (`RowMemo.block`), and the rows are kept as the
bytes they were written as: one blob, each row's end in it, and its key, front matter digest and
place in lists beside. Rows kept in the blob's order are copied as a run, so a block of ten thousand
rows in which one changed is three copies, not ten thousand strings joined, widened to the widest
character any of them holds and encoded again (at 10,000 contacts the contacts list is 6 MB). A
template page gets a marker where its block goes (`hold`), and the block is put in the page's bytes
after Jinja rendered the rest (`fill`).

Each page keeps its rows in a file of the cache, read by the process that renders the page and
written by it when a row changed, from the first build on: the first edit after it is the one a
user waits for. An edit changes a row or two of ten thousand, so what changed since the file was
written whole goes in a small delta file beside it (the file's token says which file it belongs
to), and the rows are written whole again only once the delta holds many of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

from . import cache as caching

DELTA_LEAST = 64  # a delta may hold this many changed rows, however short the page,
DELTA_SHARE = 16  # or one row in this many; beyond that the page's rows are written whole again
Row = tuple[str, str, bytes]  # a kept row: its contact's front matter digest, its place (as kept), its bytes
_MADE = -2  # in a block's positions, a row not copied from the blob (-2 + 1 is no position either)


class KeptRows:
    """The rows a page kept: key -> Row, in a blob with each row's end, and rows made since (`over`)."""

    def __init__(
        self,
        keys: list[Hashable],
        fronts: list[str],
        places: list[str],
        blob: bytes,
        ends: list[int],
        over: Mapping[Hashable, Row] | None = None,
        dropped: Iterable[Hashable] = (),
    ) -> None:
        self.fronts, self.places, self.blob, self.ends = fronts, places, blob, ends
        self.over = dict(over or {})  # rows made after the blob was written, which win over its own
        self.index = dict(zip(keys, range(len(keys)), strict=True))  # where in the blob each row is
        for key in [*self.over, *dropped]:
            self.index.pop(key, None)

    @classmethod
    def of(cls, rows: Mapping[Hashable, Row]) -> KeptRows:
        """Return rows given as a mapping, kept in a blob."""
        values = list(rows.values())
        blob = b"".join(row for _, _, row in values)
        ends = list(accumulate(len(row) for _, _, row in values))
        return cls(list(rows), [v[0] for v in values], [v[1] for v in values], blob, ends)

    def __len__(self) -> int:
        return len(self.index) + len(self.over)

    def keys(self) -> set[Hashable]:
        return self.index.keys() | self.over.keys()

    def get(self, key: Hashable) -> Row | None:
        """Return the row of key, if kept."""
        j = self.index.get(key)
        if j is None:
            return self.over.get(key)
        return self.fronts[j], self.places[j], self.span(j, j + 1)

    def span(self, first: int, stop: int) -> bytes:
        """Return the bytes of the blob's rows first to stop (excluded), one after the other."""
        return self.blob[self.ends[first - 1] if first else 0 : self.ends[stop - 1]]

    def as_dict(self) -> dict[Hashable, Row]:
        """Return every row kept by its key (for tests and checks: a build never needs them all)."""
        return {key: row for key in self.keys() if (row := self.get(key)) is not None}


@dataclass
class Kept:
    """What a page's rows file holds: its token, and the rows made and dropped since (its delta)."""

    token: str
    made: dict[Hashable, Row]
    dropped: set[Hashable]

    def delta(self, memo: RowMemo) -> Kept | None:
        """Return the delta of the rows of memo's render, if small enough to keep (else None)."""
        dropped = memo.dropped()
        made = {k: v for k, v in self.made.items() if k not in dropped}
        made.update(memo.made)
        if len(made) + len(self.dropped | dropped) > max(DELTA_LEAST, memo.used() // DELTA_SHARE):
            return None
        return Kept(self.token, made, self.dropped | dropped)


@dataclass
class _Block:
    """A block of rows a render made: their keys and fronts, where in the blob each was copied from
    (or _MADE), and the rows not copied (by position; a row with no front is shown but not kept)."""

    keys: list[Hashable]
    fronts: list[str | None]
    at: list[int]
    own: dict[int, tuple[str | None, str | None, bytes]]


class RowMemo:
    """The rows of one page kept by an earlier build, and those of this render."""

    def __init__(
        self,
        rows: KeptRows,
        fronts: Mapping[str, str],
        same_shape: bool = True,
        moved: Container[str] | None = None,
    ) -> None:
        self.rows, self.fronts = rows, fronts  # fronts: contact id -> the digest of its front matter now
        self.same_shape = same_shape  # the rows were kept for this shape: their places need no check
        # After a change of shape, the contacts whose rows may have moved, if known (None: any may).
        self.moved = moved
        self.made: dict[Hashable, Row] = {}  # the rows this render made, to be kept
        self.blocks: list[_Block] = []
        self.held: list[tuple[bytes, bytes]] = []  # (marker, block) of the blocks a template page holds
        self.kept: Kept | None = None  # what the rows file holds, when rows were read from it

    def block(
        self,
        keys: list[Hashable],
        ids: list[str],
        make: Callable[[int], bytes],
        place: Callable[[int], Any],
    ) -> bytes:
        """Return the rows of keys, one after the other: row i, of contact ids[i], is make(i), unless
        made before from the same front matter in the same place (place(i) tells it: what the row
        shows of the rest of the network, worked out only when it must be compared or kept)."""
        kept, fronts = self.rows, list(map(self.fronts.get, ids))
        at = list(map(kept.index.get, keys))
        theirs = kept.fronts
        stale = [i for i, (j, f) in enumerate(zip(at, fronts, strict=True)) if j is None or theirs[j] != f]
        where: dict[int, str] = {}
        if not self.same_shape:
            stale += self._moved_places(at, ids, place, stale, where)
        own = {i: self._own(keys[i], ids[i], fronts[i], where.get(i), place, make, i) for i in stale}
        for i in own:
            at[i] = _MADE
        self.blocks.append(_Block(keys, fronts, at, own))  # type: ignore[arg-type]
        return b"".join(self._pieces(at, own))

    def _moved_places(
        self, at: list[int | None], ids: list[str], place: Callable[[int], Any], stale: list[int], where: dict
    ) -> list[int]:
        """After a change of shape, return the rows to copy from the blob whose place moved (their
        places, worked out, go in where to be kept)."""
        moved, places, made, gone = self.moved, self.rows.places, set(stale), []
        for i, j in enumerate(at):
            if i in made or (moved is not None and ids[i] not in moved):
                continue
            where[i] = _value(place(i))
            if places[j] != where[i]:  # type: ignore[index]
                gone.append(i)
        return gone

    def _own(
        self,
        key: Hashable,
        cid: str,
        front: str | None,
        where: str | None,
        place: Callable,
        make: Callable,
        i: int,
    ) -> tuple[str | None, str | None, bytes]:
        """Return a row not copied from the blob: one kept since it was written, or made now."""
        if front is None:
            return None, None, make(i)
        hit = self.rows.over.get(key)
        if hit is not None and hit[0] == front:
            if self.same_shape or (self.moved is not None and cid not in self.moved):
                return hit
            where = where if where is not None else _value(place(i))
            if hit[1] == where:
                return hit
        row = self.made[key] = (front, where if where is not None else _value(place(i)), make(i))
        return row

    def _pieces(self, at: list[int], own: dict[int, tuple[Any, Any, bytes]]) -> Iterator[bytes]:
        """Yield a block's bytes: a run of rows in the blob's order at once, the others one by one."""
        breaks = (i for i, (a, b) in enumerate(pairwise(at), 1) if b != a + 1)
        cuts = sorted({0, *breaks, *own, *(i + 1 for i in own), len(at)})
        for first, stop in pairwise(cuts):
            yield own[first][2] if at[first] == _MADE else self.rows.span(at[first], at[stop - 1] + 1)

    def hold(self, block: bytes) -> str:
        """Return the marker a template page shows where a block goes (fill puts it there)."""
        marker = f"\x00rows {os.urandom(8).hex()}\x00"
        self.held.append((marker.encode(), block))
        return marker

    def fill(self, page: bytes) -> bytes | None:
        """Put each block held in the page's bytes, where its marker is; None unless each is there once."""
        if not self.held:
            return page
        parts, rest = [], page
        for marker, block in self.held:
            head, found, rest = rest.partition(marker)
            if not found or marker in rest:
                return None
            parts += (head, block)
        self.held = []
        return b"".join([*parts, rest])

    @property
    def changed(self) -> bool:
        """Tell whether this render made a row to keep."""
        return bool(self.made)

    def used(self) -> int:
        """Return how many rows of this render are to be kept."""
        return sum(len(b.keys) - sum(r[0] is None for r in b.own.values()) for b in self.blocks)

    def stale(self) -> bool:
        """Tell whether the rows kept differ from the rows of this render."""
        return self.changed or self.used() != len(self.rows)

    def dropped(self) -> set[Hashable]:
        """Return the keys of the rows kept that this render did not use."""
        added = sum(key not in self.rows.index and key not in self.rows.over for key in self.made)
        if self.used() - added == len(self.rows):  # every row kept was used
            return set()
        used = {key for b in self.blocks for i, key in enumerate(b.keys) if b.fronts[i] is not None}
        return self.rows.keys() - used

    def whole(self) -> dict[str, Any]:
        """Return the rows of this render to keep, as columns and one blob."""
        keys, fronts, places, pieces = [], [], [], []
        for b in self.blocks:
            for i, (key, j) in enumerate(zip(b.keys, b.at, strict=True)):
                front, place, row = b.own[i] if j == _MADE else (b.fronts[i], self.rows.places[j], None)
                if front is None:
                    continue
                keys.append(key)
                fronts.append(front)
                places.append(place)
                pieces.append(row if row is not None else self.rows.span(j, j + 1))
        ends = list(accumulate(map(len, pieces)))
        return {"keys": keys, "fronts": fronts, "places": places, "blob": b"".join(pieces), "ends": ends}


class RowMemos:
    """Where pages keep their rows, and the global key and shape of the network they are made for."""

    def __init__(
        self,
        folder: Path,
        version: str,
        keys: tuple[str, str],
        fronts: Mapping[str, str],
        since: tuple[str, Container[str]] | None = None,
    ) -> None:
        self.folder, self.version, self.fronts = folder, version, fronts
        self.top, self.shape = keys  # the global key and the shape of the network
        # An earlier shape, and the contacts whose pages may differ from that shape's (PageKeys.moved).
        self.since = since

    def open(self, page: str, follows: bool = False) -> RowMemo:
        """Return the rows a page kept, if made for this global key (else none).

        follows: a row's place shows no more of the network than its contact's page does, so rows
        kept for the shape `since` names are in place unless their contact's page may have changed.
        """
        saved, kept = self._read(page)
        rows = _rows(saved, kept) if saved.get("top") == self.top else None
        shape, since = saved.get("shape"), self.since
        moved = since[1] if follows and since is not None and shape == since[0] else None
        memo = RowMemo(rows or KeptRows.of({}), self.fronts, shape == self.shape, moved)
        memo.kept = kept if rows else None
        return memo

    def _read(self, page: str) -> tuple[dict, Kept | None]:
        """Read a page's rows file and, if it belongs to that file, its delta (whose shape is the later)."""
        saved = caching.load_rows(self.folder, page, self.version)
        token = saved.get("token")
        if not isinstance(token, str):
            return saved, None
        delta = caching.load_rows(self.folder, page, self.version, delta=True)
        made, dropped = delta.get("made"), delta.get("dropped")
        if delta.get("token") != token or not isinstance(made, dict) or not isinstance(dropped, list):
            return saved, Kept(token, {}, set())
        return {**saved, "shape": delta.get("shape")}, Kept(token, made, set(dropped))

    def close(self, page: str, memo: RowMemo) -> None:
        """Keep the rows of the page's render, if they changed: their delta, or all of them."""
        if not memo.stale():
            return
        delta = memo.kept.delta(memo) if memo.kept is not None else None
        if delta is not None:
            changes = {
                "token": delta.token,
                "shape": self.shape,
                "made": delta.made,
                "dropped": [*delta.dropped],
            }
            caching.save_rows(self.folder, page, self.version, changes, delta=True)
            return
        kept = {"top": self.top, "shape": self.shape, "token": os.urandom(8).hex(), **memo.whole()}
        caching.save_rows(self.folder, page, self.version, kept)


def _rows(saved: dict, kept: Kept | None) -> KeptRows | None:
    """Return the rows a file kept (with its delta's), or None unless its columns line up."""
    columns = [saved.get(name) for name in ("keys", "fronts", "places", "ends")]
    blob = saved.get("blob")
    if not all(isinstance(c, list) for c in columns) or len({len(c) for c in columns}) != 1:
        return None
    ends: list[int] = columns[-1]  # type: ignore[assignment]
    if not isinstance(blob, bytes) or (ends[-1] if ends else 0) != len(blob):
        return None
    made, dropped = (kept.made, kept.dropped) if kept is not None else ({}, set())
    return KeptRows(*columns[:3], blob, ends, made, dropped)  # type: ignore[arg-type]


def _value(place: Any) -> str:
    """Return a place as kept: its repr (a place is made of strings, numbers, booleans and None, whose
    reprs are stable), a string, quicker to keep than the tuples places are made of."""
    return repr(place() if callable(place) else place)
