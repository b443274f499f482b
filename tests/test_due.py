"""Due items exactly as SPEC §4 words them: thank-yous, follow-ups, reach-outs, and their order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsite.config import Rules
from netsite.contact import CONVERSATION_KINDS, LOG_CLASSES, Contact, LogEntry, key_lines
from netsite.due import DueItem, LogFacts, contact_due, follow_up_due, log_facts, sort_due, thank_you_due
from netsite.journal import load_journal
from netsite.model import build_network, derive_status
from netsite.views import due_json, due_lines

TODAY = date(2026, 11, 25)
RULES = Rules()  # follow up after 21 days, thank within 2


def d(day: str) -> date:
    return date.fromisoformat(day)


def log(*entries: str) -> tuple[LogEntry, ...]:
    """Entries written 'YYYY-MM-DD kind'."""
    parsed = [LogEntry(d(e.split()[0]), e.split()[1]) for e in entries]
    return tuple(sorted(parsed, key=lambda e: e.date))


def person(cid: str = "x", *entries: str, **fields: object) -> Contact:
    return Contact(id=cid, path=f"contacts/{cid}.md", name=cid.title(), log=log(*entries), **fields)


def due_of(contact: Contact, referred: bool = False, rules: Rules = RULES) -> list[tuple[str, date, int]]:
    status, _ = derive_status(contact)
    return [(i.kind, i.due, i.overdue_days) for i in contact_due(contact, status, referred, rules, TODAY)]


# --- what the rules read of a log ---------------------------------------------------------------


@given(
    st.lists(st.tuples(st.dates(date(2026, 1, 1), date(2026, 1, 20)), st.sampled_from(sorted(LOG_CLASSES))))
)
def test_log_facts_are_the_latest_entry_conversation_and_thank_you(entries: list[tuple[date, str]]) -> None:
    contact = person("x", *(f"{day} {kind}" for day, kind in entries))

    def latest(kinds: set[str]) -> date | None:
        return max((e.date for e in contact.log if e.kind in kinds), default=None)

    expected = LogFacts(latest(set(LOG_CLASSES)), latest(set(CONVERSATION_KINDS)), latest({"thanks"}))
    assert log_facts(contact) == expected


# --- thank-you ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "due"),
    [
        (["2026-11-06 call"], "2026-11-08"),
        (["2026-11-06 call", "2026-11-06 thanks"], None),  # thanks the same day
        (["2026-11-06 meeting", "2026-11-20 thanks"], None),  # thanks later
        (["2026-11-05 thanks", "2026-11-06 call"], "2026-11-08"),  # thanks before does not count
        (["2026-11-01 call", "2026-11-02 thanks", "2026-11-10 meeting"], "2026-11-12"),  # latest unthanked
        (["2026-11-01 call", "2026-11-10 meeting", "2026-11-10 thanks"], None),  # latest thanked
        (["2026-11-06 email", "2026-11-07 reply", "2026-11-08 update"], None),  # no conversation
        ([], None),
    ],
)
def test_thank_you(entries: list[str], due: str | None) -> None:
    assert thank_you_due(person("x", *entries), RULES) == (d(due) if due else None)


def test_thank_you_days_from_the_rules() -> None:
    assert thank_you_due(person("x", "2026-11-06 call"), Rules(thank_you_days=0)) == d("2026-11-06")
    assert thank_you_due(person("x", "2026-11-06 call"), Rules(thank_you_days=5)) == d("2026-11-11")


def test_unknown_kind_counted_as_other_is_no_conversation() -> None:
    assert thank_you_due(person("x", "2026-11-06 other"), RULES) is None


# --- follow-up ----------------------------------------------------------------------------------


def test_follow_up_from_the_last_contact_of_any_kind() -> None:
    contact = person("x", "2026-10-01 email", "2026-10-20 reply")
    assert due_of(contact) == [("follow-up", d("2026-11-10"), 15)]


def test_follow_up_from_next_follow_up_overrides_the_rule() -> None:
    contact = person("x", "2026-11-01 email", next_follow_up=d("2026-12-01"))
    assert due_of(contact) == [("follow-up", d("2026-12-01"), -6)]


def test_follow_up_with_the_contacts_own_interval() -> None:
    contact = person("x", "2026-11-10 email", follow_up_days=3)
    assert due_of(contact) == [("follow-up", d("2026-11-13"), 12)]


def test_follow_up_with_the_journals_interval() -> None:
    contact = person("x", "2026-11-10 email")
    assert follow_up_due(contact, Rules(follow_up_days=7), TODAY) == d("2026-11-17")


def test_follow_up_with_empty_log_counts_from_added() -> None:
    contact = person("x", status="contacted", added=d("2026-11-03"))
    assert due_of(contact) == [("follow-up", d("2026-11-24"), 1)]


def test_follow_up_with_nothing_known_counts_from_today() -> None:
    contact = person("x", status="met")
    assert due_of(contact) == [("follow-up", d("2026-12-16"), -21)]


def test_met_contact_gets_thank_you_and_follow_up() -> None:
    contact = person("x", "2026-11-20 call")
    assert due_of(contact) == [
        ("thank-you", d("2026-11-22"), 3),
        ("follow-up", d("2026-12-11"), -16),
    ]


# --- reach-out, dormant -------------------------------------------------------------------------


def test_reach_out_is_due_on_added_and_warm_with_a_referrer() -> None:
    contact = person("x", added=d("2026-11-10"))
    (item,) = contact_due(contact, "identified", True, RULES, TODAY)
    assert (item.kind, item.due, item.overdue_days, item.warm) == ("reach-out", d("2026-11-10"), 15, True)
    (cold,) = contact_due(contact, "identified", False, RULES, TODAY)
    assert cold.warm is False


def test_reach_out_without_added_is_due_today() -> None:
    (item,) = contact_due(person("x"), "identified", False, RULES, TODAY)
    assert (item.due, item.overdue_days) == (TODAY, 0)


def test_explicit_identified_with_a_log_only_gets_a_reach_out() -> None:
    contact = person("x", "2026-11-01 email", status="identified", added=d("2026-11-01"))
    assert due_of(contact) == [("reach-out", d("2026-11-01"), 24)]


@pytest.mark.parametrize("entries", [[], ["2026-11-06 call"], ["2026-01-01 email"]])
def test_dormant_has_nothing_due(entries: list[str]) -> None:
    contact = person("x", *entries, status="dormant", next_follow_up=d("2026-11-01"))
    assert contact_due(contact, "dormant", True, RULES, TODAY) == []


def test_derived_status() -> None:
    assert derive_status(person("x"))[0] == "identified"
    assert derive_status(person("x", "2026-11-01 email"))[0] == "contacted"
    assert derive_status(person("x", "2026-11-01 email", "2026-11-02 meeting"))[0] == "met"
    assert derive_status(person("x", "2026-11-01 call", status="contacted"))[0] == "contacted"


def test_explicit_identified_with_conversations_is_a_warning_and_kept() -> None:
    contact = person("x", "2026-11-01 call", status="identified", lines=key_lines({"status": 4}))
    status, problems = derive_status(contact)
    assert status == "identified"
    assert [(p.line, p.severity) for p in problems] == [(4, "warning")]


# --- order and output ---------------------------------------------------------------------------


def test_items_are_sorted_by_due_then_contact_then_kind() -> None:
    items = [
        DueItem("b", "B", "thank-you", d("2026-11-20"), 5),
        DueItem("b", "B", "follow-up", d("2026-11-20"), 5),
        DueItem("a", "A", "reach-out", d("2026-11-21"), 4, False),
        DueItem("c", "C", "follow-up", d("2026-11-19"), 6),
        DueItem("a", "A", "thank-you", d("2026-11-20"), 5),
    ]
    order = [(i.due.day, i.contact, i.kind) for i in sort_due(items)]
    assert order == [
        (19, "c", "follow-up"),
        (20, "a", "thank-you"),
        (20, "b", "follow-up"),
        (20, "b", "thank-you"),
        (21, "a", "reach-out"),
    ]


def journal_files() -> dict[str, str]:
    def f(name: str, *lines: str) -> str:
        return "\n".join(["---", f"name: {name}", *lines, "---", ""])

    return {
        "amy.md": f("Amy", "log:", "  - 2026-11-20 call", "  - 2026-11-01 email"),
        "ben.md": f("Ben", "referred_by: amy", "added: 2026-11-22"),
        "cat.md": f("Cat", "referred_by: nobody-known", "added: 2026-11-22"),
        "dan.md": f("Dan", "status: dormant", "log:", "  - 2026-10-01 call"),
        "eve.md": f("Eve", "log:", "  - 2026-11-10 email"),
        "fay.md": f(
            "Fay", "next_follow_up: 2026-11-22", "log:", "  - 2026-11-20 meeting", "  - 2026-11-21 thanks"
        ),
    }


def test_network_due_list_and_json(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    network = build_network(load_journal(make_journal(tmp_path, journal_files())), TODAY)
    assert due_json(network) == {
        "today": "2026-11-25",
        "items": [
            {"contact": "amy", "name": "Amy", "kind": "thank-you", "due": "2026-11-22", "overdue_days": 3},
            {
                "contact": "ben",
                "name": "Ben",
                "kind": "reach-out",
                "due": "2026-11-22",
                "overdue_days": 3,
                "warm": True,
            },
            {
                "contact": "cat",
                "name": "Cat",
                "kind": "reach-out",
                "due": "2026-11-22",
                "overdue_days": 3,
                "warm": False,
            },
            {"contact": "fay", "name": "Fay", "kind": "follow-up", "due": "2026-11-22", "overdue_days": 3},
            {"contact": "eve", "name": "Eve", "kind": "follow-up", "due": "2026-12-01", "overdue_days": -6},
            {"contact": "amy", "name": "Amy", "kind": "follow-up", "due": "2026-12-11", "overdue_days": -16},
        ],
    }
    # next_follow_up two days after the last contact is pestering (min_gap_days 7): a warning on its line
    assert [(p.path, p.line, p.severity) for p in network.problems if "pester" in p.message] == [
        ("contacts/fay.md", 3, "warning")
    ]


def test_explicit_identified_with_a_call_is_warned_on_its_line(
    tmp_path: Path, make_journal: Callable[..., Path]
) -> None:
    text = "---\nname: A\nadded: 2026-11-01\nstatus: identified\nlog:\n  - 2026-11-03 call\n---\n"
    network = build_network(load_journal(make_journal(tmp_path, {"a.md": text})), TODAY)
    assert [(p.line, p.severity) for p in network.problems] == [(4, "warning")]
    assert network.status["a"] == "identified"
    assert [(i.kind, i.due) for i in network.due] == [
        ("reach-out", d("2026-11-01")),
        ("thank-you", d("2026-11-05")),
    ]


def test_dates_at_the_end_of_the_calendar_do_not_crash(
    tmp_path: Path, make_journal: Callable[..., Path]
) -> None:
    text = "---\nname: A\nnext_follow_up: 9999-12-31\nlog:\n  - 9999-12-30 call\n---\n"
    network = build_network(load_journal(make_journal(tmp_path, {"a.md": text})), TODAY)
    assert [(i.kind, i.due) for i in network.due] == [("follow-up", date.max), ("thank-you", date.max)]
    assert thank_you_due(person("x", "9999-12-31 call"), RULES) == date.max
    assert follow_up_due(person("x", "2026-11-01 email", follow_up_days=10**12), RULES, TODAY) == date.max


def test_min_gap_boundary(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    def f(follow: str) -> str:
        return f"---\nname: A\nnext_follow_up: {follow}\nlog:\n  - 2026-11-10 email\n---\n"

    root = make_journal(
        tmp_path, {"on.md": f("2026-11-17"), "early.md": f("2026-11-16"), "past.md": f("2026-11-01")}
    )
    network = build_network(load_journal(root), TODAY)
    warned = sorted(p.path for p in network.problems if p.severity == "warning")
    assert warned == ["contacts/early.md", "contacts/past.md"]


def test_terminal_due_list_groups_overdue_today_and_upcoming(
    tmp_path: Path, make_journal: Callable[..., Path]
) -> None:
    files = journal_files()
    files["gil.md"] = "---\nname: Gil\nstatus: met\nnext_follow_up: 2026-11-25\n---\n"
    files["hal.md"] = "---\nname: Hal\nstatus: met\nnext_follow_up: 2027-03-01\n---\n"
    network = build_network(load_journal(make_journal(tmp_path, files)), TODAY)
    lines = list(due_lines(network))
    text = "\n".join(lines)
    assert lines[0] == "Overdue (4)"
    assert "Due today (1)" in lines and "Coming up (1)" in lines
    assert text.index("Overdue") < text.index("Due today") < text.index("Coming up")
    assert "warm lead" in text and "Ben" in text
    assert "Hal" not in text  # more than two weeks away
    assert lines[-1] == "2 more after 2026-12-09 (netsite due --all)"
    assert "Hal" in "\n".join(due_lines(network, show_all=True))


def test_the_due_list_on_the_last_day_there_is(tmp_path: Path, make_journal: Callable[..., Path]) -> None:
    """Two weeks after 9999-12-31 do not exist: the list shows what is due up to that day."""
    network = build_network(load_journal(make_journal(tmp_path, journal_files())), date.max)
    lines = list(due_lines(network))
    assert lines[0].startswith("Overdue") and any("Amy" in line for line in lines)
