"""Due items: thank-yous owed, follow-ups coming up, and names waiting for a first message."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from .config import Rules
from .contact import CONVERSATION_KINDS, Contact

KINDS = ("thank-you", "follow-up", "reach-out")


class DueItem(NamedTuple):
    """Something due for one contact; a named tuple, as ten thousand are made for each model."""

    contact: str
    name: str
    kind: str
    due: date
    overdue_days: int
    warm: bool | None = None  # reach-out only: the name came through a referral

    def as_json(self) -> dict[str, object]:
        """Return the item keyed as `due --json` prints it."""
        item: dict[str, object] = {
            "contact": self.contact,
            "name": self.name,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "overdue_days": self.overdue_days,
        }
        if self.warm is not None:
            item["warm"] = self.warm
        return item


class LogFacts(NamedTuple):
    """What the rules read of a contact's log, found in one pass over it."""

    last: date | None  # the latest entry's date
    talked: date | None  # the latest conversation's
    thanked: date | None  # the latest thank-you's


def log_facts(contact: Contact) -> LogFacts:
    """Return the latest dates of a contact's log: of any entry, of a conversation, of a thank-you."""
    last = talked = thanked = None
    for entry in contact.log:
        day, kind = entry.date, entry.kind
        if last is None or day > last:
            last = day
        if kind in CONVERSATION_KINDS:
            if talked is None or day > talked:
                talked = day
        elif kind == "thanks" and (thanked is None or day > thanked):
            thanked = day
    return LogFacts(last, talked, thanked)


def contact_due(
    contact: Contact,
    status: str,
    has_referrer: bool,
    rules: Rules,
    today: date,
    facts: LogFacts | None = None,
) -> list[DueItem]:
    """Return what is due for one contact (nothing when dormant); facts: its log_facts, if known."""
    if status == "dormant":
        return []
    facts = facts or log_facts(contact)
    cid, name, found = contact.id, contact.name, []
    thank = thank_you_due(contact, rules, facts)
    if thank is not None:
        found.append(DueItem(cid, name, "thank-you", thank, days_between(thank, today)))
    if status in ("contacted", "met"):
        when = follow_up_due(contact, rules, today, facts)
        found.append(DueItem(cid, name, "follow-up", when, days_between(when, today)))
    if status == "identified":
        when = contact.added or today
        found.append(DueItem(cid, name, "reach-out", when, days_between(when, today), has_referrer))
    return found


def thank_you_due(contact: Contact, rules: Rules, facts: LogFacts | None = None) -> date | None:
    """Return when a thank-you for the latest conversation is due, if none was sent since."""
    _, talked, thanked = facts or log_facts(contact)
    if talked is None or (thanked is not None and thanked >= talked):
        return None
    return days_after(talked, rules.thank_you_days)


def follow_up_due(contact: Contact, rules: Rules, today: date, facts: LogFacts | None = None) -> date:
    """Return when to follow up: the explicit date, else the last touch plus the interval."""
    if contact.next_follow_up is not None:
        return contact.next_follow_up
    last = (facts or log_facts(contact)).last or contact.added or today
    return days_after(last, contact.follow_up_days or rules.follow_up_days)


@lru_cache(maxsize=65_536)  # a log has a few hundred days, and ten thousand contacts ask of them
def days_after(day: date, days: int) -> date:
    """Return day + days, or the last date there is when that lies beyond it (9999-12-31)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


@lru_cache(maxsize=65_536)
def days_between(first: date, last: date) -> int:
    """Return how many days last is after first (negative: before)."""
    return (last - first).days


def sort_due(items: list[DueItem]) -> list[DueItem]:
    """Order items by due date, then contact id, then kind."""
    return sorted(items, key=lambda i: (i.due, i.contact, i.kind))
