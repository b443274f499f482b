"""Contacts grouped by company and by tag, with stable URL slugs."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .contact import Contact


@dataclass(frozen=True)
class Group:
    """A company or tag: its display name, page slug and members (ids, by name)."""

    name: str
    slug: str
    members: tuple[str, ...]
    target: bool = False


def slugify(text: str) -> str:
    """Make a lowercase ASCII slug for a page name; never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "x"


def group_by(pairs: list[tuple[str, str]], extra: Iterable[str] = ()) -> list[Group]:
    """Group contact ids under their keys (case-insensitive), given (key, id) pairs in contacts' order;
    `extra` keys appear even when empty.

    Members are listed in the order of the pairs: give them by name (Network.by_name). Each spelling
    is folded once, not once a contact (at 10,000 contacts, a few hundred companies).
    """
    spelt: dict[str, list[str]] = defaultdict(list)  # each spelling -> the ids under it, in order
    for key, cid in pairs:
        spelt[key].append(cid)
    counts: dict[str, Counter[str]] = defaultdict(Counter)  # folded key -> its spellings, counted
    for key, ids in spelt.items():
        counts[key.casefold()][key] = len(ids)
    wanted = {name.casefold(): name for name in extra}
    for folded, name in wanted.items():
        counts[folded][name] += 0
    groups, used, ranks = [], set(), _Ranks(pairs)
    for folded in sorted(counts, key=lambda f: (f, _spelling(counts[f]))):
        name = wanted.get(folded) or _spelling(counts[folded])
        members = _members(spelt, counts[folded], ranks)
        groups.append(Group(name, _unique(slugify(name), used), members, folded in wanted))
    return groups


class _Ranks(dict[str, int]):
    """Each id's place in the order of the pairs, worked out when first asked for (only a key
    spelt more than one way needs it)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        self.pairs = pairs

    def __missing__(self, cid: str) -> int:
        self.update((c, i) for i, (_, c) in enumerate(self.pairs))
        return self[cid]


def _members(spelt: dict[str, list[str]], spellings: Counter[str], ranks: _Ranks) -> tuple[str, ...]:
    """Return the ids under any of a key's spellings, in the order of the pairs."""
    lists = [spelt[s] for s in spellings if s in spelt]
    if len(lists) < 2:
        return tuple(lists[0]) if lists else ()
    return tuple(sorted([cid for ids in lists for cid in ids], key=ranks.__getitem__))


def _spelling(counts: Counter[str]) -> str:
    """Pick the most used spelling, ties to the first in sort order."""
    return min(counts, key=lambda s: (-counts[s], s))


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def companies(contacts: Iterable[Contact], targets: Iterable[str]) -> list[Group]:
    """Group contacts (by name) by company; every target company is present, even with nobody there."""
    return group_by([(c.company, c.id) for c in contacts if c.company], targets)


def tags(contacts: Iterable[Contact]) -> list[Group]:
    """Group contacts (by name) by tag."""
    return group_by([(tag, c.id) for c in contacts for tag in c.tags])
