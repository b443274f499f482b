"""Exports: due items as an iCalendar feed, the whole journal as vCards and CSV, and the vCard round trip."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject

from netsite import exporting as ex
from netsite.cli import main
from netsite.config import Config
from netsite.contact import Contact, LogEntry
from netsite.journal import Journal, load_journal
from netsite.model import Network, build_network

FIXTURES = Path(__file__).parent / "fixtures" / "interchange"
TODAY = date(2026, 11, 25)
TRICKY = """---
name: Ana "Lu" de la Cruz; Jr.
company: Smith, Jones & Co
role: "Partner: M&A"
email: ana@example.com
phone: "+44 20 7946 0958"
linkedin: https://www.linkedin.com/in/ana-lu
website: https://ana.example/about?x=1;y=2
location: London, UK
tags: [law, "deals, m&a", ünïcode]
referred_by: raj-patel
log:
  - 2026-11-20 call: deal flow in fintech; suggested two names
---
Met through Raj.
Notes span lines; with \\backslashes\\, commas, and *Markdown*.
"""
DORMANT = "---\nname: Paused Person\nstatus: dormant\nemail: paused@example.com\n---\n"
ODD = r"""---
name: 'Semi; Colon, Back\slash'
company: 'Commas, Inc; Ltd'
role: 'C:\New\notes'
log:
  - "2026-11-24 call: line one\nline two, with; all\\of it"
---
"""
WIDE = "Zürich, naïve café; 中文 ünïcødé 😀 — ŁÓDŹ "


def run(capsys: pytest.CaptureFixture[bytes], *args: object) -> tuple[int, bytes, bytes]:
    """Run netsite in-process; return exit code, stdout and stderr as bytes."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    root = tmp_path / "journal"
    shutil.copytree(FIXTURES / "journal", root)
    (root / "contacts" / "ana-lu.md").write_text(TRICKY, encoding="utf-8")
    (root / "contacts" / "paused.md").write_text(DORMANT, encoding="utf-8")
    return root


@pytest.fixture
def network(journal: Path) -> Network:
    return build_network(load_journal(journal), TODAY)


def events(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def unfolded(data: bytes) -> list[str]:
    """Return the content lines of a calendar, each folded line joined back into one."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def unescape(value: str) -> str:
    """Read a TEXT value as RFC 5545 says (icalendar 7 reads a backslash before n or N as a line break)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def bulk_contact(i: int) -> Contact:
    """Return contact i of a large journal: people to reach out to, thank and follow up with."""
    talk = LogEntry(date(2026, 11, 1) + timedelta(days=i % 30), "call", f"talked about {WIDE * (i % 3)}")
    return Contact(
        id=f"person-{i:05}",
        path=f"contacts/person-{i:05}.md",
        name=f"Person Ünï {i}",
        company="Acme, Inc; Labs",
        role="Staff Engineer",
        email=f"person{i}@example.com",
        linkedin=f"https://www.linkedin.com/in/person-{i}",
        added=date(2026, 1, 1) + timedelta(days=i % 300),
        log=(talk,) if i % 2 else (),
    )


# --- iCalendar --------------------------------------------------------------------------------


def test_one_all_day_event_per_due_item_with_stable_uids(network: Network) -> None:
    data = ex.due_calendar(network)
    found = events(data)
    assert len(found) == len(network.due) > 0
    assert set(found) == {f"{i.kind}.{i.contact}@netsite" for i in network.due}
    for item in network.due:
        event = found[f"{item.kind}.{item.contact}@netsite"]
        assert event["dtstart"].dt == item.due and type(event["dtstart"].dt) is date
        assert event["dtend"].dt == item.due + timedelta(days=1)
        assert event["dtstamp"].dt == datetime(2026, 11, 25, tzinfo=UTC)
    assert b"VTODO" not in data and b"DTSTART;VALUE=DATE:" in data


def test_calendar_headers_and_words(network: Network) -> None:
    data = ex.due_calendar(network)
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["version"] == "2.0" and calendar["prodid"] == ex.PRODID
    assert calendar["x-wr-calname"] == "Sam's job search"
    found = events(data)
    thank = found["thank-you.ana-lu@netsite"]
    assert str(thank["summary"]) == 'Thank Ana "Lu" de la Cruz; Jr.'
    description = str(thank["description"])
    assert "Call on 2026-11-20: deal flow in fintech" in description
    assert "Partner: M&A at Smith, Jones & Co" in description
    assert "netsite log ana-lu thanks" in description
    assert str(found["reach-out.marcus-chen@netsite"]["summary"]) == "Reach out to Marcus Chen"
    assert "referred by Priya Raman" in str(found["reach-out.marcus-chen@netsite"]["description"])
    assert str(found["follow-up.priya-raman@netsite"]["summary"]) == "Follow up with Priya Raman"
    assert not any("paused" in uid for uid in found)


def test_calendar_is_byte_identical_for_a_given_today(journal: Path) -> None:
    first = ex.due_calendar(build_network(load_journal(journal), TODAY))
    again = ex.due_calendar(build_network(load_journal(journal), TODAY))
    assert first == again
    assert all(len(line) <= 75 for line in first.split(b"\r\n"))
    later = ex.due_calendar(build_network(load_journal(journal), TODAY + timedelta(days=1)))
    assert set(events(later)) == set(events(first))


def test_calendar_with_nothing_due_is_still_valid(tmp_path: Path) -> None:
    (tmp_path / "contacts").mkdir()
    data = ex.due_calendar(build_network(load_journal(tmp_path), TODAY))
    assert events(data) == {}
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")


def test_an_item_due_on_the_last_day_there_is_lasts_that_day(tmp_path: Path) -> None:
    """9999-12-31 has no next day for DTEND: the event has none, and lasts one day (RFC 5545)."""
    (tmp_path / "contacts").mkdir()
    text = "---\nname: Far Off\nnext_follow_up: 9999-12-31\nlog:\n  - 2026-11-01 call: hi\n---\n"
    (tmp_path / "contacts" / "far.md").write_text(text, encoding="utf-8")
    event = events(ex.due_calendar(build_network(load_journal(tmp_path), TODAY)))["follow-up.far@netsite"]
    assert event.decoded("dtstart") == date.max and "dtend" not in event
    assert main(["build", "--journal", str(tmp_path), "--today", str(TODAY)]) == 0


def test_long_lines_fold_at_75_octets_between_characters(journal: Path) -> None:
    company, note = (WIDE * 3).strip(), (WIDE * 6).strip()
    text = f"---\nname: Wide Person\nrole: Lead\ncompany: '{company}'\nlog:\n  - '2026-11-24 call: {note}'\n"
    (journal / "contacts" / "wide.md").write_text(text + "---\n", encoding="utf-8")
    data = ex.due_calendar(build_network(load_journal(journal), TODAY))
    physical = data.split(b"\r\n")
    assert physical.pop() == b"" and sum(line.startswith(b" ") for line in physical) > 10
    for line in physical:
        assert len(line) <= 75 and line.decode("utf-8"), line  # every piece is whole UTF-8 characters
    description = str(events(data)["thank-you.wide@netsite"]["description"])
    assert description.split("\n") == [
        f"Call on 2026-11-24: {note}. No thank-you logged since.",
        f"Lead at {company}",
        "Once sent: netsite log wide thanks",
    ]


def test_text_values_are_escaped(journal: Path) -> None:
    (journal / "contacts" / "odd.md").write_text(ODD, encoding="utf-8")
    data = ex.due_calendar(build_network(load_journal(journal), TODAY))
    lines = unfolded(data)
    assert r"SUMMARY:Thank Semi\; Colon\, Back\\slash" in lines
    assert r"UID:thank-you.odd@netsite" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:Call on 2026-11-24: line one"))
    assert description == (
        r"DESCRIPTION:Call on 2026-11-24: line one\nline two\, with\; all\\of it. No thank-you logged since."
        r"\nC:\\New\\notes at Commas\, Inc\; Ltd\nOnce sent: netsite log odd thanks"
    )
    assert unescape(description.removeprefix("DESCRIPTION:")).split("\n") == [
        "Call on 2026-11-24: line one",
        "line two, with; all\\of it. No thank-you logged since.",
        "C:\\New\\notes at Commas, Inc; Ltd",
        "Once sent: netsite log odd thanks",
    ]
    assert str(events(data)["thank-you.odd@netsite"]["summary"]) == "Thank Semi; Colon, Back\\slash"


def test_calendar_name_is_written_as_given_on_one_line(journal: Path) -> None:
    (journal / "netsite.toml").write_text('[site]\ntitle = "Sam, Lee; and\\nfriends"\n', encoding="utf-8")
    data = ex.due_calendar(build_network(load_journal(journal), TODAY))
    assert r"X-WR-CALNAME:Sam, Lee; and\nfriends" in unfolded(data)
    assert len(events(data)) > 0


def test_ten_thousand_items_render_quickly(tmp_path: Path) -> None:
    contacts = tuple(bulk_contact(i) for i in range(10_000))
    network = build_network(Journal(tmp_path, Config(), True, contacts, ()), TODAY)
    assert len(network.due) >= 10_000
    start = time.process_time()
    data = ex.due_calendar(network)
    elapsed = time.process_time() - start
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == len(network.due)
    assert elapsed < 2.0  # under 0.2 s on a quiet machine; loose because test machines are shared


def test_cli_imports_no_calendar_or_vcard_library() -> None:
    code = "import sys, netsite.cli; print(sorted({'icalendar', 'vobject'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_export_ics_command_writes_a_file(journal: Path, tmp_path: Path, capsysbinary) -> None:
    target = tmp_path / "follow-ups.ics"
    code, _, _ = run(capsysbinary, "export", "ics", "-o", target, "--journal", journal, "--today", TODAY)
    assert code == 0
    assert target.read_bytes() == ex.due_calendar(build_network(load_journal(journal), TODAY))


# --- vCard --------------------------------------------------------------------------------------


def test_address_book_parses_back_with_vobject(network: Network) -> None:
    cards = list(vobject.readComponents(ex.address_book(network)))
    assert [c.fn.value for c in cards] == [c.name for c in network.by_name]
    ana = next(c for c in cards if c.uid.value == "ana-lu@netsite")
    assert ana.org.value == ["Smith, Jones & Co"] and ana.title.value == "Partner: M&A"
    assert ana.categories.value == ["law", "deals, m&a", "ünïcode"]
    assert ana.note.value.startswith("Met through Raj.\nNotes span lines; with \\backslashes\\")
    assert ana.adr.value.city == "London, UK"


def test_vcard_round_trip_into_an_empty_journal(journal: Path, tmp_path: Path, capsys) -> None:
    source = build_network(load_journal(journal), TODAY)
    cards = tmp_path / "all.vcf"
    cards.write_text(ex.address_book(source), encoding="utf-8")
    empty = tmp_path / "empty"
    (empty / "contacts").mkdir(parents=True)
    assert main(["import", "vcard", str(cards), "--journal", str(empty), "--today", str(TODAY)]) == 0
    assert "6 created, 0 matched, 0 changed, 0 skipped" in capsys.readouterr().out
    copied = {c.id: c for c in load_journal(empty).contacts}
    assert set(copied) == set(source.contacts)
    fields = ("name", "company", "role", "email", "phone", "linkedin", "website", "location", "tags")
    for cid, original in source.contacts.items():
        assert [getattr(copied[cid], f) for f in fields] == [getattr(original, f) for f in fields], cid
        assert copied[cid].notes.strip() == original.notes.strip()


def test_export_vcard_to_stdout(journal: Path, capsysbinary) -> None:
    code, out, _ = run(capsysbinary, "export", "vcard", "--journal", journal, "--today", TODAY)
    assert code == 0
    assert out.count(b"BEGIN:VCARD") == 6 and b'FN:Ana "Lu" de la Cruz\\; Jr.' in out


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_has_every_contact_with_derived_status(network: Network) -> None:
    rows = list(csv.DictReader(io.StringIO(ex.contacts_csv(network), newline="")))
    assert [r["id"] for r in rows] == [c.id for c in network.by_name]
    ana = next(r for r in rows if r["id"] == "ana-lu")
    assert ana["name"] == 'Ana "Lu" de la Cruz; Jr.'
    assert ana["tags"] == "law, deals, m&a, ünïcode"
    assert (ana["status"], ana["last_contact"]) == ("met", "2026-11-20")
    assert ana["referred_by"] == "raj-patel" and ana["path"] == "contacts/ana-lu.md"
    marcus = next(r for r in rows if r["id"] == "marcus-chen")
    assert (marcus["referred_by"], marcus["status"]) == ("priya-raman", "identified")
    assert marcus["added"] == "2026-09-12"


def test_export_csv_command(journal: Path, capsysbinary) -> None:
    code, out, _ = run(capsysbinary, "export", "csv", "--journal", journal, "--today", TODAY)
    assert code == 0
    assert out.startswith(b"id,name,company,role,") and out.count(b"\r\n") == 7
