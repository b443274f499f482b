"""The dashboard's latest entries and the tree's connectors, held to their plain definitions on random
networks: ties on days, entries after TODAY, contacts without a log, chains of referrals."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netsite.config import Config
from netsite.contact import Contact, LogEntry
from netsite.journal import Journal
from netsite.model import Network, build_network
from netsite.site import RECENT, _dashboard, _tree

TODAY = date(2026, 11, 25)
NAMES = ["Ann", "ann", "Bo", "Cy", "Dee", "Eve"]  # few, in two cases: ties in the order by name

_entry = st.builds(
    LogEntry,
    date=st.integers(-4, 2).map(lambda n: TODAY + timedelta(days=n)),  # many ties, a few after TODAY
    kind=st.sampled_from(["call", "email", "thanks"]),
    line=st.one_of(st.none(), st.integers(1, 4)),  # equal lines too: ties left to the iteration order
)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    count = draw(st.integers(0, 40))
    contacts = []
    for n in range(count):
        referrer = draw(st.one_of(st.none(), st.integers(0, max(count - 1, 0)).map(lambda k: f"c{k:02d}")))
        log = tuple(draw(st.lists(_entry, max_size=4)))
        name = draw(st.sampled_from(NAMES))
        contacts.append(Contact(f"c{n:02d}", f"c{n:02d}.md", name, referred_by=referrer, log=log))
    return build_network(Journal(Path("."), Config(), True, tuple(contacts), ()), TODAY)


@settings(max_examples=300, deadline=None)
@given(networks())
def test_the_dashboard_shows_the_latest_entries_up_to_today(network: Network) -> None:
    every = [(e, c) for c in network.contacts.values() for e in c.log if e.date <= network.today]
    every.sort(key=lambda pair: (pair[0].date, pair[1].id, pair[0].line or 0), reverse=True)
    shown = _dashboard(network)["recent"]
    assert [(e, c.id) for e, c in shown] == [(e, c.id) for e, c in every[:RECENT]]


@settings(max_examples=300, deadline=None)
@given(networks())
def test_the_tree_shows_the_ten_who_referred_most_then_by_name(network: Network) -> None:
    children = network.forest.children
    givers = [(c, len(children[c.id])) for c in network.contacts.values() if children[c.id]]
    plain = sorted(givers, key=lambda p: (-p[1], p[0].name.casefold(), p[0].id))[:10]
    assert [(c.id, n) for c, n in _tree(network)["connectors"]] == [(c.id, n) for c, n in plain]
