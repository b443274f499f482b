"""Loading a journal folder: contact files in subfolders, duplicate ids, hidden files, configuration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from netsite.config import Config, Goals, Rules, SiteSettings, parse_config
from netsite.journal import Journal, load_journal
from netsite.model import build_network
from netsite.problems import Problem

MakeJournal = Callable[..., Path]


def person(name: str, *lines: str) -> str:
    return "\n".join(["---", f"name: {name}", *lines, "---", ""])


def problems_of(journal: Journal) -> list[tuple[str, int | None, str]]:
    return [(p.path, p.line, p.severity) for p in journal.problems]


# --- contact files ----------------------------------------------------------------------------


def test_contacts_in_subfolders_are_found_with_relative_paths(
    tmp_path: Path, make_journal: MakeJournal
) -> None:
    root = make_journal(
        tmp_path,
        {
            "zoe.md": person("Zoë Ng"),
            "inner-circle/amy.md": person("Amy"),
            "targets/acme/deep/ben.md": person("Ben", "referred_by: amy"),
        },
    )
    journal = load_journal(root)
    assert [c.id for c in journal.contacts] == ["amy", "ben", "zoe"]  # sorted by id
    assert [c.path for c in journal.contacts] == [
        "contacts/inner-circle/amy.md",
        "contacts/targets/acme/deep/ben.md",
        "contacts/zoe.md",
    ]
    assert journal.problems == ()
    assert journal.contacts[2].name == "Zoë Ng"


def test_duplicate_ids_across_folders_are_both_left_out_and_both_reported(
    tmp_path: Path, make_journal: MakeJournal
) -> None:
    root = make_journal(
        tmp_path,
        {
            "jane.md": person("Jane A"),
            "old/jane.md": person("Jane B"),
            "bob.md": person("Bob", "referred_by: jane"),
        },
    )
    journal = load_journal(root)
    assert [c.id for c in journal.contacts] == ["bob"]
    assert problems_of(journal) == [
        ("contacts/jane.md", None, "error"),
        ("contacts/old/jane.md", None, "error"),
    ]
    first, second = journal.problems
    assert "contacts/old/jane.md" in first.message and "'jane'" in first.message
    assert "contacts/jane.md" in second.message
    network = build_network(journal, date(2026, 11, 25))
    assert network.forest.unresolved == (("bob", "jane"),)  # the referrer left out is unresolved


def test_three_files_with_one_id(tmp_path: Path, make_journal: MakeJournal) -> None:
    files = {"a/x.md": person("X1"), "b/x.md": person("X2"), "x.md": person("X3"), "y.md": person("Y")}
    journal = load_journal(make_journal(tmp_path, files))
    assert [c.id for c in journal.contacts] == ["y"]
    assert [p.path for p in journal.problems] == ["contacts/a/x.md", "contacts/b/x.md", "contacts/x.md"]
    assert all(p.severity == "error" for p in journal.problems)


def test_duplicate_id_of_a_broken_file_still_counts(tmp_path: Path, make_journal: MakeJournal) -> None:
    journal = load_journal(make_journal(tmp_path, {"x.md": person("X"), "sub/x.md": "---\n[\n---\n"}))
    assert journal.contacts == ()
    assert sorted({p.path for p in journal.problems}) == ["contacts/sub/x.md", "contacts/x.md"]


def test_hidden_files_and_folders_and_other_extensions_are_skipped(
    tmp_path: Path, make_journal: MakeJournal
) -> None:
    root = make_journal(
        tmp_path,
        {
            "amy.md": person("Amy"),
            ".draft.md": "not a contact",
            ".#amy.md": "emacs lock",
            ".obsidian/workspace.md": "nope",
            "sub/.hidden/ben.md": "nope",
            "amy.md~": "backup",
            "amy.md.bak": "backup",
            "notes.txt": "text",
            "README": "readme",
        },
    )
    (root / "contacts" / "folder.md").mkdir()  # a folder whose name ends in .md
    journal = load_journal(root)
    assert [c.id for c in journal.contacts] == ["amy"]
    assert journal.problems == ()


def test_a_hidden_journal_folder_still_works(tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path / ".journal", {"amy.md": person("Amy")})
    assert [c.id for c in load_journal(root).contacts] == ["amy"]


def test_one_broken_file_leaves_the_others_alone(tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(
        tmp_path,
        {
            "a.md": person("A"),
            "b.md": "---\nname: B\ntags: [x\n---\n",
            "c.md": b"---\nname: C\xe9\n---\n",
            "d.md": "no front matter at all\n",
            "e.md": person("E", "status: busy"),
        },
    )
    journal = load_journal(root)
    assert [c.id for c in journal.contacts] == ["a", "e"]
    assert problems_of(journal) == [
        ("contacts/b.md", 3, "error"),
        ("contacts/c.md", 2, "error"),
        ("contacts/d.md", 1, "error"),
        ("contacts/e.md", 3, "error"),
    ]


def test_no_contacts_folder_is_an_empty_journal(tmp_path: Path) -> None:
    journal = load_journal(tmp_path)
    assert (journal.contacts, journal.problems, journal.config_ok) == ((), (), True)
    assert journal.config == Config()


def test_contact_problems_keep_their_lines_through_the_journal(
    tmp_path: Path, make_journal: MakeJournal
) -> None:
    text = "---\nname: A\nlinkedin: linkedin.com/in/a\nlog:\n  - 2026-11-01 lunch\n---\n"
    journal = load_journal(make_journal(tmp_path, {"sub/a.md": text}))
    assert problems_of(journal) == [("contacts/sub/a.md", 3, "warning"), ("contacts/sub/a.md", 5, "error")]
    assert sorted(journal.contacts[0].problems) == sorted(journal.problems)


def test_parse_cache_is_keyed_by_path_and_content(tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": person("A"), "b.md": person("B")})
    cache: dict = {}
    first = load_journal(root, cache)
    assert len(cache) == 2
    again = load_journal(root, cache)
    assert again.contacts[0] is first.contacts[0]  # reused, not re-parsed
    (root / "contacts" / "a.md").write_text(person("A2"), encoding="utf-8")
    changed = load_journal(root, cache)
    assert [c.name for c in changed.contacts] == ["A2", "B"]
    assert changed.contacts[1] is first.contacts[1]


# --- configuration ----------------------------------------------------------------------------

FULL_CONFIG = """\
[site]
title = "Alex's network"
owner = "Alex Morgan"

[rules]
follow_up_days = 14
thank_you_days = 1
stale_days = 30
min_gap_days = 5

[goals]
new_contacts = 8
conversations = 4
referrals_per_conversation = 2.5
network_size = 40
network_weeks = 4

[targets]
companies = ["Acme Corp", " Globex ", ""]
"""


def test_full_config_is_read() -> None:
    config, problems = parse_config(FULL_CONFIG)
    assert problems == []
    assert config == Config(
        site=SiteSettings(title="Alex's network", owner="Alex Morgan"),
        rules=Rules(follow_up_days=14, thank_you_days=1, stale_days=30, min_gap_days=5),
        goals=Goals(
            new_contacts=8,
            conversations=4,
            referrals_per_conversation=2.5,
            network_size=40,
            network_weeks=4,
        ),
        target_companies=("Acme Corp", "Globex"),
    )


def test_missing_config_gives_defaults(tmp_path: Path, make_journal: MakeJournal) -> None:
    journal = load_journal(make_journal(tmp_path, {"a.md": person("A")}))
    assert journal.config == Config()
    assert journal.config.rules == Rules(follow_up_days=21, thank_you_days=2, stale_days=60, min_gap_days=7)
    assert journal.config_ok


@pytest.mark.parametrize("value", [3, 2.5, 0])
def test_ratio_goal_takes_whole_and_fractional_numbers(value: float) -> None:
    config, problems = parse_config(f"[goals]\nreferrals_per_conversation = {value}\n")
    assert problems == [] and config is not None
    assert config.goals.referrals_per_conversation == value
    assert config.goals.as_json()["referrals_per_conversation"] == value


def test_invalid_toml_is_an_error_on_its_line_and_defaults_are_used(
    tmp_path: Path, make_journal: MakeJournal
) -> None:
    config = "[site]\ntitle = 'x'\n\n[rules]\nfollow_up_days = = 3\n"
    journal = load_journal(make_journal(tmp_path, {"a.md": person("A")}, config))
    assert problems_of(journal) == [("netsite.toml", 5, "error")]
    assert journal.problems[0].message.startswith("invalid TOML")
    assert not journal.config_ok
    assert journal.config == Config()
    assert [c.id for c in journal.contacts] == ["a"]  # contacts are still read


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[rules]\nfollow_up_days = "three"\n', 2),
        ("\n[rules]\nstale_days = 60\nthank_you_days = -1\n", 4),
        ("[rules]\nmin_gap_days = 2.5\n", 2),
        ("[rules]\nfollow_up_days = true\n", 2),
        ("[site]\ntitle = 5\n", 2),
        ("[site]\nallow_html = 'yes'\n", 2),
        ("[goals]\nreferrals_per_conversation = -1\n", 2),
        ("[targets]\ncompanies = 'Acme'\n", 2),
        ("[targets]\ncompanies = ['Acme', 3]\n", 2),
    ],
)
def test_bad_config_value_is_an_error_on_its_line_and_the_default_kept(text: str, line: int) -> None:
    config, problems = parse_config(text)
    assert [(p.path, p.line, p.severity) for p in problems] == [("netsite.toml", line, "error")]
    assert config is not None
    assert config.rules == Rules()
    assert config.site == SiteSettings()
    assert config.target_companies == ()


def test_good_values_survive_a_bad_neighbour() -> None:
    config, problems = parse_config("[rules]\nfollow_up_days = 10\nthank_you_days = 'x'\nstale_days = 0\n")
    assert [p.line for p in problems] == [3]
    assert config is not None
    assert config.rules == Rules(follow_up_days=10, thank_you_days=2, stale_days=0)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[rules]\nfollow_up_days = 3\nfolow_up_days = 4\n", 3),
        ("[site]\ntitle = 'x'\n\n[extras]\na = 1\n", 4),
        ("colour = 'blue'\n", 1),
        # the same unknown name in a later table is located in that table, not the first one
        ("[site]\ntitle = 'x'\n\n[goals]\ntitle = 'y'\n", 5),
        ("[rules]\nstale_days = 1\n[goals]\nstale_days = 2\n", 4),
    ],
)
def test_unknown_config_key_is_a_warning_on_its_line(text: str, line: int) -> None:
    config, problems = parse_config(text)
    assert config is not None
    assert [(p.line, p.severity) for p in problems] == [(line, "warning")]


def test_section_that_is_not_a_table_is_an_error() -> None:
    config, problems = parse_config("title = 'x'\nrules = 5\n")
    assert config is not None and config.rules == Rules()
    assert [(p.line, p.severity) for p in problems if "rules" in p.message] == [(2, "error")]


def test_config_that_is_not_utf8_is_an_error(tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": person("A")})
    (root / "netsite.toml").write_bytes(b"[site]\ntitle = '\xe9'\n")
    journal = load_journal(root)
    assert [(p.path, p.severity) for p in journal.problems] == [("netsite.toml", "error")]
    assert not journal.config_ok


def test_config_rules_reach_the_model(tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(
        tmp_path,
        {"a.md": person("A", "log:", "  - 2026-11-02 email")},
        "[rules]\nfollow_up_days = 5\n",
    )
    network = build_network(load_journal(root), date(2026, 11, 25))
    (item,) = network.due
    assert (item.kind, item.due) == ("follow-up", date(2026, 11, 7))


def test_problem_str_is_path_line_severity_message() -> None:
    assert str(Problem("contacts/a.md", 3, "error", "bad")) == "contacts/a.md:3: error: bad"
    assert str(Problem("netsite.toml", None, "warning", "odd")) == "netsite.toml: warning: odd"
