"""Export a network: due items as an iCalendar feed, contacts as vCards or CSV. Pure functions."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import vobject

    from .rowmemo import RowMemo

from .contact import Contact
from .due import DueItem
from .model import Network

PRODID = "-//netsite//follow-ups//EN"
UID_DOMAIN = "netsite"
CALENDAR_DESCRIPTION = "Thank-yous, follow-ups and people to reach out to, from netsite"
CSV_COLUMNS = (
    "id",
    "name",
    "company",
    "role",
    "email",
    "phone",
    "linkedin",
    "website",
    "location",
    "how_met",
    "referred_by",
    "tags",
    "strength",
    "status",
    "added",
    "last_contact",
    "path",
)
_FOLD_OCTETS = 74  # as icalendar folds; with the leading space a continuation line is 75 octets
_LONG_LINE = re.compile(rb"(?m)^[^\r\n]{%d,}" % (_FOLD_OCTETS + 1))
_SUMMARY = {"thank-you": "Thank {}", "follow-up": "Follow up with {}", "reach-out": "Reach out to {}"}


# --- iCalendar ----------------------------------------------------------------------------


def due_calendar(network: Network, rows: RowMemo | None = None) -> bytes:
    """Return every due item as an all-day VEVENT; UIDs and DTSTAMP are stable for a given TODAY.

    rows, when given, holds events made by an earlier build (see rowmemo.py).
    """
    stamp = f"{_ical_date(network.today)}T000000Z"
    if rows is None:
        events = b"".join([_event(network, item, stamp) for item in network.due])
    else:
        due = network.due
        events = rows.block(
            [(i.kind, i.contact) for i in due],
            [i.contact for i in due],
            lambda n: _event(network, due[n], stamp),
            lambda n: _place(network, due[n]),
        )
    head = _content(_calendar_head(network.config.site.title))
    return b"".join([head, events, _content(["END:VCALENDAR"])])


def _place(network: Network, item: DueItem) -> tuple[bool | None, str | None]:
    """Return what an event shows of the rest of the network: whether its contact was referred, and
    by whom (the rest follows from the contact's front matter and the global key)."""
    up = network.forest.parent.get(item.contact)
    return item.warm, network.contacts[up].name if up else None


def _content(lines: list[str]) -> bytes:
    """Return content lines as iCalendar writes them: CRLF after each, long ones folded."""
    return _LONG_LINE.sub(_fold, ("\r\n".join(lines) + "\r\n").encode())


def event_uid(item: DueItem) -> str:
    """Return the stable UID of a due item: the same contact and kind keep the same event."""
    return f"{item.kind}.{item.contact}@{UID_DOMAIN}"


def _calendar_head(title: str) -> list[str]:
    """Return the VCALENDAR lines before the first event, in icalendar's canonical order."""
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        # X- values are written verbatim, as icalendar writes values of unknown type (RFC 7265 UNKNOWN)
        f"X-WR-CALDESC:{_breaks(CALENDAR_DESCRIPTION)}",
        f"X-WR-CALNAME:{_breaks(title)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]


def _event(network: Network, item: DueItem, stamp: str) -> bytes:
    """Return one all-day VEVENT, its content lines in icalendar's canonical order."""
    description = _text("\n".join(_description(network, item)))
    # An all-day event ends the next day; without DTEND it lasts one day (RFC 5545 3.6.1), which
    # must do for 9999-12-31, the last day there is.
    end = [f"DTEND;VALUE=DATE:{_ical_date(item.due + timedelta(days=1))}"] if item.due < date.max else []
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(_SUMMARY[item.kind].format(item.name))}",
        f"DTSTART;VALUE=DATE:{_ical_date(item.due)}",
        *end,
        f"DTSTAMP:{stamp}",
        f"UID:{_text(event_uid(item))}",
        f"CATEGORIES:{_text(item.kind)}",
        f"DESCRIPTION:{description}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return _content(lines)


@cache  # a calendar of ten thousand events has a few hundred dates
def _ical_date(day: date) -> str:
    """Return a DATE value: YYYYMMDD."""
    return day.isoformat().replace("-", "")


def _text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslashes, semicolons, commas and line breaks."""
    if _TEXT_SPECIAL.search(value) is None:  # most values: nothing to escape
        return value
    return _breaks(value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,"))


_TEXT_SPECIAL = re.compile(r"[\\;,\r\n]")


def _breaks(value: str) -> str:
    """Write CRLF, LF and a lone CR each as \\n, so that the value stays on one content line."""
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(match: re.Match[bytes]) -> bytes:
    """Fold a long content line as icalendar does: pieces of at most 74 octets, each after a CRLF and a space.

    A piece never ends inside a UTF-8 character, nor with a backslash or caret (an escape stays whole).
    """
    line = match[0]
    pieces, start = [], 0
    while len(line) - start > _FOLD_OCTETS:
        end = start + _FOLD_OCTETS
        while line[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        if line[end - 1] in b"\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return b"\r\n ".join(pieces)


def _description(network: Network, item: DueItem) -> list[str]:
    contact = network.contacts[item.contact]
    lines = [_why(network, contact, item)]
    job = " at ".join(v for v in (contact.role, contact.company) if v)
    details = [job, contact.email, contact.phone, contact.linkedin]
    lines.extend(f"{d}" for d in details if d)
    if item.kind == "thank-you":
        lines.append(f"Once sent: netsite log {contact.id} thanks")
    return lines


def _why(network: Network, contact: Contact, item: DueItem) -> str:
    """Say why the item is due, in words that do not change from day to day."""
    if item.kind == "thank-you":
        talk = max((e for e in contact.log if e.kind in ("call", "meeting")), key=lambda e: e.date)
        note = f": {talk.note}" if talk.note else ""
        return f"{talk.kind.capitalize()} on {talk.date}{note}. No thank-you logged since."
    if item.kind == "follow-up":
        if contact.next_follow_up is not None:
            return f"Follow-up planned for {contact.next_follow_up} (next_follow_up)."
        last = network.last_contact[contact.id]
        return f"Last contact {last}." if last else f"Added {contact.added or network.today}; no contact yet."
    parent = network.forest.parent.get(contact.id)
    warm = f" Warm lead: referred by {network.contacts[parent].name}." if parent else ""
    return f"Not contacted yet (added {contact.added or network.today}).{warm}"


# --- vCard ----------------------------------------------------------------------------------


def address_book(network: Network) -> str:
    """Return every contact as a vCard 3.0, ordered by name."""
    return "".join(contact_card(c).serialize() for c in network.by_name)


def contact_card(contact: Contact) -> vobject.base.Component:
    """Return one contact as a vCard 3.0 component (UID `id@netsite`, so a re-import keeps the id)."""
    import vobject  # only export and import need it; every build would pay its import time

    card = vobject.vCard()
    card.add("uid").value = f"{contact.id}@{UID_DOMAIN}"
    card.add("fn").value = contact.name
    given, _, family = contact.name.rpartition(" ")
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    _add(card, "org", [contact.company] if contact.company else None)
    _add(card, "title", contact.role)
    _add(card, "email", contact.email, type_param="INTERNET")
    _add(card, "tel", contact.phone)
    _add(card, "adr", vobject.vcard.Address(city=contact.location) if contact.location else None)
    if contact.linkedin:
        _add(card, "url", contact.linkedin, group="item1")
        _add(card, "x-ablabel", "LinkedIn", group="item1")
    _add(card, "url", contact.website)
    _add(card, "categories", list(contact.tags) or None)
    _add(card, "note", contact.notes.strip() or None)
    return card


def _add(card: vobject.base.Component, name: str, value: object, **attrs: str) -> None:
    if value is None:
        return
    line = card.add(name)
    line.value = value
    for key, attr in attrs.items():
        setattr(line, key, attr)


# --- CSV --------------------------------------------------------------------------------------


def contacts_csv(network: Network) -> str:
    """Return every contact as one CSV row (RFC 4180, with a header), ordered by name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for contact in network.by_name:
        writer.writerow(_csv_row(network, contact))
    return out.getvalue()


def _csv_row(network: Network, contact: Contact) -> list[str]:
    parent = network.forest.parent.get(contact.id)
    values: dict[str, object] = {
        "referred_by": parent or contact.referred_by,
        "tags": ", ".join(contact.tags),
        "status": network.status[contact.id],
        "last_contact": network.last_contact[contact.id],
    }
    return [_cell(values[c] if c in values else getattr(contact, c)) for c in CSV_COLUMNS]


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)
