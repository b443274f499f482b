"""Weekly reports counted by hand: ISO week boundaries, referrals, network size, goals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from helpers import REPORT_KEYS
from hypothesis import given, settings
from hypothesis import strategies as st

from netsite.config import Goals
from netsite.contact import Contact, LogEntry
from netsite.journal import load_journal
from netsite.model import Network, build_network
from netsite.views import report_lines
from netsite.weekly import Week, WeekReport, week_reports, weeks_between

MakeJournal = Callable[..., Path]


def f(name: str, *lines: str) -> str:
    return "\n".join(["---", f"name: {name}", *lines, "---", ""])


# amy: first-degree; ben and eve referred by amy in W47; cat's referrer resolves to nobody; dan was added
# the Sunday before W47; fay has no referrer; gus first appears the Monday after W47.
FILES = {
    "amy.md": f(
        "Amy",
        "added: 2026-11-02",
        "log:",
        "  - 2026-11-03 email",
        "  - 2026-11-16 call",  # Monday of W47
        "  - 2026-11-17 thanks",
        "  - 2026-11-22 update",  # Sunday of W47
        "  - 2026-11-23 call",  # Monday of W48
    ),
    "ben.md": f("Ben", "referred_by: amy", "log:", "  - 2026-11-19 meeting", "  - 2026-11-16 email"),
    "cat.md": f("Cat", "referred_by: Nobody", "added: 2026-11-18"),
    "dan.md": f("Dan", "referred_by: Amy", "added: 2026-11-15"),
    "eve.md": f("Eve", "referred_by: '[[Amy]]'", "added: 2026-11-22"),
    "fay.md": f("Fay", "referred_by: me", "added: 2026-11-20"),
    "gus.md": f("Gus", "log:", "  - 2026-11-23 reply"),
}
CONFIG = """\
[goals]
new_contacts = 3
conversations = 2
referrals_per_conversation = 1.5
network_size = 20
network_weeks = 4
"""


@pytest.fixture
def network(tmp_path: Path, make_journal: MakeJournal) -> Network:
    return build_network(load_journal(make_journal(tmp_path, FILES, CONFIG)), date(2026, 11, 25))


def report(network: Network, label: str) -> dict[str, object]:
    return network.reports([Week.parse(label)])[0].as_json()


def test_week_47_counted_by_hand(network: Network) -> None:
    assert report(network, "2026-W47") == {
        "week": "2026-W47",
        "start": "2026-11-16",
        "end": "2026-11-22",
        "new_contacts": 4,  # ben (from his first log entry), cat, eve (Sunday), fay
        "reached": 2,  # amy, ben
        "conversations": 2,  # amy's call, ben's meeting
        "referrals": 2,  # ben, eve
        "referrals_per_conversation": 1.0,
        "thanks_sent": 1,
        "updates_sent": 1,
        "network_size": 2,  # amy, ben: gus's first entry is after Sunday
        "goals": {
            "new_contacts": 3,
            "conversations": 2,
            "referrals_per_conversation": 1.5,
            "network_size": 20,
            "network_weeks": 4,
        },
    }


def test_week_46_has_no_conversations_so_no_ratio(network: Network) -> None:
    week = report(network, "2026-W46")
    assert (week["start"], week["end"]) == ("2026-11-09", "2026-11-15")
    assert (week["new_contacts"], week["referrals"], week["conversations"]) == (1, 1, 0)  # dan
    assert week["referrals_per_conversation"] is None
    assert (week["reached"], week["network_size"]) == (0, 1)


def test_week_48_ratio_zero_not_null(network: Network) -> None:
    week = report(network, "2026-W48")
    assert (week["new_contacts"], week["reached"], week["conversations"], week["referrals"]) == (1, 2, 1, 0)
    assert week["referrals_per_conversation"] == 0.0
    assert week["network_size"] == 3


def test_report_has_exactly_the_spec_keys(network: Network) -> None:
    assert set(report(network, "2026-W47")) == REPORT_KEYS


def test_weeks_run_from_the_first_log_entry_to_today(network: Network) -> None:
    assert [w.label for w in network.weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_report_lines_show_figures_beside_goals(network: Network) -> None:
    lines = list(report_lines(network.reports([Week(2026, 47)])[0]))
    assert lines[0] == "Week 2026-W47 (2026-11-16 to 2026-11-22)"
    by_label = {line.split("  ")[1]: line.split() for line in lines[1:]}
    assert by_label["New contacts"][-3:] == ["4", "goal", "3"]
    assert by_label["Referrals per conversation"][-3:] == ["1.00", "goal", "1.5"]
    assert "goal 20 by week 4" in lines[-1]


def test_null_ratio_is_shown_as_a_dash(network: Network) -> None:
    lines = list(report_lines(network.reports([Week(2026, 46)])[0]))
    assert any(line.split()[:5] == ["Referrals", "per", "conversation", "–", "goal"] for line in lines)


# --- ISO weeks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2026-11-16", "2026-W47"),  # Monday
        ("2026-11-22", "2026-W47"),  # Sunday
        ("2026-11-23", "2026-W48"),
        ("2025-12-29", "2026-W01"),  # 2026 starts on a Thursday: its week 1 begins in 2025
        ("2026-12-27", "2026-W52"),
        ("2026-12-28", "2026-W53"),  # ... and it has 53 weeks
        ("2027-01-03", "2026-W53"),
        ("2027-01-04", "2027-W01"),
        ("2021-01-03", "2020-W53"),
    ],
)
def test_week_of_a_day(day: str, label: str) -> None:
    assert Week.of(date.fromisoformat(day)).label == label


def test_week_53_spans_the_new_year() -> None:
    week = Week.parse("2026-W53")
    assert (week.start, week.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.next() == Week(2027, 1)
    assert Week(2027, 1).start == date(2027, 1, 4)


@pytest.mark.parametrize("text", ["2026-W47", "2026-w47", " 2026-W47 "])
def test_week_parse(text: str) -> None:
    assert Week.parse(text) == Week(2026, 47)


@pytest.mark.parametrize(
    "text",
    [
        "2026-47",
        "2026W47",
        "W47",
        "2026-W5",
        "2026-W047",
        "2026-W00",
        "2026-W54",
        "2027-W53",
        "",
        "2026-W4a",
        "abcd-W01",
        "-W47",
    ],
)
def test_bad_week_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        Week.parse(text)


def test_weeks_between_crosses_the_year() -> None:
    weeks = weeks_between(date(2026, 12, 20), date(2027, 1, 5))
    assert [w.label for w in weeks] == ["2026-W51", "2026-W52", "2026-W53", "2027-W01"]
    assert weeks_between(date(2026, 11, 25), date(2026, 11, 25)) == [Week(2026, 48)]


def test_the_last_week_of_the_calendar() -> None:
    week = Week.of(date.max)
    assert (week.label, week.start, week.end) == ("9999-W52", date(9999, 12, 27), date.max)
    assert weeks_between(date(9999, 12, 20), date.max) == [Week(9999, 51), Week(9999, 52)]


def test_entries_on_both_sides_of_the_year_boundary(tmp_path: Path, make_journal: MakeJournal) -> None:
    files = {
        "hal.md": f(
            "Hal",
            "log:",
            "  - 2026-12-27 email",  # Sunday of W52
            "  - 2026-12-28 call",  # Monday of W53
            "  - 2027-01-03 thanks",  # Sunday of W53, already 2027
            "  - 2027-01-04 update",  # Monday of 2027-W01
        ),
        "ivy.md": f("Ivy", "referred_by: hal", "added: 2027-01-01"),
    }
    network = build_network(load_journal(make_journal(tmp_path, files)), date(2027, 1, 6))
    w52, w53, w01 = (r.as_json() for r in network.reports([Week(2026, 52), Week(2026, 53), Week(2027, 1)]))
    assert (w52["reached"], w52["conversations"], w52["new_contacts"]) == (1, 0, 1)  # hal added by his log
    assert (w53["conversations"], w53["thanks_sent"], w53["new_contacts"], w53["referrals"]) == (1, 1, 1, 1)
    assert w53["referrals_per_conversation"] == 1.0
    assert (w01["updates_sent"], w01["reached"], w01["conversations"]) == (1, 1, 0)
    assert [w["network_size"] for w in (w52, w53, w01)] == [1, 1, 1]
    assert [w.label for w in network.weeks] == ["2026-W52", "2026-W53", "2027-W01"]


def test_cycle_member_added_in_the_week_still_counts_as_a_referral(
    tmp_path: Path, make_journal: MakeJournal
) -> None:
    """SPEC: referrals are contacts whose referred_by resolves, which a cycle member's still does."""
    files = {
        "x.md": f("X", "referred_by: y", "added: 2026-11-17"),
        "y.md": f("Y", "referred_by: x", "added: 2026-11-18", "log:", "  - 2026-11-18 call"),
    }
    network = build_network(load_journal(make_journal(tmp_path, files)), date(2026, 11, 25))
    assert report(network, "2026-W47")["referrals"] == 2


def test_a_typo_in_an_old_year_makes_at_most_ten_years_of_week_pages(make_journal, tmp_path) -> None:
    from netsite.journal import load_journal
    from netsite.model import MAX_WEEKS, build_network

    root = make_journal(tmp_path, {"a.md": "---\nname: A\nlog:\n  - 0202-11-06 call\n---\n"})
    network = build_network(load_journal(root), date(2026, 11, 25))
    assert len(network.weeks) == MAX_WEEKS
    assert network.weeks[-1] == Week(2026, 48)


def reports_one_by_one(
    weeks: list[Week], contacts: list[Contact], referred: set[str], goals: Goals
) -> list[WeekReport]:
    """Count the weeks as the plain loop over every contact and entry does (what week_reports
    must give, however it counts)."""
    new: dict[Week, list[str]] = {}
    reached: dict[Week, dict[str, None]] = {}
    kinds: dict[Week, Counter[str]] = {}
    for c in contacts:
        if c.added is not None:
            new.setdefault(Week.of(c.added), []).append(c.id)
        for e in c.log:
            reached.setdefault(Week.of(e.date), {})[c.id] = None
            kinds.setdefault(Week.of(e.date), Counter())[e.kind] += 1
    firsts = sorted(c.log[0].date for c in contacts if c.log)
    return [
        WeekReport(
            week=w,
            new_contacts=tuple(new.get(w, ())),
            reached=tuple(reached.get(w, {})),
            conversations=kinds.get(w, Counter())["call"] + kinds.get(w, Counter())["meeting"],
            referrals=tuple(cid for cid in new.get(w, ()) if cid in referred),
            thanks_sent=kinds.get(w, Counter())["thanks"],
            updates_sent=kinds.get(w, Counter())["update"],
            network_size=sum(first <= w.end for first in firsts),
            goals=goals,
        )
        for w in weeks
    ]


DAYS = st.dates(min_value=date(2025, 12, 20), max_value=date(2026, 1, 20))
KINDS = st.sampled_from(["call", "meeting", "thanks", "update", "email"])
ENTRIES = st.lists(st.builds(LogEntry, DAYS, KINDS))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.none() | DAYS, ENTRIES), max_size=12),
    st.sets(st.integers(0, 11)),
)
def test_week_reports_count_as_one_by_one(
    people: list[tuple[date | None, list[LogEntry]]], refs: set[int]
) -> None:
    contacts = [
        Contact(id=f"c{i}", path=f"c{i}.md", name=f"C {i}", added=added, log=tuple(log))
        for i, (added, log) in enumerate(people)
    ]
    weeks = weeks_between(date(2025, 12, 15), date(2026, 1, 25))
    referred = {f"c{i}" for i in refs}
    expected = reports_one_by_one(weeks, contacts, referred, Goals())
    assert week_reports(weeks, contacts, referred, Goals()) == expected
