"""The default contact page made in Python: the bytes Jinja makes of contact.html, in 60% of the time.

Contact pages are most of a large site (10,000 of its 10,567 files at 10,000 contacts), and Jinja
spends about 30 of the 75 microseconds each takes on its own steps (a context lookup, an attribute
lookup, an escape and a generator step for every value shown). While the default templates are in
use, unedited, contact pages are made here instead. `TEMPLATES` is the digest of the base.html and
contact.html this module follows: once either is edited, contact pages are rendered by Jinja again,
and tests/test_contact_page.py fails until this module follows the templates and the digest is
updated. That test also compares both renderers on every contact page of the sample journal, of
generated journals and of journals written to break them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .contact import Contact, is_web_url
from .digests import digest
from .escaping import escape_text as esc
from .fragments import Fragments
from .frame import Frame
from .model import Network
from .words import format_day, plural

# The digest of base.html's bytes, then contact.html's, as default_templates() holds them.
TEMPLATES = "3ada8b0c4e4aebeed16dedb60bd4b8bb"
# What surrounds the notes HTML on a contact page that shows notes; a page without them has nothing
# in its place, right before the end of its main element.
NOTES_OPEN = '<section class="notes">\n<h2>Notes</h2>\n'
NOTES_CLOSE = "\n</section>\n"
_MAIN_END = b"</main>"


def templates_digest(folder: Path) -> str:
    """Digest the base.html and contact.html of a templates folder."""
    return digest((folder / "base.html").read_bytes() + (folder / "contact.html").read_bytes())


class ContactPages:
    """Make contact pages as contact.html would, for the folder depth of fragments (and frame)."""

    def __init__(self, network: Network, fragments: Fragments, frame: Frame) -> None:
        self.network, self.f, self.frame, self.root = network, fragments, frame, esc(fragments.root)

    def render(self, path: str, context: dict[str, Any]) -> str:
        """Return the page of context["contact"] at path; context is what the template would be given."""
        c: Contact = context["contact"]
        parts = [self.frame.opening(esc(c.name), path, "contacts")]
        parts += self._top(c, context)
        parts += self._details(c, context)
        parts += self._people_and_log(c, context)
        parts.append(self.frame.footer)
        return "".join(parts)

    def _top(self, c: Contact, context: dict[str, Any]) -> list[str]:
        """The chain, name, lede, problems and due items."""
        f = self.f
        parts = [
            f'<nav class="breadcrumb" aria-label="Referral chain">{f.chain_path(context["chain"])}</nav>\n'
            f'<h1>{esc(c.name)} {f.status_badge(c.id)}</h1>\n<p class="lede">'
        ]
        if c.role:
            parts.append(esc(c.role))
        if c.role and c.company:
            parts.append(" at ")
        if c.company:
            page = context["company_page"]
            company = esc(c.company)
            parts.append(f'<a href="{self.root}{esc(page)}">{company}</a>' if page else company)
        if c.location:
            parts.append(f" · {esc(c.location)}")
        parts.append("</p>\n\n")
        if context["own_problems"]:
            parts.append(_problems(context["own_problems"]))
        parts.append("\n")
        if context["due_items"]:
            table = f.due_table(context["due_items"], show_contact=False)
            parts.append(f"<section>\n<h2>Due</h2>\n{table}\n</section>\n")
        return parts

    def _details(self, c: Contact, context: dict[str, Any]) -> list[str]:
        """The card of fields."""
        parts = ['\n<section class="card">\n<h2>Details</h2>\n<dl class="fields">\n']
        if c.email:
            email = esc(c.email)
            if "@" in c.email and " " not in c.email:
                email = f'<a href="mailto:{email}">{email}</a>'
            parts.append(f"<dt>Email</dt><dd>{email}</dd>")
        if c.phone:
            parts.append(f"<dt>Phone</dt><dd>{esc(c.phone)}</dd>")
        if c.linkedin:
            parts.append(f"<dt>LinkedIn</dt><dd>{_web(c.linkedin)}</dd>")
        if c.website:
            parts.append(f"<dt>Website</dt><dd>{_web(c.website)}</dd>")
        parts += self._referrer(c, context["chain"])
        parts += _dates(c, self.network)
        if context["tags"]:
            root = self.root
            links = "".join(
                f'<a class="tag" href="{root}{esc(page)}">{esc(tag)}</a> ' for tag, page in context["tags"]
            )
            parts.append(f"<dt>Tags</dt><dd>{links}</dd>")
        parts += [f"<dt>{esc(key)}</dt><dd>{esc(value)}</dd>" for key, value in context["extra"]]
        parts.append(f'</dl>\n<p class="source muted">File: <code>{esc(c.path)}</code></p>\n</section>\n\n')
        return parts

    def _referrer(self, c: Contact, chain: list[Contact]) -> list[str]:
        """Who referred the contact, and the degree."""
        by = self.f.person(chain[-2]) if len(chain) > 1 else "me (first degree)"
        parts = [f"<dt>Referred by</dt><dd>{by}"]
        if c.referred_by and len(chain) == 1:
            parts.append(f' <span class="muted">(written “{esc(c.referred_by)}”)</span>')
        parts.append(f"</dd>\n<dt>Degree</dt><dd>{len(chain)}</dd>\n")
        if c.how_met:
            parts.append(f"<dt>How we met</dt><dd>{esc(c.how_met)}</dd>")
        if c.strength:
            strength = esc(c.strength)
            parts.append(f'<dt>Strength</dt><dd><span class="badge strength-{strength}">{strength}</span>')
            parts.append("</dd>")
        return parts

    def _people_and_log(self, c: Contact, context: dict[str, Any]) -> list[str]:
        """The people the contact referred, the log and the notes."""
        f, referrals = self.f, context["referrals"]
        parts = [f'<section>\n<h2>Referred me to <span class="count">{len(referrals)}</span></h2>\n']
        if referrals:
            parts.append(f'<ul class="people">{"".join(map(f.member_item, referrals))}</ul>\n')
        else:
            parts.append(f'<p class="empty">No names from {esc(c.name)} yet.</p>')
        parts.append("</section>\n\n<section>\n<h2>Log</h2>\n")
        if c.log:
            parts.append(f'<ol class="timeline">\n{f.timeline_items(reversed(c.log))}</ol>\n')
        else:
            parts.append('<p class="empty">Nothing logged yet.</p>')
        parts.append("</section>\n\n")
        if c.notes.strip():
            parts.append(f"{NOTES_OPEN}{esc(context['notes_html'])}{NOTES_CLOSE}")
        return parts


def notes_place(data: bytes, html: bytes, shown: bool) -> tuple[int, int] | None:
    """Return where a contact page holds its notes: the span of their HTML if shown, else the empty
    span where their section would go. None when that is not found exactly once (as empty HTML is not:
    notes that make none, a link definition alone, still get a section).
    """
    found = html if shown else _MAIN_END
    start = data.find(found)
    if start < 0 or data.find(found, start + 1) >= 0:
        return None
    return start, start + len(html)


def notes_spliced(
    data: bytes, span: tuple[int, int], html: bytes, shown: bool
) -> tuple[bytes, tuple[int, int]] | None:
    """Return a contact page with other notes, and where it holds them (see notes_place).

    span is where the page holds its notes now (empty: it shows none); html is the new notes' HTML,
    shown says whether they are shown at all. None when the page is not as span says.
    """
    start, end = span
    opened, closed = NOTES_OPEN.encode(), NOTES_CLOSE.encode()
    if start < end:  # a notes section: take it out
        if data[start - len(opened) : start] != opened or data[end : end + len(closed)] != closed:
            return None
        data, start = data[: start - len(opened)] + data[end + len(closed) :], start - len(opened)
    if not data.startswith(_MAIN_END, start) or (shown and not html):
        return None
    if not shown:
        return data, (start, start)
    at = start + len(opened)
    return data[:start] + opened + html + closed + data[start:], (at, at + len(html))


def _problems(problems: list[Any]) -> str:
    items = "".join(
        f'<li class="{esc(p.severity)}"><code>{esc(p.path)}{f":{esc(p.line)}" if p.line else ""}'
        f"</code> {esc(p.severity)}: {esc(p.message)}</li>"
        for p in problems
    )
    heading = '<section class="problems" id="problems">\n<h2>Problems in this file</h2>\n'
    return f"{heading}<ul>{items}</ul>\n</section>\n"


def _web(url: str) -> str:
    """Return a link to an http(s) URL, or the text of anything else."""
    text = esc(url)
    return f'<a href="{text}" rel="noopener noreferrer">{text}</a>' if is_web_url(url) else text


def _dates(c: Contact, network: Network) -> list[str]:
    parts = [
        f"<dt>Added</dt><dd>{esc(format_day(c.added, 'long'))}</dd>\n"
        f"<dt>Last contact</dt><dd>{esc(format_day(network.last_contact[c.id], 'long'))}</dd>\n"
    ]
    if c.next_follow_up:
        parts.append(f"<dt>Next follow-up</dt><dd>{esc(format_day(c.next_follow_up, 'long'))}</dd>")
    if c.follow_up_days:
        parts.append(f"<dt>Follow up every</dt><dd>{esc(plural(c.follow_up_days, 'day'))}</dd>")
    return parts
