"""Contacts grouped by company and by tag, with stable URL slugs."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
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


def group_by(
    contacts: Iterable[Contact], keys: Callable[[Contact], Iterable[str]], extra: Iterable[str] = ()
) -> list[Group]:
    """Group contacts under each key (case-insensitive); `extra` keys appear even when empty.

    Members are listed in the order of contacts: give them by name (Network.by_name).
    """
    members: dict[str, list[str]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for contact in contacts:
        for key in keys(contact):
            folded = key.casefold()
            members[folded].append(contact.id)
            spellings[folded][key] += 1
    wanted = {name.casefold(): name for name in extra}
    for folded, name in wanted.items():
        spellings[folded][name] += 0
    groups, used = [], set()
    for folded in sorted(spellings, key=lambda f: (f, _spelling(spellings[f]))):
        name = wanted.get(folded) or _spelling(spellings[folded])
        slug = _unique(slugify(name), used)
        groups.append(Group(name, slug, tuple(members[folded]), folded in wanted))
    return groups


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
    return group_by(contacts, lambda c: [c.company] if c.company else [], targets)


def tags(contacts: Iterable[Contact]) -> list[Group]:
    """Group contacts (by name) by tag."""
    return group_by(contacts, lambda c: c.tags)
