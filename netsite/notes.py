"""Notes: a contact's Markdown body rendered safely, with [[wikilinks]] to contact pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, MutableMapping
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .digests import digest
from .forest import Named, Resolver
from .markdown_subset import MarkdownSubset

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

WIKILINK = r"\[\[\s*([^\]|\n]+?)\s*(?:\|\s*([^\]\n]*?)\s*)?\]\]"


Resolve = Callable[[str], tuple[str, str] | None]  # a wikilink's target -> (contact id, name), or None


def wikilink_parts(target: str, label: str | None, resolve: Resolve) -> tuple[str, dict[str, str], str]:
    """Return the tag, attributes and text of a [[wikilink]]: a link to the contact, or a note that none
    matches."""
    found = resolve(target)
    if found is None:
        return "span", {"class": "wikilink missing", "title": "no such contact"}, label or target
    contact_id, name = found
    return "a", {"class": "wikilink", "href": contact_href(contact_id)}, label or name


def wikilink_element(target: str, label: str | None, resolve: Resolve) -> ET.Element:
    """Make the element of a [[wikilink]] (for Python-Markdown)."""
    import xml.etree.ElementTree as ET  # only with Python-Markdown, which imports it anyway

    tag, attributes, text = wikilink_parts(target, label, resolve)
    element = ET.Element(tag, attributes)
    element.text = text
    return element


def contact_resolver(contacts: Iterable[Named], resolver: Resolver | None = None) -> Resolve:
    """Return the function that turns a [[wikilink]] target into (contact id, name), or None.

    resolver, when given, is one already made for these contacts (the forest's).
    """
    by_id = {c.id: c for c in contacts}
    found_by = resolver or Resolver(list(by_id.values()))

    def resolve(target: str) -> tuple[str, str] | None:
        found = found_by.resolve(target)
        return (found, by_id[found].name) if found else None

    return resolve


def contact_href(contact_id: str) -> str:
    """Link to a contact page from a page in the same folder."""
    if _UNQUOTED.fullmatch(contact_id):  # most ids are slugs: the same, without quote's cost
        return contact_id + ".html"
    return quote(contact_id) + ".html"


_UNQUOTED = re.compile(r"[A-Za-z0-9_.~/-]*")  # what quote() leaves as it is


class NotesRenderer:
    """Render notes: the plain subset directly, the rest with Python-Markdown (imported only then)."""

    def __init__(self, resolve: Resolve, allow_html: bool) -> None:
        self.resolve, self.allow_html = resolve, allow_html
        self.subset = MarkdownSubset(WIKILINK, partial(wikilink_parts, resolve=resolve))
        self.full: Any = None  # notes_markdown.Converters, made when first needed

    def render(self, text: str) -> str:
        """Return the HTML of one note."""
        # Python-Markdown reads CRLF line ends as LF: so does the subset, given LF (a Windows checkout).
        try:
            html = self.subset.render(text.replace("\r\n", "\n"))
        except Exception:  # a note the subset trips over: Python-Markdown, which it stands in for, reads it
            html = None
        return self.python_markdown(text) if html is None else html

    def python_markdown(self, text: str) -> str:
        """Return the HTML of one note by Python-Markdown, whatever the note holds."""
        if self.full is None:
            from .notes_markdown import Converters

            self.full = Converters(self.resolve, self.allow_html)
        return self.full.render(text)


Resolved = tuple[str, str] | None
NotesMemo = MutableMapping[tuple[str, bool], tuple[str, tuple[tuple[str, Resolved], ...]]]


class CachedNotes:
    """Notes rendered once and reused while a note's text and the answers to its wikilinks stay the same.

    The memo maps (digest of the text, allow_html) to the HTML and every (target, answer) the
    wikilinks asked for while rendering; a hit is checked by asking again. One CachedNotes serves
    one model, whose answers do not change: each target is resolved once, each text digested once.
    """

    def __init__(
        self,
        resolve: Callable[[str], Resolved],
        allow_html: bool,
        memo: NotesMemo,
        keys: dict[str, tuple[str, bool]] | None = None,
    ) -> None:
        self.allow_html, self.memo = allow_html, memo
        self.answers: dict[str, Resolved] = {}
        self.keys = {} if keys is None else keys  # text -> memo key; may be shared with the same allow_html
        self.ask = resolve
        self.calls: list[tuple[str, Resolved]] = []
        self.added: dict[tuple[str, bool], tuple[str, tuple[tuple[str, Resolved], ...]]] = {}
        self.renderer = NotesRenderer(self._recorded, allow_html)

    def resolve(self, target: str) -> Resolved:
        """Return what a wikilink's target resolves to (asked once per target)."""
        try:
            return self.answers[target]
        except KeyError:
            found = self.answers[target] = self.ask(target)
            return found

    def key(self, text: str) -> tuple[str, bool]:
        """Return the memo key of a note."""
        key = self.keys.get(text)
        if key is None:
            key = self.keys[text] = (_digest(text), self.allow_html)
        return key

    def render(self, text: str) -> str:
        """Return the HTML of one note, from the memo when still valid."""
        key = self.key(text)
        hit = self.memo.get(key)
        if hit is not None and self._still_valid(hit[1]):
            return hit[0]
        self.calls = []
        html = self.renderer.render(text)
        self.memo[key] = self.added[key] = (html, tuple(self.calls))
        return html

    def take_added(self) -> dict[tuple[str, bool], tuple[str, tuple[tuple[str, Resolved], ...]]]:
        """Return the memo entries rendered since last asked, and forget them (a worker reports them)."""
        added, self.added = self.added, {}
        return added

    def state(self, text: str) -> tuple[tuple[str, Resolved], ...] | None:
        """Return what a note's wikilinks resolve to now, or None if the note was never rendered."""
        asked = self.asked(text)
        return None if asked is None else tuple((t, self.resolve(t)) for t in asked)

    def asked(self, text: str) -> list[str] | None:
        """Return the targets a note's wikilinks ask for, or None if the note was never rendered."""
        hit = self.memo.get(self.key(text))
        return None if hit is None else [target for target, _ in hit[1]]

    def _still_valid(self, calls: tuple[tuple[str, Resolved], ...]) -> bool:
        return all(self.resolve(target) == answer for target, answer in calls)

    def _recorded(self, target: str) -> Resolved:
        found = self.resolve(target)
        self.calls.append((target, found))
        return found


def _digest(text: str) -> str:
    return digest(text.encode("utf-8", "surrogatepass"))
