"""HTML fragments that pages repeat thousands of times, made in Python once each.

A person's link, a status badge and a referral chain appear on almost every page, hundreds of
thousands of times at 10,000 contacts. As Jinja macros each call cost about ten microseconds, the
biggest share of a build; here each is a dictionary lookup after the first. Links are relative, so
there is one `Fragments` per folder depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from markupsafe import Markup

from .contact import Contact
from .model import Network

_PERSON = Markup('<a href="%s">%s</a>')
_STATUS = Markup('<span class="badge status-%s">%s</span>')
_STALE = Markup(' <span class="badge stale" title="no interaction for over %s days">going cold</span>')
_ARROW = Markup(' <span class="arrow" aria-hidden="true">→</span> ')


def contact_url(contact_id: str) -> str:
    """Return a contact page's path from the site root."""
    return f"contacts/{quote(contact_id)}.html"


class Fragments:
    """The repeated fragments of pages whose links start with root (`""`, `"../"`, …)."""

    def __init__(self, network: Network, root: str) -> None:
        self.network, self.root = network, root
        self._people: dict[str, Markup] = {}
        self._badges: dict[str, Markup] = {}

    def url(self, target: str) -> str:
        """Return the link to a path given from the site root."""
        return self.root + target

    def person(self, contact: Contact) -> Markup:
        """Return a link to the contact's page, named."""
        html = self._people.get(contact.id)
        if html is None:
            html = self._people[contact.id] = _PERSON % (self.root + contact_url(contact.id), contact.name)
        return html

    def status_badge(self, contact_id: str) -> Markup:
        """Return the contact's status badge, and a 'going cold' one when it applies."""
        html = self._badges.get(contact_id)
        if html is None:
            status = self.network.status[contact_id]
            html = _STATUS % (status, status)
            if self.network.is_stale(contact_id):
                html += _STALE % self.network.config.rules.stale_days
            self._badges[contact_id] = html
        return html

    def chain_path(self, chain: Sequence[Contact]) -> Markup:
        """Return `me → A → B`, each a link."""
        return Markup('<span class="chain">me%s</span>') % Markup("").join(
            _ARROW + self.person(c) for c in chain
        )

    def functions(self) -> dict[str, object]:
        """Return the fragments by the names templates call them."""
        return {
            "url": self.url,
            "person": self.person,
            "status_badge": self.status_badge,
            "chain_path": self.chain_path,
        }
