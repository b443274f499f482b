"""The referral forest: who gave me whose name, with cycles broken and degrees counted."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, islice, repeat
from typing import Any, Protocol, TypeVar

from .contact import Contact
from .problems import Problem

_WIKILINK = re.compile(r"\[\[\s*([^\]|]+?)\s*(?:\|[^\]]*)?\]\]")
ROOT_WORDS = frozenset({"", "me", "myself"})
# A page shows a referral chain whole up to CHAIN_WHOLE people long; a longer one by its first
# CHAIN_HEAD and last CHAIN_TAIL people and how many are between, so that no page grows with the
# depth of a trail (one trail of 3,000 referrals made a company page of 440 MB).
CHAIN_HEAD, CHAIN_TAIL = 3, 6
CHAIN_WHOLE = CHAIN_HEAD + CHAIN_TAIL + 1
NAMESAKES_NAMED = 10  # a warning about a name many contacts share names the first ten
T = TypeVar("T")


@dataclass(frozen=True)
class Forest:
    """Parent links after resolution; roots and children ordered by name, then id."""

    parent: dict[str, str | None]
    referrer: dict[str, str | None]  # what referred_by resolved to, before cycles were broken
    children: dict[str, tuple[str, ...]]
    roots: tuple[str, ...]
    degree: dict[str, int]
    cycles: tuple[tuple[str, ...], ...]
    unresolved: tuple[tuple[str, str], ...]  # (contact id, referred_by as written)
    resolver: Resolver  # how references to contacts were resolved (notes' wikilinks use it too)

    def chain(self, contact_id: str) -> list[str]:
        """Return the ids from the root down to this contact."""
        chain = [contact_id]
        while (up := self.parent.get(chain[-1])) is not None:
            chain.append(up)
        return chain[::-1]

    def chain_ends(self, contact_id: str) -> tuple[list[str], int]:
        """Return the ids of the chain down to this contact that pages show, and how many are left out
        (after the first CHAIN_HEAD of them), in time that does not grow with the chain's length."""
        length = self.degree[contact_id]
        if length <= CHAIN_WHOLE:
            return self.chain(contact_id), 0
        tail = [contact_id]
        while len(tail) < CHAIN_TAIL:
            tail.append(self.parent[tail[-1]])  # type: ignore[arg-type]  # deeper than the tail: not a root
        return [*self.chain(self._anchors[contact_id]), *reversed(tail)], length - CHAIN_HEAD - CHAIN_TAIL

    @cached_property
    def _anchors(self) -> dict[str, str]:
        """Map each contact deeper than CHAIN_HEAD to its referrer at that depth (the last of a long
        chain's first people), each found from its own referrer's."""
        anchors: dict[str, str] = {}
        for cid in sorted(self.degree, key=self.degree.__getitem__):  # referrers first
            if self.degree[cid] > CHAIN_HEAD:
                up: str = self.parent[cid]  # type: ignore[assignment]
                anchors[cid] = up if self.degree[up] == CHAIN_HEAD else anchors[up]
        return anchors

    def descendants(self, contact_id: str) -> int:
        """Count everyone below this contact."""
        return self.branch_sizes[contact_id] - 1

    @cached_property
    def branch_sizes(self) -> dict[str, int]:
        """Map each id to the size of its branch (itself and everyone below)."""
        sizes: dict[str, int] = {}
        children = self.children
        for cid in reversed(self.preorder):  # children before their referrers
            below = children[cid]
            sizes[cid] = 1 + sum([sizes[k] for k in below]) if below else 1
        return sizes

    @cached_property
    def preorder(self) -> list[str]:
        """List every id depth-first, roots and children in their order (the referral tree's order)."""
        order, todo = [], list(reversed(self.roots))
        while todo:
            cid = todo.pop()
            order.append(cid)
            todo.extend(reversed(self.children[cid]))
        return order

    def settle(self) -> Forest:
        """Work out now what the referral tree reads of the forest (its order and branch sizes), so
        that a forest kept between builds keeps them too; return the forest."""
        self.branch_sizes  # noqa: B018  (a cached property, made here)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Every build reads the forest back from the cache (cache.FOREST_FILE): as one list of ids
        # and arrays of places in it, rather than a dozen dicts and lists that name each id again,
        # it reads back in 9 ms rather than 12.5 at 10,000 contacts, in less than half the memory.
        # Each dict comes back in the order it was made in (page keys digest some of them).
        return _unpacked, (_packed(self),)


def _packed(forest: Forest) -> dict[str, Any]:
    """Return a forest as a list of ids and arrays of places in it (see Forest.__reduce__)."""
    ids = list(forest.parent)
    at = {cid: i for i, cid in enumerate(ids)}

    def places(cids: Iterable[str | None]) -> bytes:
        return _numbers(list(map(at.get, cids, repeat(-1))))  # -1: no one (None)

    def mapping(found: dict[str, Any], value: Callable[[Iterable[Any]], bytes]) -> tuple[bytes, bytes]:
        return places(found), value(found.values())

    resolver = forest.resolver
    packed: dict[str, Any] = {
        "ids": ids,
        "parent": places(forest.parent.values()),
        "referrer": {cid: up for cid, up in forest.referrer.items() if up != forest.parent[cid]},
        "children": mapping(forest.children, lambda kids: places(chain.from_iterable(kids))),
        "sizes": _numbers(map(len, forest.children.values())),
        "roots": places(forest.roots),
        "degree": mapping(forest.degree, _numbers),
        "rest": (forest.cycles, forest.unresolved, resolver.namesakes, resolver.ids_folded),
        "names": (list(resolver.names), places(resolver.names.values())),
        "ids_set": None if resolver.ids == at.keys() else resolver.ids,
    }
    cached = forest.__dict__
    if "preorder" in cached:
        packed["preorder"] = places(cached["preorder"])
    if "branch_sizes" in cached:
        packed["branch_sizes"] = mapping(cached["branch_sizes"], _numbers)
    if "_anchors" in cached:
        packed["_anchors"] = mapping(cached["_anchors"], places)
    return packed


def _numbers(values: Iterable[int]) -> bytes:
    """Pack numbers as bytes (four each)."""
    return array("i", values).tobytes()


def _numbers_of(data: bytes) -> array[int]:
    """Return the numbers _numbers packed."""
    found = array("i")
    found.frombytes(data)
    return found


def _unpacked(packed: dict[str, Any]) -> Forest:
    """Return the forest _packed packed."""
    ids: list[str] = packed["ids"]
    named = [*ids, None].__getitem__  # place -1 is no one

    def listed(data: bytes) -> list[Any]:
        return list(map(named, _numbers_of(data)))

    def mapping(pair: tuple[bytes, bytes], values: Callable[[bytes], Iterable[Any]]) -> dict[str, Any]:
        return dict(zip(listed(pair[0]), values(pair[1]), strict=True))

    parent = dict(zip(ids, listed(packed["parent"]), strict=True))
    referrer = {**parent, **packed["referrer"]}
    kids = iter(listed(packed["children"][1]))
    keys = listed(packed["children"][0])
    children = {
        cid: tuple(islice(kids, n)) if n else ()
        for cid, n in zip(keys, _numbers_of(packed["sizes"]), strict=True)
    }
    cycles, unresolved, namesakes, ids_folded = packed["rest"]
    resolver = Resolver.__new__(Resolver)
    resolver.ids = set(ids) if packed["ids_set"] is None else packed["ids_set"]
    resolver.names = dict(zip(packed["names"][0], listed(packed["names"][1]), strict=True))
    resolver.namesakes, resolver.ids_folded = namesakes, ids_folded
    degree = mapping(packed["degree"], _numbers_of)
    forest = Forest(
        parent, referrer, children, tuple(listed(packed["roots"])), degree, cycles, unresolved, resolver
    )
    if "preorder" in packed:
        forest.__dict__["preorder"] = listed(packed["preorder"])
    if "branch_sizes" in packed:
        forest.__dict__["branch_sizes"] = mapping(packed["branch_sizes"], _numbers_of)
    if "_anchors" in packed:
        forest.__dict__["_anchors"] = mapping(packed["_anchors"], listed)
    return forest


class Named(Protocol):
    """Anything with a contact's id and name: a Contact, or what the build cache keeps of one."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


class Resolver:
    """Turn a `referred_by` text (id, name in any case, or [[wikilink]]) into a contact id."""

    def __init__(self, contacts: Sequence[Named]) -> None:
        self.ids = {c.id for c in contacts}
        folded: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.namesakes: dict[str, list[str]] = {}  # only names two or more contacts share
        for c in sorted(contacts, key=lambda c: c.id):
            folded.setdefault(c.id.casefold(), c.id)
            name = c.name.casefold()
            first = self.names.setdefault(name, c.id)
            if first != c.id:
                self.namesakes.setdefault(name, [first]).append(c.id)
        # A forest is kept between builds, so only the folds that differ from their id are kept:
        # most ids are their own case fold (see _folded_id).
        self.ids_folded = {fold: cid for fold, cid in folded.items() if fold != cid}

    def _folded_id(self, folded: str) -> str | None:
        """Return the first id (in order) whose case fold is folded, if any."""
        return self.ids_folded.get(folded) or (folded if folded in self.ids else None)

    def ambiguous(self, text: str | None) -> list[str]:
        """Return the ids sharing the name text resolves by, when more than one does."""
        return self.ambiguous_target(reference_target(text))

    def ambiguous_target(self, target: str | None) -> list[str]:
        """Return the ids sharing the name a reference_target resolves by, when more than one does."""
        if target is None or target in self.ids:
            return []
        folded = target.casefold()
        return [] if self._folded_id(folded) is not None else self.namesakes.get(folded, [])

    def resolve(self, text: str | None) -> str | None:
        """Return the id text points at, or None (also for `me` and empty)."""
        return self.resolve_target(reference_target(text))

    def resolve_target(self, target: str | None) -> str | None:
        """Return the id a reference_target points at, or None."""
        if target is None:
            return None
        if target in self.ids:
            return target
        folded = target.casefold()
        return self._folded_id(folded) or self.names.get(folded)


def reference_target(text: str | None) -> str | None:
    """Return what a reference names: the wikilink target, else the text; None for a root."""
    if text is None:
        return None
    match = _WIKILINK.fullmatch(text.strip())
    target = match.group(1) if match else text.strip()
    return None if target.casefold() in ROOT_WORDS else target


def build_forest(
    contacts: Sequence[Contact], resolver: Resolver | None = None
) -> tuple[Forest, list[Problem]]:
    """Resolve every referrer, break cycles, and order the forest (resolver: one made for contacts)."""
    by_id = {c.id: c for c in contacts}
    resolver = resolver or Resolver(contacts)
    parent: dict[str, str | None] = {}
    unresolved: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for c in contacts:
        target = reference_target(c.referred_by)  # once: resolving and checking it read the same
        parent[c.id] = resolver.resolve_target(target)
        if parent[c.id] is None and target is not None:
            unresolved.append((c.id, c.referred_by or ""))
            message = f"referred_by {c.referred_by!r} matches no contact; shown as a first-degree contact"
            problems.append(Problem(c.path, c.line("referred_by"), "warning", message))
        if namesakes := resolver.ambiguous_target(target):
            more = ", …" if len(namesakes) > NAMESAKES_NAMED else ""
            listed = ", ".join(namesakes[:NAMESAKES_NAMED]) + more
            message = (
                f"referred_by {c.referred_by!r} names {len(namesakes)} contacts ({listed}); "
                f"using {parent[c.id]}: write the id to choose"
            )
            problems.append(Problem(c.path, c.line("referred_by"), "warning", message))
    referrer = dict(parent)
    cycles = find_cycles(parent)
    for cycle in cycles:
        problems.extend(_cycle_problems(cycle, by_id, parent))
        for member in cycle:
            parent[member] = None
    return _assemble(by_id, parent, referrer, cycles, unresolved, resolver), problems


def chain_shown(chain: Sequence[T]) -> tuple[list[T], int]:
    """Return what is shown of a chain: all of it, or its first CHAIN_HEAD and last CHAIN_TAIL
    items; and how many are left out between them."""
    if len(chain) <= CHAIN_WHOLE:
        return list(chain), 0
    return [*chain[:CHAIN_HEAD], *chain[-CHAIN_TAIL:]], len(chain) - CHAIN_HEAD - CHAIN_TAIL


def find_cycles(parent: dict[str, str | None]) -> list[tuple[str, ...]]:
    """Find every cycle of parent links, each as sorted ids, ordered by first id."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    cycles = []
    for start in sorted(parent):
        walk: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = parent.get(node)
        if node is not None and state[node] == 1:
            cycles.append(tuple(sorted(walk[walk.index(node) :])))
        for visited in walk:
            state[visited] = 2
    return sorted(cycles)


def _cycle_problems(
    cycle: tuple[str, ...], by_id: dict[str, Contact], parent: dict[str, str | None]
) -> list[Problem]:
    if len(cycle) == 1:
        text = "refers to itself"
    else:
        loop = [cycle[0]]
        while (nxt := parent[loop[-1]]) != cycle[0] and nxt is not None:
            loop.append(nxt)
        shown, hidden = chain_shown([*loop, cycle[0]])  # named like a long chain: by its ends
        if hidden:
            shown.insert(CHAIN_HEAD, f"… {hidden} more …")
        text = "forms a cycle: " + " → referred by → ".join(shown)
    message = f"referral {text}; shown as a root"  # one text for every member
    return [Problem(by_id[m].path, by_id[m].line("referred_by"), "error", message) for m in cycle]


def _assemble(
    by_id: dict[str, Contact],
    parent: dict[str, str | None],
    referrer: dict[str, str | None],
    cycles: list[tuple[str, ...]],
    unresolved: list[tuple[str, str]],
    resolver: Resolver,
) -> Forest:
    def key(cid: str) -> tuple[str, str]:
        return (by_id[cid].name.casefold(), cid)

    order = sorted(parent, key=key)  # one sort, and every list of children follows it
    kids: dict[str, list[str]] = {cid: [] for cid in by_id}
    for cid in order:
        if (up := parent[cid]) is not None:
            kids[up].append(cid)
    children = {cid: tuple(ks) for cid, ks in kids.items()}
    roots = tuple(cid for cid in order if parent[cid] is None)
    degree: dict[str, int] = {}
    todo = [(r, 1) for r in roots]
    while todo:
        cid, d = todo.pop()
        degree[cid] = d
        todo.extend((k, d + 1) for k in children[cid])
    return Forest(
        parent, referrer, children, roots, degree, tuple(cycles), tuple(sorted(unresolved)), resolver
    )
