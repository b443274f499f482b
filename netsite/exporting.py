"""Export a network: due items as an iCalendar feed, contacts as vCards or CSV. Pure functions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import icalendar

if TYPE_CHECKING:
    import vobject

from .contact import Contact
from .due import DueItem
from .model import Network

PRODID = "-//netsite//follow-ups//EN"
UID_DOMAIN = "netsite"
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
_SUMMARY = {"thank-you": "Thank {}", "follow-up": "Follow up with {}", "reach-out": "Reach out to {}"}


# --- iCalendar ----------------------------------------------------------------------------


def due_calendar(network: Network) -> bytes:
    """Return every due item as an all-day VEVENT; UIDs and DTSTAMP are stable for a given TODAY."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", network.config.site.title)
    cal.add("x-wr-caldesc", "Thank-yous, follow-ups and people to reach out to, from netsite")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = datetime.combine(network.today, time(0, 0), tzinfo=UTC)
    for item in network.due:
        cal.add_component(_event(network, item, stamp))
    return cal.to_ical()


def event_uid(item: DueItem) -> str:
    """Return the stable UID of a due item: the same contact and kind keep the same event."""
    return f"{item.kind}.{item.contact}@{UID_DOMAIN}"


def _event(network: Network, item: DueItem, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(item))
    event.add("dtstamp", stamp)
    event.add("dtstart", item.due)
    event.add("dtend", item.due + timedelta(days=1))
    event.add("summary", _SUMMARY[item.kind].format(item.name))
    event.add("description", "\n".join(_description(network, item)))
    event.add("categories", [item.kind])
    event.add("transp", "TRANSPARENT")
    return event


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
