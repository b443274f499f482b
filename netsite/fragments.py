"""HTML fragments that pages repeat thousands of times, made in Python once each.

A person's link, a status badge and a referral chain appear on almost every page, hundreds of
thousands of times at 10,000 contacts. As Jinja macros each call cost about ten microseconds, the
biggest share of a build; here each is a dictionary lookup after the first. Links are relative, so
there is one `Fragments` per folder depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from markupsafe import Markup, escape

from .contact import Contact
from .due import DueItem
from .model import Network
from .words import plural

_STALE = ' <span class="badge stale" title="no interaction for over {} days">going cold</span>'
MEMO_DEPTH = 32  # longer referral chains are rare: built each time, not kept
_ARROW = ' <span class="arrow" aria-hidden="true">→</span> '


def contact_url(contact_id: str) -> str:
    """Return a contact page's path from the site root."""
    return f"contacts/{quote(contact_id)}.html"


def due_when(item: DueItem) -> Markup:
    """Say when a due item is due: `3 days overdue`, `today`, `in 2 days`."""
    days = item.overdue_days
    if days > 0:
        return Markup('<span class="late">%s overdue</span>') % plural(days, "day")
    if days == 0:
        return Markup('<span class="today">today</span>')
    return Markup('<span class="soon">in %s</span>') % plural(-days, "day")


def due_label(item: DueItem) -> str:
    """Say what a due item asks for."""
    if item.kind == "thank-you":
        return "Send a thank-you"
    if item.kind == "follow-up":
        return "Follow up"
    return "Reach out (warm lead)" if item.warm else "Reach out (cold)"


class Fragments:
    """The repeated fragments of pages whose links start with root (`""`, `"../"`, …).

    They are built as plain strings (Markup's operators escape and check every piece) and marked
    safe once; every value in them is escaped.
    """

    def __init__(self, network: Network, root: str) -> None:
        self.network, self.root = network, root
        self._people: dict[str, Markup] = {}
        self._badges: dict[str, Markup] = {}
        self._chains: dict[tuple[str, ...], str] = {(): ""}  # ids -> the links after "me"

    def url(self, target: str) -> str:
        """Return the link to a path given from the site root."""
        return self.root + target

    def person(self, contact: Contact) -> Markup:
        """Return a link to the contact's page, named."""
        html = self._people.get(contact.id)
        if html is None:
            href = escape(self.root + contact_url(contact.id))
            html = self._people[contact.id] = Markup(f'<a href="{href}">{escape(contact.name)}</a>')
        return html

    def status_badge(self, contact_id: str) -> Markup:
        """Return the contact's status badge, and a 'going cold' one when it applies."""
        html = self._badges.get(contact_id)
        if html is None:
            status = escape(self.network.status[contact_id])
            text = f'<span class="badge status-{status}">{status}</span>'
            if self.network.is_stale(contact_id):
                text += _STALE.format(escape(self.network.config.rules.stale_days))
            html = self._badges[contact_id] = Markup(text)
        return html

    def chain_path(self, chain: Sequence[Contact]) -> Markup:
        """Return `me → A → B`, each a link."""
        return Markup(f'<span class="chain">me{self._links(chain)}</span>')

    def _links(self, chain: Sequence[Contact]) -> str:
        """Return the arrows and links of a chain, reusing those of its first steps when known."""
        ids = tuple(c.id for c in chain)
        links = self._chains.get(ids)
        if links is None:
            start = self._chains.get(ids[:-1])
            if start is None:
                start = "".join(f"{_ARROW}{self.person(c)}" for c in chain[:-1])
            links = f"{start}{_ARROW}{self.person(chain[-1])}"  # not +: Markup would escape the arrow
            if len(ids) <= MEMO_DEPTH:
                self._chains[ids] = links
        return links

    def functions(self) -> dict[str, object]:
        """Return the fragments by the names templates call them."""
        return {
            "url": self.url,
            "person": self.person,
            "status_badge": self.status_badge,
            "chain_path": self.chain_path,
            "due_when": due_when,
            "due_label": due_label,
        }
