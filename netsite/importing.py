"""Bring people in from LinkedIn's Connections.csv and from vCard files, without duplicates.

Reading turns a file into plain `Person` records (or located skips); planning
matches each against the journal (LinkedIn URL, then email, then exact name)
and decides to create, report a match, or skip; only `write_plan` touches
disk, and it only creates new files. Existing contact files are never changed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import vobject

from .authoring import Field, Refusal, check_written, contact_id, contact_text, free_id, write_new
from .contact import Contact

MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
LINKEDIN_COLUMNS = {
    "first name": "first",
    "last name": "last",
    "url": "linkedin",
    "profile url": "linkedin",
    "email address": "email",
    "email": "email",
    "company": "company",
    "position": "role",
    "connected on": "connected",
}
_NOT_PEOPLE = {"group": "a group", "org": "an organisation", "organization": "an organisation"}
_SYSTEM_GROUPS = frozenset({"mycontacts"})  # Google's "all contacts" label, not a tag anyone chose


@dataclass(frozen=True)
class Person:
    """One person read from an import file, with the line their row or card starts on."""

    line: int
    name: str
    company: str | None = None
    role: str | None = None
    emails: tuple[str, ...] = ()
    phone: str | None = None
    linkedin: str | None = None
    website: str | None = None
    location: str | None = None
    added: date | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""
    wanted_id: str | None = None  # the id a netsite-exported card carries in its UID
    note: str | None = None  # a remark about the row, such as a date that could not be read


@dataclass(frozen=True)
class Skip:
    """A row or card left out, and why; malformed ones are errors."""

    line: int
    reason: str
    malformed: bool = False


@dataclass(frozen=True)
class Create:
    person: Person
    contact_id: str
    path: str  # relative to the journal
    text: str


@dataclass(frozen=True)
class Match:
    person: Person
    contact_id: str
    how: str
    changes: tuple[tuple[str, str | None, str], ...] = ()


Outcome = Create | Match | Skip


@dataclass(frozen=True)
class Parsed:
    """What an import file holds: people and skipped rows or cards."""

    source: str
    people: tuple[Person, ...]
    skips: tuple[Skip, ...]


def one_line(text: Any) -> str | None:
    """Collapse whitespace in a value; None when nothing is left."""
    if text is None:
        return None
    return " ".join(str(text).split()) or None


# --- LinkedIn -------------------------------------------------------------------------------


def read_linkedin(text: str) -> Parsed | str:
    """Read LinkedIn's Connections.csv (any layout with First Name and Last Name); a str is an error."""
    lines = _physical_lines(text.removeprefix("\ufeff"))
    header_at = next((i for i, line in enumerate(lines) if _is_header(line)), None)
    if header_at is None:
        return "no header line with 'First Name' and 'Last Name': is this LinkedIn's Connections.csv?"
    header = [_column(h) for h in _first_row(lines[header_at])]
    found = [
        row if isinstance(row, Skip) else _linkedin_person(row[0], dict(zip(header, row[1], strict=True)))
        for row in _rows(lines, header_at + 1, len(header))
    ]
    return _parsed("LinkedIn", found)


def _parsed(source: str, found: Iterable[Person | Skip]) -> Parsed:
    found = list(found)
    people = tuple(p for p in found if isinstance(p, Person))
    return Parsed(source, people, tuple(s for s in found if isinstance(s, Skip)))


def _physical_lines(text: str) -> list[str]:
    """Split text into lines that keep their endings (\n or \r\n; a file of bare \r is read as \n)."""
    if "\n" not in text:
        text = text.replace("\r", "\n")
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _first_row(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _column(heading: str) -> str:
    return LINKEDIN_COLUMNS.get(" ".join(heading.split()).casefold(), "")


def _is_header(line: str) -> bool:
    columns = {_column(h) for h in _first_row(line)}
    return {"first", "last"} <= columns


def _rows(lines: list[str], start: int, width: int) -> Iterator[tuple[int, list[str]] | Skip]:
    """Yield (line number, fields) per row; a malformed row is skipped, reading resumes on the next line."""
    i = start
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        row, used = _row_at(lines, i, width)
        yield row if isinstance(row, Skip) else (i + 1, row)
        i += used


def _row_at(lines: list[str], i: int, width: int) -> tuple[list[str] | Skip, int]:
    """Read the row starting at line i: its fields and how many lines it took, or a one-line skip."""
    reader = csv.reader((lines[j] for j in range(i, len(lines))), strict=True)
    try:
        row = next(reader)
    except csv.Error as exc:
        return Skip(i + 1, f"malformed row: {exc}", malformed=True), 1
    if len(row) > width and not any(f.strip() for f in row[width:]):
        row = row[:width]  # trailing empty fields, as spreadsheets add
    if len(row) != width:
        return Skip(i + 1, f"malformed row: {len(row)} fields where the header has {width}", True), 1
    return row, reader.line_num


def _linkedin_person(line: int, row: dict[str, str]) -> Person | Skip:
    name = one_line(" ".join(row.get(k, "") for k in ("first", "last")))
    if not name:
        return Skip(line, "no name (LinkedIn leaves names out for some members)")
    connected_text = one_line(row.get("connected"))
    connected = parse_connected(connected_text) if connected_text else None
    note = None
    if connected_text and connected is None:
        note = f"'Connected On' {connected_text!r} is not a date like '12 Nov 2024'; added is today"
    email = one_line(row.get("email"))
    return Person(
        line=line,
        name=name,
        company=one_line(row.get("company")),
        role=one_line(row.get("role")),
        emails=(email,) if email else (),
        linkedin=_web_url(one_line(row.get("linkedin"))),
        added=connected,
        note=note,
    )


def parse_connected(text: str) -> date | None:
    """Read LinkedIn's `Connected On` (`12 Nov 2024`, `12-Nov-24`, or ISO); None if it is not one."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4}|\d{2})", text.strip())
        if match is None or match.group(2)[:3].lower() not in MONTHS:
            return None
        day, month, year = match.groups()
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        return date(full_year, MONTHS[month[:3].lower()], int(day))
    except ValueError:
        return None


def _web_url(url: str | None) -> str | None:
    """Return a URL, adding https:// to a bare `www.linkedin.com/…`."""
    if url and re.match(r"(www\.)?[a-z]{0,3}\.?linkedin\.com/", url, re.IGNORECASE):
        return f"https://{url}"
    return url


# --- vCard ----------------------------------------------------------------------------------


def read_vcards(text: str) -> Parsed:
    """Read every card of a vCard file (2.1, 3.0 or 4.0); a card that cannot be read is skipped."""
    blocks = _card_blocks(text.removeprefix("\ufeff"))
    return _parsed("vCard", (b if isinstance(b, Skip) else _read_card(*b) for b in blocks))


def _card_blocks(text: str) -> Iterator[tuple[int, list[str]] | Skip]:
    """Yield (first line number, lines) of each BEGIN:VCARD … END:VCARD block, or why one is cut short."""
    start: int | None = None
    block: list[str] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        word = line.strip().upper()
        if word == "BEGIN:VCARD":
            if start is not None:
                yield Skip(start, "malformed card: no END:VCARD before the next card", True)
            start, block = number, []
        if start is not None:
            block.append(line)
        if word == "END:VCARD" and start is not None:
            yield start, block
            start = None
    if start is not None:
        yield Skip(start, "malformed card: the file ends before END:VCARD", True)


def _read_card(start: int, block: list[str]) -> Person | Skip:
    try:
        card = vobject.readOne("\r\n".join(block) + "\r\n")
        return _card_person(start, card)
    except Exception as exc:  # vobject raises many kinds for bad input; one bad card must not stop the rest
        words = re.sub(r"^At line \d+: ", "", str(exc)) or type(exc).__name__
        return Skip(start + _bad_line(words, block), f"malformed card: {words}", malformed=True)


def _bad_line(message: str, block: list[str]) -> int:
    """Return the offset in block of the line vobject names (its own line numbers are unreliable)."""
    quoted = message.rpartition("line: ")[2].strip()
    found = [i for i, line in enumerate(block) if quoted and line.strip() == quoted]
    return found[0] if found else 0


def _card_person(start: int, card: Any) -> Person | Skip:
    kind = (_first_text(card, "kind") or "").casefold()
    if kind in _NOT_PEOPLE or (_first_text(card, "x-abshowas") or "").casefold() == "company":
        return Skip(start, f"{_NOT_PEOPLE.get(kind, 'a company')} card, not a person")
    name = one_line(_first_text(card, "fn")) or _name_from_n(card)
    if not name:
        return Skip(start, "no name (FN and N are empty)")
    urls = _urls(card)
    linkedin = next((u for label, u in urls if "linkedin" in label or "linkedin.com" in u.lower()), None)
    website = next((u for _, u in urls if u != linkedin and re.match(r"https?://", u, re.I)), None)
    emails = _ranked(card, "email")
    phones = [_phone(p) for p in _ranked(card, "tel")]
    return Person(
        line=start,
        name=name,
        company=one_line(_org(card)),
        role=one_line(_first_text(card, "title") or _first_text(card, "role")),
        emails=tuple(emails),
        phone=phones[0] if phones else None,
        linkedin=_web_url(linkedin),
        website=website,
        location=_location(card),
        tags=_categories(card),
        notes=_card_notes(card, emails[1:], phones[1:]),
        wanted_id=_uid_id(card),
    )


def _lines(card: Any, name: str) -> list[Any]:
    return list(card.contents.get(name, []))


def _text(value: Any) -> str:
    """Return a property value (already unescaped by vobject) as text, lists joined."""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if str(v).strip())
    return str(value)


def _first_text(card: Any, name: str) -> str | None:
    found = _lines(card, name)
    return _text(found[0].value).strip() or None if found else None


def _name_from_n(card: Any) -> str | None:
    found = _lines(card, "n")
    if not found:
        return None
    n = found[0].value
    parts = [getattr(n, part, "") for part in ("prefix", "given", "additional", "family", "suffix")]
    return one_line(" ".join(_text(p) for p in parts)) if not isinstance(n, str) else one_line(_text(n))


def _ranked(card: Any, name: str) -> list[str]:
    """Return a property's values, preferred ones first, without duplicates."""
    lines = _lines(card, name)
    lines.sort(key=lambda line: not _preferred(line))
    values = (one_line(_text(line.value)) for line in lines)
    return list(dict.fromkeys(v for v in values if v))


def _preferred(line: Any) -> bool:
    types = {t.casefold() for v in line.params.get("TYPE", []) for t in str(v).split(",")}
    return "pref" in types or "PREF" in line.params


def _phone(value: str) -> str:
    return value[4:] if value.casefold().startswith("tel:") else value


def _org(card: Any) -> str | None:
    found = _lines(card, "org")
    if not found:
        return None
    value = found[0].value
    first = value[0] if isinstance(value, list | tuple) and value else value
    return _text(first) if isinstance(first, str) else None


def _urls(card: Any) -> list[tuple[str, str]]:
    """Return (label, url) for URL and X-SOCIALPROFILE lines; Apple puts labels on `itemN.` groups."""
    labels = {line.group: _text(line.value).casefold() for line in _lines(card, "x-ablabel") if line.group}
    found = []
    for line in _lines(card, "url") + _lines(card, "x-socialprofile"):
        types = " ".join(str(t) for t in line.params.get("TYPE", [])).casefold()
        label = f"{labels.get(line.group, '')} {types} {line.name.casefold()}"
        url = one_line(_text(line.value).replace("\\:", ":"))  # Google writes https\://
        if url:
            found.append((label, url))
    return found


def _location(card: Any) -> str | None:
    found = _lines(card, "adr")
    if not found:
        return None
    adr = found[0].value
    parts = [getattr(adr, key, "") for key in ("city", "region")] if not isinstance(adr, str) else [adr]
    parts = [one_line(_text(p)) for p in parts]
    return one_line(", ".join(p for p in parts if p))


def _categories(card: Any) -> tuple[str, ...]:
    tags = []
    for line in _lines(card, "categories"):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        tags.extend(one_line(_text(v)) for v in values)
    return tuple(dict.fromkeys(t for t in tags if t and t.casefold() not in _SYSTEM_GROUPS))


def _card_notes(card: Any, more_emails: Sequence[str], more_phones: Sequence[str]) -> str:
    """Return the card's NOTE, plus the emails and phones a contact file has no field for."""
    note = "\n\n".join(_text(line.value).strip() for line in _lines(card, "note") if str(line.value).strip())
    extras = [f"email {e}" for e in more_emails] + [f"phone {p}" for p in more_phones]
    more = f"Also from the vCard: {'; '.join(extras)}." if extras else ""
    return "\n\n".join(part for part in (note.replace("\r\n", "\n"), more) if part)


def _uid_id(card: Any) -> str | None:
    uid = _first_text(card, "uid") or ""
    return uid.removesuffix("@netsite") if uid.endswith("@netsite") else None


# --- matching and planning ------------------------------------------------------------------


def linkedin_key(url: str | None) -> str | None:
    """Return a LinkedIn profile URL reduced to its path (`in/janedoe`), for matching."""
    if not url:
        return None
    match = re.search(r"linkedin\.com/+([^?#]+)", url, re.IGNORECASE)
    return unquote(match.group(1)).strip("/").casefold() if match else None


def name_key(name: str) -> str:
    """Return a name for matching: case, accents and spacing do not count (`Sofia Álvarez`)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass
class Matcher:
    """Finds a person among the journal's contacts and the people already planned in this import."""

    by_url: dict[str, list[str]] = field(default_factory=dict)
    by_email: dict[str, list[str]] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, contacts: Iterable[Contact]) -> Matcher:
        """Index contacts by LinkedIn URL, email and name."""
        matcher = cls()
        for c in sorted(contacts, key=lambda c: c.id):
            emails = re.findall(r"[^\s,;<>]+@[^\s,;<>]+", c.email or "")  # a field may hold two
            matcher.add(c.id, linkedin_key(c.linkedin), emails, c.name)
        return matcher

    def add(self, target: str, url: str | None, emails: Iterable[str], name: str) -> None:
        """Remember target (a contact id, or the line of a person met earlier in this import)."""
        if url:
            self.by_url.setdefault(url, []).append(target)
        for email in emails:
            self.by_email.setdefault(email.casefold(), []).append(target)
        self.by_name.setdefault(name_key(name), []).append(target)

    def find(self, person: Person) -> tuple[str, list[str]] | None:
        """Return (how, targets) for the strongest key that matches anyone."""
        url = linkedin_key(person.linkedin)
        if url and url in self.by_url:
            return "LinkedIn URL", self.by_url[url]
        for email in person.emails:
            if email.casefold() in self.by_email:
                return "email", self.by_email[email.casefold()]
        hits = self.by_name.get(name_key(person.name))
        return ("name", hits) if hits else None


@dataclass(frozen=True)
class Destination:
    """Where new files go: a folder under the journal, the ids already taken, and added defaults."""

    folder: str  # relative to the journal, such as `contacts` or `contacts/linkedin`
    taken: frozenset[str]
    today: date
    tags: tuple[str, ...] = ()


def plan_import(parsed: Parsed, contacts: Sequence[Contact], where: Destination) -> list[Outcome]:
    """Decide for every row or card: create a new contact, report a match, or skip."""
    by_id = {c.id: c for c in contacts}
    matcher, earlier = Matcher.of(contacts), Matcher()
    taken = set(where.taken)
    outcomes: list[Outcome] = list(parsed.skips)
    for person in parsed.people:
        again = earlier.find(person)
        outcome = _decide(person, matcher, by_id, taken, where) if again is None else _repeat(person, again)
        if isinstance(outcome, Create):
            taken.add(outcome.contact_id.casefold())
        if not isinstance(outcome, Skip):
            earlier.add(str(person.line), linkedin_key(person.linkedin), person.emails, person.name)
        outcomes.append(outcome)
    return sorted(outcomes, key=lambda o: o.line if isinstance(o, Skip) else o.person.line)


def _decide(
    person: Person, matcher: Matcher, by_id: dict[str, Contact], taken: set[str], where: Destination
) -> Outcome:
    found = matcher.find(person)
    if found is None:
        return _create(person, taken, where)
    how, targets = found
    if how == "name" and len(targets) > 1:
        return Skip(person.line, f"the name matches {len(targets)} contacts ({', '.join(targets)})")
    return Match(person, targets[0], how, _changes(person, by_id[targets[0]]))


def _repeat(person: Person, earlier: tuple[str, list[str]]) -> Skip:
    how, lines = earlier
    return Skip(person.line, f"duplicate (same {how} as line {lines[0]})")


def _changes(person: Person, contact: Contact) -> tuple[tuple[str, str | None, str], ...]:
    """Return (field, journal value, imported value) where company or role differ."""
    found = []
    for key in ("company", "role"):
        new, old = getattr(person, key), getattr(contact, key)
        if new and name_key(new) != name_key(old or ""):
            found.append((key, old, new))
    return tuple(found)


def _create(person: Person, taken: set[str], where: Destination) -> Create | Skip:
    wanted = person.wanted_id if person.wanted_id and person.wanted_id.casefold() not in taken else None
    new_id = wanted or free_id(contact_id(person.name), taken)
    fields = person_fields(person, where)
    text = contact_text(fields, person.notes)
    refused = check_written(text, fields, person.notes)
    if refused:
        return Skip(person.line, f"cannot be written safely: {refused.message}", malformed=True)
    return Create(person, new_id, f"{where.folder}/{new_id}.md", text)


def person_fields(person: Person, where: Destination) -> list[Field]:
    """Return the front matter of a new contact: only the fields the import file had."""
    tags = tuple(dict.fromkeys([*person.tags, *where.tags]))
    values: list[Field] = [
        ("name", person.name),
        ("company", person.company),
        ("role", person.role),
        ("email", person.emails[0] if person.emails else None),
        ("phone", person.phone),
        ("linkedin", person.linkedin),
        ("website", person.website),
        ("location", person.location),
        ("tags", list(tags) or None),
        ("added", person.added or where.today),
    ]
    return [(key, value) for key, value in values if value]


# --- reporting and writing ------------------------------------------------------------------


def outcome_lines(outcomes: Sequence[Outcome], source: str, dry_run: bool, verbose: bool) -> list[str]:
    """Return one line per created, changed or skipped row (and matched ones when verbose)."""
    lines = []
    for o in outcomes:
        if isinstance(o, Skip):
            lines.append(f"{source}:{o.line}: skipped: {o.reason}")
        elif isinstance(o, Create):
            verb = "would create" if dry_run else "created"
            extra = f" ({o.person.note})" if o.person.note else ""
            lines.append(f"{source}:{o.person.line}: {verb} {o.path} ({o.person.name}){extra}")
        elif o.changes:
            what = "; ".join(f"{k} {_shown(old)} → {new!r}" for k, old, new in o.changes)
            lines.append(f"{source}:{o.person.line}: changed {o.contact_id} ({o.person.name}): {what}")
        elif verbose:
            lines.append(f"{source}:{o.person.line}: matched {o.contact_id} by {o.how}")
    return lines


def _shown(value: str | None) -> str:
    return repr(value) if value else "(not set)"


def summary_line(outcomes: Sequence[Outcome], kind: str, source: str, dry_run: bool) -> str:
    """Return the closing count of created, matched, changed and skipped rows, with skip reasons."""
    created = sum(isinstance(o, Create) for o in outcomes)
    changed = sum(isinstance(o, Match) and bool(o.changes) for o in outcomes)
    matched = sum(isinstance(o, Match) for o in outcomes) - changed
    skips = [o for o in outcomes if isinstance(o, Skip)]
    reasons = Counter(_reason_kind(s.reason) for s in skips)
    why = f" ({', '.join(f'{r}: {n}' for r, n in sorted(reasons.items()))})" if skips else ""
    line = f"{kind} import of {source}: {len(outcomes)} {_unit(kind)}: {created} created, {matched} matched"
    line += f", {changed} changed, {len(skips)} skipped{why}"
    if changed:
        line += "; changes are reported only, existing files are never modified"
    return line + ("; dry run, nothing written" if dry_run else "")


def _unit(kind: str) -> str:
    return "cards" if kind == "vCard" else "rows"


def _reason_kind(reason: str) -> str:
    """Group skip reasons for the summary: the words before any detail."""
    return re.split(r"[:(]| line \d", reason, maxsplit=1)[0].strip()


def write_plan(root: Path, outcomes: Sequence[Outcome]) -> list[str]:
    """Create the planned files (never overwriting); return a message for each that failed."""
    failures = []
    for o in outcomes:
        if isinstance(o, Create):
            refused: Refusal | None = write_new(root / o.path, o.text)
            if refused:
                failures.append(refused.message)
    return failures


def outcome_line(outcome: Outcome) -> int:
    """Return the line of the file an outcome is about."""
    return outcome.line if isinstance(outcome, Skip) else outcome.person.line
