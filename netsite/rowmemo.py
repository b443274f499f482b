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
(`PageKeys.moved`) are compared. Each page keeps its rows in a file
of the cache, read by the process that renders the page and written by it when a row changed,
from the first build on: the first edit after it is the one a user waits for. An edit changes a
row or two of ten thousand, so what changed since the file was written whole goes in a small delta
file beside it (the file's token says which file it belongs to), and the rows are written whole
again only once the delta holds many of them: at 10,000 contacts the four pages' files hold 20 MB.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Hashable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from . import cache as caching

T = TypeVar("T")
DELTA_LEAST = 64  # a delta may hold this many changed rows, however short the page,
DELTA_SHARE = 16  # or one row in this many; beyond that the page's rows are written whole again


@dataclass
class Kept:
    """What a page's rows file holds: its token, and the rows made and dropped since (its delta)."""

    token: str
    made: dict[Hashable, tuple[str, Any, Any]]
    dropped: set[Hashable]

    def delta(self, memo: RowMemo) -> Kept | None:
        """Return the delta of the rows of memo's render, if small enough to keep (else None)."""
        dropped = memo.dropped()
        made = {k: v for k, v in self.made.items() if k not in dropped}
        made.update(memo.made)
        if len(made) + len(self.dropped | dropped) > max(DELTA_LEAST, len(memo.used) // DELTA_SHARE):
            return None
        return Kept(self.token, made, self.dropped | dropped)


class RowMemo:
    """The rows of one page: key -> (the front matter digest of the row's contact, the repr of its place,
    the row)."""

    def __init__(
        self,
        rows: dict[Hashable, tuple[str, Any, Any]],
        fronts: Mapping[str, str],
        same_shape: bool = True,
        moved: Container[str] | None = None,
    ) -> None:
        self.rows, self.fronts = rows, fronts  # fronts: contact id -> the digest of its front matter now
        self.same_shape = same_shape  # the rows were kept for this shape: their places need no check
        # After a change of shape, the contacts whose rows may have moved, if known (None: any may).
        self.moved = moved
        self.used: dict[Hashable, tuple[str, Any, Any]] = {}  # the rows of this render, to be kept
        self.made: dict[Hashable, tuple[str, Any, Any]] = {}  # those of them made, not reused
        self.kept: Kept | None = None  # what the rows file holds, when rows were read from it

    def row(self, key: Hashable, contact_id: str, place: Any, make: Callable[..., T], *args: Any) -> T:
        """Return the row of key: make(*args), unless made before from the same front matter in the
        same place (what the row shows of the rest of the network; a function that returns it when
        working it out costs more than a lookup)."""
        front = self.fronts.get(contact_id)
        hit = self.rows.get(key)
        known = hit is not None and hit[0] == front
        if known and (self.same_shape or (self.moved is not None and contact_id not in self.moved)):
            return self._reused(key, hit)
        where = None if front is None else _value(place)  # worked out once, to compare and to keep
        if known and hit[1] == where:
            return self._reused(key, hit)
        made = make(*args)
        if front is not None:
            self.used[key] = self.made[key] = (front, where, made)
        return made

    def rows_of(
        self, keys: list[Hashable], ids: list[str], make: Callable[[int], T], place: Callable[[int], Any]
    ) -> list[T]:
        """Return the rows of keys, in order, as row() would one by one (ids[i] is the contact of row
        i, make(i) makes it and place(i) tells its place); while the shape is the same, in one pass
        that compares front matter digests only (at 10,000 contacts, 5 to 9 ms less a page than
        ten thousand calls of row())."""
        if not self.same_shape:
            pairs = enumerate(zip(keys, ids, strict=True))
            return [self.row(key, cid, partial(place, i), make, i) for i, (key, cid) in pairs]
        hits = list(map(self.rows.get, keys))
        fronts = list(map(self.fronts.get, ids))
        paired = enumerate(zip(hits, fronts, strict=True))
        stale = [i for i, (hit, front) in paired if hit is None or hit[0] != front]
        made = [None if hit is None else hit[2] for hit in hits]
        self.used.update(zip(keys, hits, strict=True))
        for i in stale:
            made[i] = row = make(i)
            if fronts[i] is None:
                self.used.pop(keys[i], None)
            else:
                self.used[keys[i]] = self.made[keys[i]] = (fronts[i], _value(place(i)), row)
        return made  # type: ignore[return-value]

    def _reused(self, key: Hashable, hit: Any) -> Any:
        self.used[key] = hit
        return hit[2]

    @property
    def changed(self) -> bool:
        """Tell whether this render made a row to keep."""
        return bool(self.made)

    def stale(self) -> bool:
        """Tell whether the rows kept differ from the rows of this render."""
        return self.changed or len(self.used) != len(self.rows)

    def dropped(self) -> set[Hashable]:
        """Return the keys of the rows kept that this render did not use."""
        added = sum(key not in self.rows for key in self.made)
        if len(self.used) - added == len(self.rows):  # every row kept was used
            return set()
        return self.rows.keys() - self.used.keys()


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
        rows = _joined(saved) if saved.get("top") == self.top else {}
        if rows and kept is not None:
            for key in kept.dropped:
                rows.pop(key, None)
            rows.update(kept.made)
        shape, since = saved.get("shape"), self.since
        moved = since[1] if follows and since is not None and shape == since[0] else None
        memo = RowMemo(rows, self.fronts, shape == self.shape, moved)
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
        kept = {"top": self.top, "shape": self.shape, "token": os.urandom(8).hex(), **_columns(memo.used)}
        caching.save_rows(self.folder, page, self.version, kept)


def _columns(rows: dict[Hashable, tuple[str, Any, Any]]) -> dict[str, list[Any]]:
    """Split rows into lists of keys, fronts, places and rows: ten thousand strings in four lists
    are read and written in a fraction of the time ten thousand tuples take."""
    keys, values = list(rows), list(rows.values())
    return {"keys": keys, **{name: [v[i] for v in values] for i, name in enumerate(_COLUMNS)}}


def _joined(saved: dict) -> dict[Hashable, tuple[str, Any, Any]]:
    """Join the lists _columns made back into rows; none if they do not line up."""
    columns = [saved.get(name) for name in ("keys", *_COLUMNS)]
    if not all(isinstance(c, list) for c in columns) or len({len(c) for c in columns}) != 1:
        return {}
    keys, *rest = columns
    return dict(zip(keys, zip(*rest, strict=True), strict=True))


_COLUMNS = ("fronts", "places", "rows")


def _value(place: Any) -> str:
    """Return a place as kept: its repr (a place is made of strings, numbers, booleans and None, whose
    reprs are stable), a string, quicker to keep than the tuples places are made of."""
    return repr(place() if callable(place) else place)
