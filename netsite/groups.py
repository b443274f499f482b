"""Contacts grouped by company and by tag, with stable URL slugs."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
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
    ascii_text = text  # ASCII text is its own NFKD form: most names need no normalising
    if not text.isascii():
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:80] or "x"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def group_by(pairs: list[tuple[str, str]], extra: Iterable[str] = ()) -> list[Group]:
    """Group contact ids under their keys (case-insensitive), given (key, id) pairs in contacts' order;
    `extra` keys appear even when empty.

    Members are listed in the order of the pairs: give them by name (Network.by_name). Each spelling
    is folded once, not once a contact (at 10,000 contacts, a few hundred companies).
    """
    spelt: dict[str, list[str]] = defaultdict(list)  # each spelling -> the ids under it, in order
    for key, cid in pairs:
        spelt[key].append(cid)
    counts: dict[str, dict[str, int]] = {}  # folded key -> its spellings, counted
    for key, ids in spelt.items():
        counts.setdefault(key.casefold(), {})[key] = len(ids)
    wanted = {name.casefold(): name for name in extra}
    for folded, name in wanted.items():
        counts.setdefault(folded, {}).setdefault(name, 0)
    groups, used, ranks = [], set(), _Ranks(pairs)
    for folded in sorted(counts):  # a LinkedIn export brings thousands of companies of one person
        spellings = counts[folded]
        name = wanted.get(folded) or _spelling(spellings)
        members = _members(spelt, spellings, ranks)
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


def _members(spelt: dict[str, list[str]], spellings: dict[str, int], ranks: _Ranks) -> tuple[str, ...]:
    """Return the ids under any of a key's spellings, in the order of the pairs."""
    lists = [spelt[s] for s in spellings if s in spelt]
    if len(lists) < 2:
        return tuple(lists[0]) if lists else ()
    return tuple(sorted([cid for ids in lists for cid in ids], key=ranks.__getitem__))


def _spelling(counts: dict[str, int]) -> str:
    """Pick the most used spelling, ties to the first in sort order."""
    if len(counts) == 1:
        return next(iter(counts))
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
