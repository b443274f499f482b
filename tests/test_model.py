"""The model memo of a long-lived process (serve): a network built with what an earlier build derived
is the network built afresh, whatever changed in between."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import model
from netsite.config import Config, Rules
from netsite.contact import Contact, LogEntry, key_lines
from netsite.journal import Journal
from netsite.model import ModelMemo, Network, build_network

TODAY = date(2026, 11, 25)
NAMES = ["Ann", "ann", "Bo", "Cy"]  # few: namesakes, and referrers named by a shared name

_entry = st.builds(
    LogEntry,
    date=st.integers(-40, 2).map(lambda n: TODAY + timedelta(days=n)),
    kind=st.sampled_from(["call", "email", "thanks"]),
    line=st.one_of(st.none(), st.integers(1, 4)),
)


@st.composite
def contact(draw: st.DrawFn, n: int) -> Contact:
    referrer = draw(st.one_of(st.none(), st.sampled_from(["c0", "c1", "c2", "Ann", "Bo", "nobody"])))
    return Contact(
        f"c{n}",
        f"c{n}.md",
        draw(st.sampled_from(NAMES)),
        referred_by=referrer,
        status=draw(st.sampled_from([None, None, "dormant", "identified"])),
        next_follow_up=draw(st.one_of(st.none(), st.just(TODAY + timedelta(days=3)))),
        log=tuple(draw(st.lists(_entry, max_size=3))),
        lines=key_lines({"referred_by": n + 2}),
    )


@st.composite
def edited(draw: st.DrawFn, c: Contact) -> Contact | None:
    """The same object, a copy edited or not (a file saved again), or None (deleted)."""
    kinds = ["same", "same", "same", "copy", "log", "name", "referrer", "moved", "gone"]
    kind = draw(st.sampled_from(kinds))
    if kind == "gone":
        return None
    if kind == "copy":
        return c._replace()
    if kind == "log":
        return c._replace(log=(*c.log, LogEntry(TODAY, "call")))
    if kind == "name":
        return c._replace(name=draw(st.sampled_from(NAMES)))
    if kind == "moved":  # a line added above it: its problems name another line
        return c._replace(lines=key_lines({"referred_by": c.line("referred_by") + 1}))
    if kind == "referrer":
        return c._replace(referred_by=draw(st.sampled_from([None, "c0", "Bo", "c3"])))
    return c


def journal(contacts: list[Contact], rules: Rules | None = None) -> Journal:
    ordered = tuple(sorted(contacts, key=lambda c: c.id))
    return Journal(Path("."), Config(rules=rules or Rules()), True, ordered, ())


def assert_same(memoized: Network, fresh: Network) -> None:
    """Compare two networks field by field (the forest's resolver is compared by what it resolves)."""
    for f in fields(Network):
        if f.name != "forest":
            assert getattr(memoized, f.name) == getattr(fresh, f.name), f.name
    for f in fields(memoized.forest):
        if f.name != "resolver":
            assert getattr(memoized.forest, f.name) == getattr(fresh.forest, f.name), f.name
    for text in ["c0", "C1", "ann", "Bo", "nobody"]:
        assert memoized.forest.resolver.resolve(text) == fresh.forest.resolver.resolve(text)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_network_built_with_the_memo_is_the_network_built_afresh(data: st.DataObject) -> None:
    before = [data.draw(contact(n)) for n in range(data.draw(st.integers(0, 8)))]
    after = [c for c in (data.draw(edited(c)) for c in before) if c is not None]
    after += [data.draw(contact(n)) for n in range(len(before), len(before) + data.draw(st.integers(0, 2)))]
    today = data.draw(st.sampled_from([TODAY, TODAY + timedelta(days=1)]))
    rules = data.draw(st.sampled_from([Rules(), Rules(follow_up_days=7, min_gap_days=2)]))
    memo = ModelMemo()
    build_network(journal(before), TODAY, memo=memo)
    assert_same(
        build_network(journal(after, rules), today, memo=memo), build_network(journal(after, rules), today)
    )


def test_the_memo_derives_again_only_the_contacts_whose_objects_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contacts = [
        Contact(f"c{n}", f"c{n}.md", f"Person {n}", referred_by="c0" if n else None) for n in range(5)
    ]
    memo = ModelMemo()
    first = build_network(journal(contacts), TODAY, memo=memo)
    derived: list[str] = []
    original = model._derived
    monkeypatch.setattr(model, "_derived", lambda c, *rest: derived.append(c.id) or original(c, *rest))
    assert build_network(journal(contacts), TODAY, memo=memo).forest is first.forest and derived == []
    contacts[3] = contacts[3]._replace(log=(LogEntry(TODAY, "call"),))  # a call logged: a new object
    second = build_network(journal(contacts), TODAY, memo=memo)
    assert second.forest is first.forest and derived == ["c3"] and second.status["c3"] == "met"
    contacts[4] = contacts[4]._replace(name="Someone Else")  # the forest is ordered by name
    assert build_network(journal(contacts), TODAY, memo=memo).forest is not first.forest
    derived.clear()
    build_network(journal(contacts), TODAY + timedelta(days=1), memo=memo)  # another day: due dates move
    assert sorted(derived) == ["c0", "c1", "c2", "c3", "c4"]
    derived.clear()
    gone = build_network(journal(contacts[1:]), TODAY + timedelta(days=1), memo=memo)  # their referrer
    assert sorted(derived) == ["c1", "c2", "c3", "c4"]  # the same objects, no longer referred: not warm
    assert gone.due == build_network(journal(contacts[1:]), TODAY + timedelta(days=1)).due


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_forest_kept_by_digest_is_reused_only_while_it_is_the_forest_built_afresh(
    data: st.DataObject,
) -> None:
    """What `netsite build` keeps in its cache: a forest and the digest of what it was made of."""
    before = [data.draw(contact(n)) for n in range(data.draw(st.integers(0, 8)))]
    after = [c for c in (data.draw(edited(c)) for c in before) if c is not None]
    kept = ModelMemo(referrals="")  # nothing kept yet
    first = build_network(journal(before), TODAY, memo=kept)
    memo = ModelMemo(forest=kept.forest, referrals=kept.referrals)  # as read back in a new process
    again = build_network(journal(after), TODAY, memo=memo)
    assert_same(again, build_network(journal(after), TODAY))
    same = model.referral_digest(journal(after).contacts) == model.referral_digest(journal(before).contacts)
    assert (again.forest is first.forest) == same
    assert memo.referrals == model.referral_digest(journal(after).contacts)
    forest = memo.forest[0]  # type: ignore[index]
    assert {"preorder", "branch_sizes"} <= forest.__dict__.keys()  # made before it is kept on disk


def test_a_line_added_above_a_referrer_keeps_the_forest_and_moves_its_problem() -> None:
    """A call logged above `referred_by` moves its line, not the forest: the forest kept is reused and
    its problem about that referrer points at the new line."""
    contacts = [
        Contact("a", "a.md", "A"),
        Contact("b", "b.md", "B", referred_by="nobody", lines=key_lines({"referred_by": 3})),
    ]
    kept = ModelMemo(referrals="")
    first = build_network(journal(contacts), TODAY, memo=kept)
    contacts[1] = contacts[1]._replace(
        log=(LogEntry(TODAY, "call", line=3),), lines=key_lines({"referred_by": 5})
    )
    memo = ModelMemo(forest=kept.forest, referrals=kept.referrals)
    again = build_network(journal(contacts), TODAY, memo=memo)
    assert again.forest is first.forest
    assert [(p.path, p.line) for p in first.problems] == [("b.md", 3)]
    assert [(p.path, p.line) for p in again.problems] == [("b.md", 5)]


def test_the_referral_digest_covers_all_the_forest_reads_of_each_contact() -> None:
    from netsite.digests import value_digest
    from netsite.journal import load_journal
    from netsite.model import _referral, referral_digest

    contacts = list(load_journal(Path(__file__).resolve().parent.parent).contacts)
    assert referral_digest(contacts) == value_digest([_referral(c) for c in contacts])
