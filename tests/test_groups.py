"""Contacts grouped by company and tag (groups.py): case-insensitive keys, the most used spelling,
members in the contacts' order, stable slugs."""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from netsite.groups import Group, group_by, slugify


def grouped_one_by_one(pairs: list[tuple[str, str]], extra: list[str]) -> list[Group]:
    """Group pairs the plain way: fold each key as it comes (what group_by does, spelling by spelling)."""
    members: dict[str, list[str]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for key, cid in pairs:
        members[key.casefold()].append(cid)
        spellings[key.casefold()][key] += 1
    wanted = {name.casefold(): name for name in extra}
    for folded, name in wanted.items():
        spellings[folded][name] += 0
    groups, used = [], set()
    for folded in sorted(spellings, key=lambda f: (f, most_used(spellings[f]))):
        name = wanted.get(folded) or most_used(spellings[folded])
        slug, n = slugify(name), 2
        while slug in used:
            slug, n = f"{slugify(name)}-{n}", n + 1
        used.add(slug)
        groups.append(Group(name, slug, tuple(members[folded]), folded in wanted))
    return groups


def most_used(counts: Counter[str]) -> str:
    return min(counts, key=lambda s: (-counts[s], s))


def test_spellings_of_a_key_are_one_group_named_by_the_most_used_in_the_contacts_order() -> None:
    pairs = [("Acme", "ana"), ("acme", "bo"), ("Globex", "cy"), ("ACME", "dee"), ("Acme", "eve")]
    groups = group_by(pairs, ["Initech"])
    assert [(g.name, g.slug, g.members, g.target) for g in groups] == [
        ("Acme", "acme", ("ana", "bo", "dee", "eve"), False),
        ("Globex", "globex", ("cy",), False),
        ("Initech", "initech", (), True),
    ]


_KEY = st.sampled_from(["Acme", "acme", "ACME", "Globex", "globex", "Ünïted", "ünïted", "a-b", "A B"])


@settings(max_examples=300, deadline=None)
@given(
    keyed=st.lists(st.lists(_KEY, max_size=3), max_size=12),
    extra=st.lists(_KEY | st.sampled_from(["Initech", "initech"]), max_size=3),
)
def test_grouping_by_spelling_is_grouping_one_pair_at_a_time(
    keyed: list[list[str]], extra: list[str]
) -> None:
    pairs = [(key, f"c{i}") for i, keys in enumerate(keyed) for key in keys]
    assert group_by(pairs, extra) == grouped_one_by_one(pairs, extra)
