"""Imports from LinkedIn's Connections.csv and vCard files: parsing, matching, reports, new files only."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from helpers import journal_copy, run
from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import importing as im
from netsite.contact import parse_contact
from netsite.journal import load_journal

FIXTURES = Path(__file__).parent / "fixtures" / "interchange"
LINKEDIN = FIXTURES / "linkedin"
VCARD = FIXTURES / "vcard"
DAY = date(2026, 11, 25)


def digests(root: Path) -> dict[str, str]:
    """Map every file under root to a hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def people(parsed: im.Parsed | str) -> dict[str, im.Person]:
    assert isinstance(parsed, im.Parsed), parsed
    found: dict[str, im.Person] = {}
    for person in parsed.people:
        found.setdefault(person.name, person)  # the first of repeated names
    return found


def plan(parsed: im.Parsed | str, root: Path) -> list[im.Outcome]:
    assert isinstance(parsed, im.Parsed)
    journal = load_journal(root)
    taken = frozenset(p.stem.casefold() for p in (root / "contacts").rglob("*.md"))
    return im.plan_import(parsed, journal.contacts, im.Destination("contacts", taken, DAY))


# --- LinkedIn parsing -------------------------------------------------------------------------


def test_current_linkedin_export_with_preamble_bom_crlf_and_quoting() -> None:
    parsed = im.read_linkedin(read(LINKEDIN / "Connections.csv"))
    found = people(parsed)
    marcus = found["Marcus Chen"]
    assert (marcus.line, marcus.company) == (6, "Cobalt Ledger, Inc.")
    assert marcus.role == "Staff Engineer, Payments"
    assert marcus.emails == ("marcus.chen@example.com",) and marcus.added == date(2019, 3, 14)
    zoe = found["Zoë Ångström-Østergaard"]
    assert zoe.role == 'Head of Platform "Core"'
    assert zoe.linkedin == "https://www.linkedin.com/in/zoe-angstrom"
    assert found["Priya Raman"].emails == ()
    assert found["Kenji Sato"].added == date(2025, 1, 7)
    assert found["Nina Kowalski"].line == 18  # trailing empty fields are tolerated
    assert "not a date" in (found["Lee"].note or "") and found["Lee"].added is None
    assert isinstance(parsed, im.Parsed)
    assert [(s.line, s.malformed) for s in parsed.skips] == [(8, False), (11, True)]
    assert "no name" in parsed.skips[0].reason


def test_older_layout_without_preamble_or_email_column() -> None:
    found = people(im.read_linkedin(read(LINKEDIN / "Connections-2019.csv")))
    assert list(found) == ["Helen Wright", "Tom Becker", "Mary-Kate O'Hara", "Yusuf Al-Amin"]
    assert found["Mary-Kate O'Hara"].company == "Smith, Jones & Co"
    assert found["Mary-Kate O'Hara"].linkedin == "https://www.linkedin.com/in/mkohara/"
    assert found["Yusuf Al-Amin"].company is None and found["Yusuf Al-Amin"].emails == ()


def test_oldest_layout_without_url_and_without_final_newline() -> None:
    found = people(im.read_linkedin(read(LINKEDIN / "Connections-2016.csv")))
    assert found["Olivia Grant"].added == date(2016, 3, 1) and found["Olivia Grant"].linkedin is None
    assert found["Pat Morgan"].role == "Senior Developer, Mobile"
    assert found["Quinn Harlow"].added is None and found["Quinn Harlow"].note is None


def test_a_broken_quote_skips_one_line_and_reading_resumes() -> None:
    text = (
        "First Name,Last Name,URL,Company,Position,Connected On\n"
        'Ann,Lee,https://www.linkedin.com/in/ann,"Acme,Dev,01 Jan 2024\n'
        "Bo,Ek,https://www.linkedin.com/in/bo,Initech,QA,02 Jan 2024\n"
        'Cy,Do,https://www.linkedin.com/in/cy,Globex,"Lead,\nPlatform",03 Jan 2024\n'
        "Di,Fu,https://www.linkedin.com/in/di,Hooli,PM\n"
        "Ed,Gu,https://www.linkedin.com/in/ed,Hooli,PM,04 Jan 2024\n"
    )
    parsed = im.read_linkedin(text)
    assert isinstance(parsed, im.Parsed)
    assert [(p.name, p.line) for p in parsed.people] == [("Bo Ek", 3), ("Cy Do", 4), ("Ed Gu", 7)]
    assert parsed.people[1].role == "Lead, Platform"
    assert [(s.line, s.malformed) for s in parsed.skips] == [(2, True), (6, True)]
    assert "5 fields where the header has 6" in parsed.skips[1].reason


def test_a_file_that_is_not_a_linkedin_export_is_an_error() -> None:
    assert isinstance(im.read_linkedin("Name,Phone\nJane,555\n"), str)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Nov 2024", date(2024, 11, 12)),
        ("3 Sept 2023", date(2023, 9, 3)),
        ("07-Jan-25", date(2025, 1, 7)),
        ("2024-02-29", date(2024, 2, 29)),
        ("31 Feb 2024", None),
        ("11/12/24", None),
        ("12 Foo 2024", None),
    ],
)
def test_connected_on_dates(text: str, expected: date | None) -> None:
    assert im.parse_connected(text) == expected


# --- vCard parsing ----------------------------------------------------------------------------


def test_apple_cards_with_item_labels_social_profiles_and_a_broken_card() -> None:
    parsed = im.read_vcards(read(VCARD / "apple-contacts.vcf"))
    found = people(parsed)
    ellen = found["Ellen Okafor"]
    assert (ellen.company, ellen.role) == ("Brightwave Health", "Director of Engineering")
    assert ellen.phone == "+1 (312) 555-0147"
    assert ellen.emails == ("ellen.okafor@brightwave.example", "ellen@okafor.example")
    assert ellen.linkedin == "https://www.linkedin.com/in/ellen-okafor"
    assert ellen.website == "https://ellenokafor.dev" and ellen.location == "Chicago, IL"
    assert ellen.notes.startswith("Met at the Chicago Fintech Forum.\nAsk about the platform reorg, and her")
    assert "email ellen@okafor.example; phone +1 312 555 0100" in ellen.notes
    assert found["Marcus Chen"].linkedin == "http://www.linkedin.com/in/marcuschen"
    assert [(s.line, s.malformed) for s in parsed.skips] == [(25, False), (48, True)]
    assert "company card" in parsed.skips[0].reason and "FN Card Broken" in parsed.skips[1].reason


def test_google_cards_with_escaped_urls_and_categories() -> None:
    parsed = im.read_vcards(read(VCARD / "google-contacts.vcf"))
    found = people(parsed)
    sofia = found["Sofia Álvarez"]
    assert sofia.linkedin == "https://www.linkedin.com/in/sofia-alvarez-7"
    assert sofia.tags == ("Job Search",) and sofia.location == "Evanston, IL"
    assert found["Derek Osei"].website == "https://umbrella.example/team/derek"
    assert found["Derek Osei"].linkedin is None
    assert found["Hannah Lee"].role == "Engineering Manager, Payments"
    assert [s.line for s in parsed.skips] == [28]


def test_vcard_4_with_preferences_uri_phones_groups_and_a_truncated_card() -> None:
    parsed = im.read_vcards(read(VCARD / "v4.vcf"))
    found = people(parsed)
    mei = found["Mei Tanaka"]
    assert mei.emails[0] == "mei.tanaka@example.org" and mei.phone == "+1-555-555-0188"
    assert mei.tags == ("data", "fintech") and mei.company == "Vandelay Industries"
    assert mei.notes.startswith("Loves talking about dbt; met at DataCon.")
    assert "李伟" in found
    assert [(s.line, s.malformed) for s in parsed.skips] == [(16, False), (28, True)]


# --- matching and planning --------------------------------------------------------------------


def test_matching_by_url_then_email_then_name_and_reporting_changes(tmp_path: Path) -> None:
    root = journal_copy(tmp_path)
    outcomes = plan(im.read_linkedin(read(LINKEDIN / "Connections.csv")), root)
    by_line = {im.outcome_line(o): o for o in outcomes}
    priya, marcus, raj, sofia = by_line[5], by_line[6], by_line[9], by_line[10]
    assert isinstance(priya, im.Match) and priya.how == "LinkedIn URL"
    assert priya.changes == (("role", "Senior Manager, Data", "Director of Data Platform"),)
    assert isinstance(marcus, im.Match) and marcus.how == "email"
    assert marcus.changes == (("company", "Cobalt Ledger", "Cobalt Ledger, Inc."),)
    assert isinstance(raj, im.Match) and (raj.how, raj.changes) == ("name", ())
    assert isinstance(sofia, im.Match) and sofia.contact_id == "sofia-alvarez"
    repeat = by_line[15]
    assert isinstance(repeat, im.Skip) and "line 6" in repeat.reason
    created = [o.contact_id for o in outcomes if isinstance(o, im.Create)]
    assert created == [
        *("zoe-angstrom-ostergaard", "grace-oneil", "kenji-sato", "ana-lucia-de-la-cruz"),
        *("lee", "jonah-weiss", "nina-kowalski"),
    ]


def test_a_name_shared_by_two_contacts_is_not_guessed(tmp_path: Path) -> None:
    root = journal_copy(tmp_path)
    (root / "contacts" / "raj-patel-2.md").write_text("---\nname: raj patel\n---\n")
    outcomes = plan(im.read_linkedin(read(LINKEDIN / "Connections.csv")), root)
    raj = next(o for o in outcomes if im.outcome_line(o) == 9)
    assert isinstance(raj, im.Skip) and "matches 2 contacts" in raj.reason


def test_new_ids_avoid_every_existing_file_even_unreadable_ones(tmp_path: Path) -> None:
    root = journal_copy(tmp_path)
    (root / "contacts" / "Kenji-Sato.md").write_text("not a contact")
    outcomes = plan(im.read_linkedin(read(LINKEDIN / "Connections.csv")), root)
    kenji = next(o for o in outcomes if im.outcome_line(o) == 13)
    assert isinstance(kenji, im.Create) and kenji.contact_id == "kenji-sato-2"


names = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).map(im.one_line)


@settings(max_examples=60, deadline=None)
@given(name=names.filter(bool), company=names, role=names, tag=names)
def test_new_files_read_back_with_the_imported_values(name: str, company: str, role: str, tag: str) -> None:
    person = im.Person(line=1, name=name, company=company, role=role, tags=(tag,) if tag else ())
    where = im.Destination("contacts", frozenset(), DAY)
    outcomes = im.plan_import(im.Parsed("test", (person,), ()), [], where)
    assert isinstance(outcomes[0], im.Create), outcomes[0]
    contact, problems = parse_contact("x", "x.md", outcomes[0].text)
    assert contact is not None and [p for p in problems if p.severity == "error"] == []
    assert (contact.name, contact.company, contact.role) == (name, company, role)
    assert contact.tags == ((tag,) if tag else ()) and contact.added == DAY


# --- the command ------------------------------------------------------------------------------


def test_linkedin_import_creates_files_and_touches_nothing_else(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    before = digests(root)
    code, out, _ = run(
        capsys, "import", "linkedin", LINKEDIN / "Connections.csv", "--journal", root, "--today", DAY
    )
    assert code == 1  # a malformed row is an error, reported; the rest still imports
    after = digests(root)
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(set(after) - set(before)) == 7
    assert "Connections.csv:11: skipped: malformed row" in out
    assert "Connections.csv:5: changed priya-raman (Priya Raman): role 'Senior Manager, Data'" in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("LinkedIn import of Connections.csv: 14 rows: 7 created, 2 matched, 2 changed")
    assert "3 skipped (duplicate: 1, malformed row: 1, no name: 1)" in summary
    assert "never modified" in summary
    kenji = read(root / "contacts" / "kenji-sato.md")
    assert kenji == (
        "---\nname: Kenji Sato\ncompany: Umbrella Health\n"
        'role: "Principal Engineer: Data, ML & Platform"\n'
        "linkedin: https://www.linkedin.com/in/kenjisato\nadded: 2025-01-07\n---\n"
    )
    journal = load_journal(root)
    assert [p for p in journal.problems if p.severity == "error"] == []


def test_importing_again_finds_everyone(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    run(capsys, "import", "linkedin", LINKEDIN / "Connections.csv", "--journal", root, "--today", DAY)
    before = digests(root)
    _, out, _ = run(capsys, "import", "linkedin", LINKEDIN / "Connections.csv", "--journal", root)
    assert " 0 created, 9 matched, 2 changed, 3 skipped" in out
    assert digests(root) == before


def test_dry_run_writes_nothing(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    before = digests(root)
    code, out, _ = run(
        capsys, "import", "vcard", VCARD / "google-contacts.vcf", "--dry-run", "--journal", root
    )
    assert code == 0
    assert "would create contacts/derek-osei.md (Derek Osei)" in out
    assert out.strip().endswith("dry run, nothing written")
    assert digests(root) == before


def test_vcard_import_into_a_folder_with_tags(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    args = ("--into", "imported", "--tag", "from-phone", "--journal", root, "--today", DAY)
    code, out, _ = run(capsys, "import", "vcard", VCARD / "apple-contacts.vcf", *args)
    assert code == 1
    assert "apple-contacts.vcf:48: skipped: malformed card" in out
    assert "vCard import of apple-contacts.vcf: 5 cards: 2 created, 0 matched, 1 changed, 2 skipped" in out
    ellen = read(root / "contacts" / "imported" / "ellen-okafor.md")
    assert "tags: [from-phone]\nadded: 2026-11-25\n---\nMet at the Chicago Fintech Forum.\n" in ellen
    assert "website: https://ellenokafor.dev\nlocation: Chicago, IL\n" in ellen


def test_vcard_4_import(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    code, out, _ = run(capsys, "import", "vcard", VCARD / "v4.vcf", "--journal", root, "--today", DAY)
    assert code == 1 and "v4.vcf:28: skipped: malformed card: the file ends before END:VCARD" in out
    assert (root / "contacts" / "李伟.md").exists()
    assert "tags: [data, fintech]\n" in read(root / "contacts" / "mei-tanaka.md")


def test_import_refuses_unreadable_input(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("First Name,Last Name\nJos\xe9,P\xe9rez\n".encode("latin-1"))
    code, _, err = run(capsys, "import", "linkedin", bad, "--journal", root)
    assert code == 1 and "UTF-8" in err
    assert run(capsys, "import", "linkedin", tmp_path / "missing.csv", "--journal", root)[0] == 2
    code, _, err = run(capsys, "import", "linkedin", VCARD / "v4.vcf", "--journal", root)
    assert code == 1 and "Connections.csv" in err
    assert run(capsys, "import", "vcard", VCARD / "v4.vcf", "--into", "../out", "--journal", root)[0] == 2


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.linkedin.com/in/JaneDoe/?trk=people", "in/janedoe"),
        ("http://uk.linkedin.com/in/janedoe", "in/janedoe"),
        ("linkedin.com/in/jos%C3%A9-p", "in/josé-p"),
        ("https://example.com/in/janedoe", None),
        (None, None),
    ],
)
def test_linkedin_urls_match_whatever_their_spelling(url: str | None, key: str | None) -> None:
    assert im.linkedin_key(url) == key


def test_a_contact_field_with_two_emails_matches_either(tmp_path: Path, capsys) -> None:
    root = journal_copy(tmp_path)
    (root / "contacts" / "jw.md").write_text(
        "---\nname: J. Weiss\nemail: jw@old.example, jonah@weiss.example\n---\n"
    )
    (root / "contacts" / "broken.md").write_text("---\nname: [\n---\n")
    _, out, err = run(capsys, "import", "linkedin", LINKEDIN / "Connections.csv", "--journal", root, "-v")
    assert "Connections.csv:17: changed jw (Jonah Weiss): company (not set) → 'Hooli'" in out
    assert "1 contact file(s) cannot be used" in err
