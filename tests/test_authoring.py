"""init, new and log: new files from templates, and log entries appended without touching other bytes."""

from __future__ import annotations

import os
import stat
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import journal_copy, run
from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import authoring as au
from netsite import frontmatter_yaml as fm
from netsite.contact import parse_contact
from netsite.journal import load_journal

FIXTURES = Path(__file__).parent / "fixtures" / "interchange"
DAY = date(2026, 11, 25)


def inserted(before: str, after: str) -> list[str]:
    """Return the lines after has that before lacks, asserting nothing else moved or changed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old))
    added = len(new) - len(old)
    assert new[:at] == old[:at] and new[at + added :] == old[at:], "only whole lines may be inserted"
    return new[at : at + added]


def log(text: str, kind: str = "call", note: str = "", day: date = DAY) -> str:
    result = au.append_log(text, day, kind, note)
    assert isinstance(result, str), result
    return result


# --- YAML scalars ---------------------------------------------------------------------------


def _load(document: str) -> object:
    return fm.load(fm.split(f"---\n{document}\n---\n"))


@given(st.text())
def test_yaml_scalar_reads_back_as_the_same_string(text: str) -> None:
    written = au.yaml_scalar(text)
    assert _load(f"key: {written}") == {"key": text}
    assert yaml.safe_load(f"key: {written}") == {"key": text}


@given(st.lists(st.text(), max_size=3))
def test_flow_scalars_read_back_as_the_same_list(items: list[str]) -> None:
    written = "[" + ", ".join(au.yaml_scalar(t, flow=True) for t in items) + "]"
    assert _load(f"tags: {written}") == {"tags": items}


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Acme Corp", "Acme Corp"),
        ('Jane "JJ" Doe', 'Jane "JJ" Doe'),
        ("+1 555 0100", "+1 555 0100"),
        ("Acme: Corp", '"Acme: Corp"'),
        ("no", '"no"'),
        ("2026-11-25", '"2026-11-25"'),
        ("[[Bob Smith]]", '"[[Bob Smith]]"'),
        ("line\nbreak", '"line\\nbreak"'),
        ("", '""'),
    ],
)
def test_yaml_scalar_quotes_only_when_needed(text: str, written: str) -> None:
    assert au.yaml_scalar(text) == written


# --- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Doe", "jane-doe"),
        ("  Zoë   O'Brien-Núñez ", "zoe-obrien-nunez"),
        ("Jürgen Weiß", "jurgen-weiss"),
        ("Søren Łukasz Ørsted", "soren-lukasz-orsted"),
        ("Grace O’Neil 🚀", "grace-oneil"),
        ("李伟", "李伟"),
        ("🚀", "contact"),
    ],
)
def test_contact_id_transliterates(name: str, expected: str) -> None:
    assert au.contact_id(name) == expected


def test_free_id_counts_up_past_taken_ids_in_any_case() -> None:
    assert au.free_id("jane-doe", {"Jane-Doe", "jane-doe-2"}) == "jane-doe-3"
    assert au.free_id("bob", set()) == "bob"


# --- log: byte-for-byte -------------------------------------------------------------------------


def test_log_appends_after_the_last_item_keeping_comments_and_odd_indentation() -> None:
    before = (FIXTURES / "journal" / "contacts" / "priya-raman.md").read_text(encoding="utf-8")
    after = log(before, "call", "talked about fintech; suggested Carol")
    assert inserted(before, after) == ["    -   2026-11-25 call: talked about fintech; suggested Carol\n"]
    assert after.index("suggested Sofia\n") < after.index("suggested Carol") < after.index("# - 2026-10-01")


def test_log_quotes_a_note_yaml_would_misread() -> None:
    before = "---\nname: Jane\nlog:\n  - 2026-11-03 email: hello\n---\nnotes\n"
    after = log(before, "call", 'fintech: "payments" #1; ask Carol')
    assert inserted(before, after) == ['  - "2026-11-25 call: fintech: \\"payments\\" #1; ask Carol"\n']
    contact, _ = parse_contact("jane", "jane.md", after)
    assert contact is not None
    assert contact.log[-1].note == 'fintech: "payments" #1; ask Carol'


def test_log_without_a_note_records_the_gesture() -> None:
    before = "---\nname: Jane\nlog:\n  - 2026-11-24 call: roadmap\n---\n"
    assert inserted(before, log(before, "thanks")) == ["  - 2026-11-25 thanks\n"]


def test_log_keeps_crlf_line_endings_and_a_bom() -> None:
    before = "\ufeff---\r\nname: Jane\r\nlog:\r\n  - 2026-11-03 email: hi\r\n---\r\nNotes.\r\n"
    after = log(before, "reply", "sure")
    assert after.startswith("\ufeff---\r\n")
    assert inserted(before, after) == ["  - 2026-11-25 reply: sure\r\n"]
    assert "\n" not in after.replace("\r\n", "")


def test_log_adds_the_key_when_missing_and_keeps_a_missing_final_newline() -> None:
    before = (FIXTURES / "journal" / "contacts" / "sofia-alvarez.md").read_text(encoding="utf-8")
    after = log(before, "email", "asked for 15 minutes")
    assert not after.endswith("\n")
    assert inserted(before, after) == ["log:\n", "  - 2026-11-25 email: asked for 15 minutes\n"]
    assert after.endswith("\n---\nNo trailing newline here")


def test_log_fills_an_empty_key_and_keeps_its_comment() -> None:
    before = "---\nname: Jane\nlog:   # to do\nstatus: met\n---\n"
    assert inserted(before, log(before, "call")) == ["  - 2026-11-25 call\n"]


def test_log_turns_an_empty_flow_list_into_a_block() -> None:
    before = (FIXTURES / "journal" / "contacts" / "friends" / "marcus-chen.md").read_text(encoding="utf-8")
    after = log(before, "message", "LinkedIn note")
    assert "log: []   # nothing yet\n" in before
    assert after == before.replace(
        "log: []   # nothing yet\n", "log:   # nothing yet\n  - 2026-11-25 message: LinkedIn note\n"
    )


@pytest.mark.parametrize("empty", ["~", "null"])
def test_log_replaces_an_explicit_null(empty: str) -> None:
    before = f"---\nname: Jane\nlog: {empty}\n---\n"
    assert log(before, "call") == "---\nname: Jane\nlog:\n  - 2026-11-25 call\n---\n"


def test_log_matches_an_indentless_list_of_flow_mappings() -> None:
    before = (FIXTURES / "journal" / "contacts" / "raj-patel.md").read_text(encoding="utf-8")
    after = log(before, "call", "Acme team structure")
    assert inserted(before, after) == ["- 2026-11-25 call: Acme team structure\n"]


def test_log_goes_after_a_multi_line_entry() -> None:
    before = (
        '---\nname: J\nlog:\n  - "2026-11-01 call: a long\n    note"\n  - |\n    2026-11-02 email\n\n---\n'
    )
    after = log(before, "thanks")
    contact, _ = parse_contact("j", "j.md", after)
    assert contact is not None
    assert [e.kind for e in contact.log] == ["call", "email", "thanks"]
    assert inserted(before, after) == ["  - 2026-11-25 thanks\n"]


def test_log_appends_to_the_last_of_a_repeated_key() -> None:
    before = "---\nname: J\nlog:\n  - 2026-11-01 call\nlog:\n  - 2026-11-02 email\n---\n"
    after = log(before, "reply")
    assert after.endswith("  - 2026-11-02 email\n  - 2026-11-25 reply\n---\n")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("---\nname: J\nlog: [2026-11-01 call, 2026-11-02 email]\n---\n", "inline"),
        ("---\nname: J\nlog: just talked\n---\n", "not a list"),
        ("---\nname: J\nlog: [unclosed\n---\n", "cannot be read"),
        ("no front matter at all\n", "cannot be read"),
        ("---\nname: J\nold: &a\n  - 2026-11-01 call\nlog: *a\n---\n", "alias"),
        ("---\n{name: J, log: []}\n---\n", "one {…} mapping"),
    ],
)
def test_log_refuses_what_it_cannot_edit_as_text(text: str, words: str) -> None:
    result = au.append_log(text, DAY, "call", "x")
    assert isinstance(result, au.Refusal)
    assert words in result.message


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=40).map(str.strip))
def test_any_note_reads_back_exactly_and_only_one_line_is_added(note: str) -> None:
    before = "---\nname: Jane  # hi\nlog:\n  - 2026-11-03 email: 'quoted'\n---\nbody"
    after = au.append_log(before, DAY, "call", note)
    assert isinstance(after, str)
    assert len(inserted(before, after)) == 1
    contact, _ = parse_contact("jane", "jane.md", after)
    assert contact is not None
    assert (contact.log[-1].date, contact.log[-1].kind, contact.log[-1].note) == (DAY, "call", note)


# --- log: command -------------------------------------------------------------------------------


def test_log_command_writes_atomically_and_keeps_the_file_mode(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    path = root / "contacts" / "priya-raman.md"
    path.chmod(0o600)
    before = path.read_bytes()
    code, out, _ = run(
        capsys, "log", "priya-raman", "call", "talked", "about", "Q1", "--journal", root, "--today", DAY
    )
    assert code == 0
    assert "contacts/priya-raman.md: logged 2026-11-25 call: talked about Q1" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert inserted(before.decode(), path.read_text()) == ["    -   2026-11-25 call: talked about Q1\n"]
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_log_command_finds_a_contact_by_name_and_takes_a_date(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    code, _, _ = run(capsys, "log", "Marcus Chen", "thanks", "--date", "2026-11-20", "--journal", root)
    assert code == 0
    contact = {c.id: c for c in load_journal(root).contacts}["marcus-chen"]
    assert [(e.date, e.kind) for e in contact.log] == [(date(2026, 11, 20), "thanks")]


def test_log_command_refuses_unknown_kinds_contacts_and_broken_files(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    assert run(capsys, "log", "raj-patel", "lunch", "--journal", root)[0] == 2
    code, _, err = run(capsys, "log", "raj-patle", "call", "--journal", root)
    assert code == 1
    assert "did you mean raj-patel" in err
    broken = root / "contacts" / "broken.md"
    broken.write_text("---\nname: [unclosed\n---\n")
    code, _, err = run(capsys, "log", "broken", "call", "--journal", root)
    assert code == 1
    assert "cannot be read" in err
    assert broken.read_text() == "---\nname: [unclosed\n---\n"


def test_log_command_defaults_to_today(tmp_path: Path, capsys, monkeypatch) -> None:
    root = journal_copy(tmp_path)
    monkeypatch.setenv("NETSITE_TODAY", "2026-12-01")
    assert run(capsys, "log", "raj-patel", "update", "--journal", root)[0] == 0
    assert (root / "contacts" / "raj-patel.md").read_text().count("- 2026-12-01 update\n") == 1


# --- new -------------------------------------------------------------------------------------------


def test_new_writes_a_template_that_reads_back(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    code, out, _ = run(
        capsys, "new", "Jane Doe", "--referred-by", "PRIYA RAMAN", "--company", "Acme: Corp",
        "--role", "EM", "--email", "jane@example.com", "--tag", "fintech", "--tag", "hiring manager",
        "--journal", root, "--today", DAY,
    )  # fmt: skip
    assert code == 0
    path = root / "contacts" / "jane-doe.md"
    assert out.strip().endswith("contacts/jane-doe.md")
    text = path.read_text()
    assert "referred_by: priya-raman\n" in text
    assert 'company: "Acme: Corp"\n' in text
    assert "tags: [fintech, hiring manager]\n" in text
    contact, problems = parse_contact("jane-doe", "jane-doe.md", text)
    assert contact is not None and problems == []
    assert (contact.name, contact.company, contact.added, contact.log) == ("Jane Doe", "Acme: Corp", DAY, ())


def test_new_refuses_an_existing_id_and_suggests_the_next(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    before = (root / "contacts" / "friends" / "marcus-chen.md").read_bytes()
    code, _, err = run(capsys, "new", "Marcus Chen", "--journal", root)
    assert code == 1
    assert "--id marcus-chen-2" in err
    assert (root / "contacts" / "friends" / "marcus-chen.md").read_bytes() == before
    assert run(capsys, "new", "Marcus Chen", "--id", "marcus-chen-2", "--journal", root)[0] == 0


def test_new_refuses_an_unknown_referrer_unless_forced(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    code, _, err = run(capsys, "new", "Dan Wu", "--referred-by", "Priya Ramen", "--journal", root)
    assert code == 1
    assert "Priya Raman" in err
    assert not (root / "contacts" / "dan-wu.md").exists()
    assert run(capsys, "new", "Dan Wu", "--referred-by", "Priya Ramen", "--force", "--journal", root)[0] == 0
    assert "referred_by: Priya Ramen\n" in (root / "contacts" / "dan-wu.md").read_text()


def test_new_can_open_an_editor(tmp_path: Path, capsys, monkeypatch) -> None:
    root = journal_copy(tmp_path)
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib; pathlib.Path(sys.argv[1] + '.seen').write_text('ok')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    assert run(capsys, "new", "Eve Li", "--edit", "--into", "friends", "--journal", root)[0] == 0
    assert (root / "contacts" / "friends" / "eve-li.md.seen").exists()


def test_new_refuses_a_folder_that_is_not_a_journal(tmp_path: Path, capsys) -> None:
    assert run(capsys, "new", "Eve Li", "--journal", tmp_path)[0] == 2


# --- init ------------------------------------------------------------------------------------------


def test_init_makes_a_journal_that_checks_clean(tmp_path: Path, capsys) -> None:
    root = tmp_path / "my-network"
    assert run(capsys, "init", root, "--today", DAY)[0] == 0
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        ".gitignore",
        "contacts",
        "contacts/alex-example.md",
        "netsite.toml",
    ]
    assert "output/" in (root / ".gitignore").read_text().splitlines()
    journal = load_journal(root)
    assert journal.problems == () and journal.config_ok
    assert [c.added for c in journal.contacts] == [DAY]
    assert run(capsys, "check", "--journal", root)[0] == 0


def test_init_documents_every_config_key(tmp_path: Path) -> None:
    from netsite.config import Goals, Rules, SiteSettings

    text = au.skeleton("netsite.toml")
    for cls in (SiteSettings, Rules, Goals):
        for name in cls.__dataclass_fields__:
            line = next(i for i, line in enumerate(text.splitlines()) if line.startswith(f"{name} ="))
            assert text.splitlines()[line - 1].startswith("#"), name
    assert "companies = []" in text


def test_init_refuses_to_overwrite_and_appends_to_an_existing_gitignore(tmp_path: Path, capsys) -> None:
    (tmp_path / ".gitignore").write_bytes(b"*.pyc\r\n.venv")
    assert run(capsys, "init", tmp_path, "--today", DAY)[0] == 0
    assert (tmp_path / ".gitignore").read_bytes() == b"*.pyc\r\n.venv\r\noutput/\r\n"
    config = (tmp_path / "netsite.toml").read_bytes()
    code, _, err = run(capsys, "init", tmp_path)
    assert code == 1
    assert "already exists" in err
    assert (tmp_path / "netsite.toml").read_bytes() == config


def test_init_leaves_a_gitignore_that_already_ignores_output(tmp_path: Path, capsys) -> None:
    (tmp_path / ".gitignore").write_text("/output/\n")
    assert run(capsys, "init", "--journal", tmp_path)[0] == 0
    assert (tmp_path / ".gitignore").read_text() == "/output/\n"


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("mine")
    assert isinstance(au.write_new(path, "theirs"), au.Refusal)
    assert path.read_text() == "mine"


def test_write_atomic_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("old")
    os.chmod(path, 0o640)
    au.write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
