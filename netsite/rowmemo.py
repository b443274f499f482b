"""Rows of the long pages, kept from build to build: an edit of one contact makes its rows, not everyone's.

The contacts list, the referral tree, the Due page and the calendar show a row (or an event) for
each contact or due item: ten thousand of each at 10,000 contacts. A row shows its contact's front
matter and, of everything else, only what the shape of the network decides (`PageKeys.shape`: the
global key with TODAY and the rules, every id and name, the referral forest and the slugs; whether
a row's contact has problems follows from its front matter and these). So while the shape is the
same, a row made before from the same front matter is the same row. Each page keeps its rows in a
file of the cache, read by the process that renders the page and written by it when a row
changed; a page seen for the first time keeps none.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Hashable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from . import cache as caching

T = TypeVar("T")


class RowMemo:
    """The rows of one page: key -> (the front matter digest of the row's contact, the row)."""

    def __init__(self, rows: dict[Hashable, tuple[str, Any]], fronts: Mapping[str, str]) -> None:
        self.rows, self.fronts = rows, fronts  # fronts: contact id -> the digest of its front matter now
        self.used: dict[Hashable, tuple[str, Any]] = {}  # the rows of this render, to be kept
        self.changed = False

    def row(self, key: Hashable, contact_id: str, make: Callable[..., T], *args: Any) -> T:
        """Return the row of key: make(*args), unless made before from the same front matter."""
        front = self.fronts.get(contact_id)
        hit = self.rows.get(key)
        if hit is not None and hit[0] == front:
            self.used[key] = hit
            return hit[1]  # type: ignore[no-any-return]
        made = make(*args)
        if front is not None:
            self.used[key] = (front, made)
            self.changed = True
        return made

    def stale(self) -> bool:
        """Tell whether the rows kept differ from the rows of this render."""
        return self.changed or len(self.used) != len(self.rows)


class RowMemos:
    """Where pages keep their rows, the shape of the network they are made for, and the pages that
    keep them: those rendered before (a first build would spend more saving rows than it saves)."""

    def __init__(
        self, folder: Path, version: str, shape: str, fronts: Mapping[str, str], seen: Container[str]
    ) -> None:
        self.folder, self.version, self.shape, self.fronts, self.seen = folder, version, shape, fronts, seen

    def open(self, page: str) -> RowMemo | None:
        """Return the rows a page kept, if made for this shape (else none); None: it keeps none."""
        if page not in self.seen:
            return None
        saved = caching.load_rows(self.folder, page, self.version)
        rows = saved.get("rows") if saved.get("shape") == self.shape else None
        return RowMemo(rows if isinstance(rows, dict) else {}, self.fronts)

    def close(self, page: str, memo: RowMemo) -> None:
        """Keep the rows of the page's render, if they changed."""
        if memo.stale():
            caching.save_rows(self.folder, page, self.version, {"shape": self.shape, "rows": memo.used})
