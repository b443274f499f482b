"""Due items: thank-yous owed, follow-ups coming up, and names waiting for a first message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .config import Rules
from .contact import CONVERSATION_KINDS, Contact

KINDS = ("thank-you", "follow-up", "reach-out")


@dataclass(frozen=True)
class DueItem:
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


def contact_due(
    contact: Contact, status: str, has_referrer: bool, rules: Rules, today: date
) -> list[DueItem]:
    """Return what is due for one contact (nothing when dormant)."""
    found: list[tuple[str, date, bool | None]] = []
    if status == "dormant":
        return []
    thank = thank_you_due(contact, rules)
    if thank is not None:
        found.append(("thank-you", thank, None))
    if status in ("contacted", "met"):
        found.append(("follow-up", follow_up_due(contact, rules, today), None))
    if status == "identified":
        found.append(("reach-out", contact.added or today, has_referrer))
    return [
        DueItem(contact.id, contact.name, kind, when, (today - when).days, warm) for kind, when, warm in found
    ]


def thank_you_due(contact: Contact, rules: Rules) -> date | None:
    """Return when a thank-you for the latest conversation is due, if none was sent since."""
    talks = [e.date for e in contact.log if e.kind in CONVERSATION_KINDS]
    if not talks:
        return None
    latest = max(talks)
    if any(e.kind == "thanks" and e.date >= latest for e in contact.log):
        return None
    return days_after(latest, rules.thank_you_days)


def follow_up_due(contact: Contact, rules: Rules, today: date) -> date:
    """Return when to follow up: the explicit date, else the last touch plus the interval."""
    if contact.next_follow_up is not None:
        return contact.next_follow_up
    last = last_contact(contact) or contact.added or today
    return days_after(last, contact.follow_up_days or rules.follow_up_days)


def days_after(day: date, days: int) -> date:
    """Return day + days, or the last date there is when that lies beyond it (9999-12-31)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


def last_contact(contact: Contact) -> date | None:
    """Return the latest log date, if any."""
    return max((e.date for e in contact.log), default=None)


def sort_due(items: list[DueItem]) -> list[DueItem]:
    """Order items by due date, then contact id, then kind."""
    return sorted(items, key=lambda i: (i.due, i.contact, i.kind))
