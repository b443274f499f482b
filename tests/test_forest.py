"""The referral forest: resolution, ordering, degrees, cycles and unresolved referrers, worked by hand."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsite.contact import Contact
from netsite.forest import Forest, Resolver, build_forest, find_cycles, reference_target
from netsite.journal import load_journal
from netsite.model import build_network
from netsite.views import tree_json


def c(cid: str, name: str | None = None, referred_by: str | None = None) -> Contact:
    return Contact(id=cid, path=f"contacts/{cid}.md", name=name or cid, referred_by=referred_by)


def forest_of(*contacts: Contact) -> Forest:
    forest, _ = build_forest(list(contacts))
    return forest


def test_roots_and_children_are_ordered_by_name_casefolded_then_id() -> None:
    forest = forest_of(
        c("z1", "alice"),
        c("a9", "Bob"),
        c("b2", "ALICE"),
        c("m", "Émile"),
        c("k1", "carol", "a9"),
        c("k2", "Anna", "a9"),
        c("k3", "anna", "a9"),
        c("k0", "Anna", "a9"),
    )
    assert forest.roots == ("b2", "z1", "a9", "m")  # alice (b2), alice (z1), bob, émile
    assert forest.children["a9"] == ("k0", "k2", "k3", "k1")
    assert forest.children["z1"] == ()


def test_degrees_are_depth_plus_one() -> None:
    forest = forest_of(
        c("a"),
        c("b", referred_by="a"),
        c("c", referred_by="b"),
        c("d", referred_by="c"),
        c("e", referred_by="a"),
    )
    assert forest.degree == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 2}
    assert forest.chain("d") == ["a", "b", "c", "d"]
    assert forest.branch_sizes == {"a": 5, "b": 3, "c": 2, "d": 1, "e": 1}
    assert forest.descendants("a") == 4


def test_referrer_by_id_name_and_wikilink_all_make_the_same_tree() -> None:
    bob = c("bob-smith", "Bob Smith")
    forest = forest_of(
        bob,
        c("j1", "J1", "bob-smith"),
        c("j2", "J2", "bob SMITH"),
        c("j3", "J3", "[[Bob Smith]]"),
        c("j4", "J4", "[[bob-smith|Bob]]"),
        c("j5", "J5", "Bob-Smith"),
    )
    assert forest.roots == ("bob-smith",)
    assert forest.children["bob-smith"] == ("j1", "j2", "j3", "j4", "j5")


def test_me_and_empty_make_roots_without_warnings() -> None:
    forest, problems = build_forest(
        [c("a", referred_by="me"), c("b", referred_by=" "), c("d", referred_by="[[me]]")]
    )
    assert problems == []
    assert forest.roots == ("a", "b", "d")
    assert forest.unresolved == ()


def test_unresolved_referrer_is_a_warning_and_a_root() -> None:
    contacts = [c("a"), c("b", referred_by="Nobody Known"), c("x", referred_by="[[ghost]]")]
    forest, problems = build_forest(contacts)
    assert forest.roots == ("a", "b", "x")
    assert forest.unresolved == (("b", "Nobody Known"), ("x", "[[ghost]]"))
    assert [(p.path, p.severity) for p in problems] == [
        ("contacts/b.md", "warning"),
        ("contacts/x.md", "warning"),
    ]
    assert "Nobody Known" in problems[0].message


def test_name_shared_by_two_contacts_resolves_to_the_smaller_id() -> None:
    resolver = Resolver([c("sam-b", "Sam Lee"), c("sam-a", "Sam Lee")])
    assert resolver.resolve("sam lee") == "sam-a"


def test_id_wins_over_a_name() -> None:
    resolver = Resolver([c("ann", "Bob"), c("bob", "Ann")])
    assert resolver.resolve("bob") == "bob"
    assert resolver.resolve("Ann") == "ann"  # an id in another case still beats a name
    assert Resolver([c("bob", "Ann")]).resolve("ann") == "bob"


def _plain_answers(contacts: list[Contact], target: str) -> tuple[str | None, list[str]]:
    """Resolve a target the plain way: its own id, else the first id in order that folds as it does,
    else the first id whose name does; ambiguous when no id folds as it and two or more names do."""
    folded = target.casefold()
    ids = sorted(c.id for c in contacts)
    by_fold = [cid for cid in ids if cid.casefold() == folded]
    by_name = sorted(c.id for c in contacts if c.name.casefold() == folded)
    found = target if target in ids else (by_fold or by_name or [None])[0]
    return found, ([] if target in ids or by_fold or len(by_name) < 2 else by_name)


_IDS = st.sampled_from(["ann", "Ann", "ANN", "bo", "straße", "STRASSE", "strasse", "ǅ", "ǆ"])


@given(
    st.lists(st.tuples(_IDS, _IDS), max_size=8, unique_by=lambda pair: pair[0]),
    st.sampled_from(["ann", "Ann", "bo", "BO", "Strasse", "strasse", "ǅ", "Ǆ", "nobody"]),
)
def test_resolver_answers_as_the_plain_way(pairs: list[tuple[str, str]], target: str) -> None:
    contacts = [c(cid, name) for cid, name in pairs]
    resolver = Resolver(contacts)
    assert (resolver.resolve_target(target), resolver.ambiguous_target(target)) == _plain_answers(
        contacts, target
    )


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("[[Bob Smith]]", "Bob Smith"),
        ("[[bob-smith|Bob]]", "bob-smith"),
        ("  [[ Bob ]]  ", "Bob"),
        ("Bob", "Bob"),
        ("me", None),
        ("Myself", None),
        ("", None),
        (None, None),
    ],
)
def test_reference_target(text: str | None, target: str | None) -> None:
    assert reference_target(text) == target


# --- cycles -------------------------------------------------------------------------------------


def test_self_reference_is_a_one_member_cycle() -> None:
    forest, problems = build_forest([c("a", referred_by="a"), c("b", referred_by="a")])
    assert forest.cycles == (("a",),)
    assert forest.roots == ("a",)
    assert forest.children["a"] == ("b",)  # b keeps its parent
    assert forest.degree == {"a": 1, "b": 2}
    assert [(p.path, p.severity) for p in problems] == [("contacts/a.md", "error")]
    assert "itself" in problems[0].message


def test_two_cycle_members_become_roots_and_both_are_reported() -> None:
    forest, problems = build_forest(
        [c("y", referred_by="x"), c("x", referred_by="y"), c("w", referred_by="y")]
    )
    assert forest.cycles == (("x", "y"),)
    assert forest.roots == ("x", "y")
    assert forest.parent == {"y": None, "x": None, "w": "y"}
    assert forest.children["y"] == ("w",)
    assert forest.degree["w"] == 2
    assert sorted((p.path, p.severity) for p in problems) == [
        ("contacts/x.md", "error"),
        ("contacts/y.md", "error"),
    ]


def test_a_name_many_share_lists_the_first_ten() -> None:
    people = [c(f"ann-{i:02}", "Ann Lee") for i in range(30)]
    _, problems = build_forest([*people, c("bo", "Bo", "Ann Lee")])
    assert len(problems) == 1 and "names 30 contacts (ann-00, ann-01, " in problems[0].message
    assert "ann-09, …); using ann-00" in problems[0].message and "ann-10" not in problems[0].message


def test_a_long_cycle_is_named_by_its_ends() -> None:
    """A cycle of 2,000: each member's problem named all 2,000 (a Problems page of 108 MB)."""
    ids = [f"p{i:04}" for i in range(2000)]
    forest, problems = build_forest([c(cid, cid, ids[i - 1]) for i, cid in enumerate(ids)])
    assert forest.cycles == (tuple(ids),) and len(problems) == 2000
    message = problems[0].message
    assert message.startswith("referral forms a cycle: p0000 → referred by → p1999 → referred by → p1998 → ")
    assert "… 1992 more … → referred by → p0005" in message and message.endswith("p0000; shown as a root")
    assert len(message) < 300 and {p.message for p in problems} == {message}


def test_three_cycle_with_a_tail_and_descendants() -> None:
    forest, problems = build_forest(
        [
            c("c3", "C", "b2"),
            c("b2", "B", "a1"),
            c("a1", "A", "c3"),
            c("t0", "Tail", "a1"),  # points into the cycle: keeps its parent
            c("d4", "Deep", "t0"),
            c("r", "Root"),
        ]
    )
    assert forest.cycles == (("a1", "b2", "c3"),)
    assert forest.roots == ("a1", "b2", "c3", "r")
    assert forest.parent["t0"] == "a1"
    assert forest.degree == {"a1": 1, "b2": 1, "c3": 1, "r": 1, "t0": 2, "d4": 3}
    assert len(problems) == 3 and all(p.severity == "error" for p in problems)
    assert "a1 → referred by → c3 → referred by → b2 → referred by → a1" in problems[0].message


def test_several_cycles_are_sorted_ids_ordered_by_first_id() -> None:
    cycles = find_cycles(
        {"q": "p", "p": "q", "m": "m", "z": "y", "y": "x", "x": "z", "free": None, "tail": "m"}
    )
    assert cycles == [("m",), ("p", "q"), ("x", "y", "z")]


def test_tail_walked_first_does_not_join_the_cycle() -> None:
    assert find_cycles({"a": "b", "b": "c", "c": "b"}) == [("b", "c")]


def test_cycle_keeps_the_resolved_referrer_for_counting() -> None:
    forest = forest_of(c("x", referred_by="y"), c("y", referred_by="x"))
    assert forest.parent == {"x": None, "y": None}
    assert forest.referrer == {"x": "y", "y": "x"}


def test_long_chain_has_no_recursion_limit() -> None:
    n = 5000
    contacts = [c("p0000")] + [c(f"p{i:04d}", referred_by=f"p{i - 1:04d}") for i in range(1, n)]
    forest = forest_of(*contacts)
    assert forest.degree[f"p{n - 1:04d}"] == n
    assert forest.branch_sizes["p0000"] == n
    assert len(forest.preorder) == n


# --- through the journal and tree --json -------------------------------------------------------


def test_tree_json_from_files(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    def person(name: str, referred_by: str = "") -> str:
        return f"---\nname: {name}\nreferred_by: {referred_by}\n---\n"

    root = make_journal(
        tmp_path,
        {
            "bob.md": person("Bob Smith", "me"),
            "jane.md": person("Jane Doe", "[[Bob Smith]]"),
            "al.md": person("al", "jane"),
            "ghost-ref.md": person("Casper", "Nobody"),
            "loop-a.md": person("Loop A", "loop-b"),
            "sub/loop-b.md": person("Loop B", "loop-a"),
        },
    )
    network = build_network(load_journal(root), date(2026, 11, 25))
    assert tree_json(network) == {
        "roots": [
            {
                "contact": "bob",
                "name": "Bob Smith",
                "degree": 1,
                "children": [
                    {
                        "contact": "jane",
                        "name": "Jane Doe",
                        "degree": 2,
                        "children": [{"contact": "al", "name": "al", "degree": 3, "children": []}],
                    }
                ],
            },
            {"contact": "ghost-ref", "name": "Casper", "degree": 1, "children": []},
            {"contact": "loop-a", "name": "Loop A", "degree": 1, "children": []},
            {"contact": "loop-b", "name": "Loop B", "degree": 1, "children": []},
        ],
        "cycles": [["loop-a", "loop-b"]],
        "unresolved": [{"contact": "ghost-ref", "referred_by": "Nobody"}],
    }
    located = sorted((p.path, p.line, p.severity) for p in network.problems)
    assert located == [
        ("contacts/ghost-ref.md", 3, "warning"),
        ("contacts/loop-a.md", 3, "error"),
        ("contacts/sub/loop-b.md", 3, "error"),
    ]


def test_a_name_two_contacts_share_resolves_to_the_smaller_id_with_a_warning(tmp_path) -> None:
    from netsite.contact import parse_contact
    from netsite.forest import build_forest

    texts = {
        "ann-lee": "---\nname: Ann Lee\n---\n",
        "ann-lee-2": "---\nname: Ann Lee\n---\n",
        "bob": "---\nname: Bob\nreferred_by: ann lee\n---\n",
    }
    contacts = [parse_contact(cid, f"contacts/{cid}.md", text)[0] for cid, text in texts.items()]
    forest, problems = build_forest(contacts)
    assert forest.parent["bob"] == "ann-lee"
    assert [(p.path, p.line, p.severity) for p in problems] == [("contacts/bob.md", 3, "warning")]
    assert "ann-lee, ann-lee-2" in problems[0].message


_NAMES = st.sampled_from(["Ann", "ann", "Bo", "Straße", "STRASSE", "Cy"])
# "up" is the contact made just before: chains long enough to be shown by their ends (anchors)
_REFERRERS = st.sampled_from(
    [None, "me", "c0", "c1", "C2", "Ann", "bo", "[[Cy]]", "nobody", "c5", "up", "up"]
)


@given(st.lists(st.tuples(_NAMES, _REFERRERS), max_size=16), st.booleans())
def test_a_forest_pickles_whole_each_dict_in_its_order(people: list[tuple[str, str]], settled: bool) -> None:
    """The cache keeps the forest packed as ids and arrays of places (Forest.__reduce__): it comes
    back equal, each dict and list in the order it was made in (page keys digest some of them),
    with the order, branch sizes and anchors worked out before it was kept."""
    contacts = [c(f"c{i}", name, f"c{i - 1}" if up == "up" else up) for i, (name, up) in enumerate(people)]
    forest = build_forest(contacts)[0]
    if settled:
        forest.settle()
        for cid in forest.degree:
            forest.chain_ends(cid)  # a chain longer than CHAIN_WHOLE works out the anchors
    again = pickle.loads(pickle.dumps(forest, pickle.HIGHEST_PROTOCOL))
    assert again.__dict__.keys() == forest.__dict__.keys()
    for name in ("parent", "referrer", "children", "degree", "branch_sizes", "_anchors"):
        if name in forest.__dict__:
            assert list(getattr(again, name).items()) == list(getattr(forest, name).items()), name
    shown = ("roots", "cycles", "unresolved", "preorder")
    assert [getattr(again, name) for name in shown] == [getattr(forest, name) for name in shown]
    assert vars(again.resolver) == vars(forest.resolver)
    assert list(again.resolver.names.items()) == list(forest.resolver.names.items())
