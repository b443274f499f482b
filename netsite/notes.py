"""Notes: a contact's Markdown body rendered safely, with [[wikilinks]] to contact pages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, MutableMapping
from functools import cache, partial
from urllib.parse import quote

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .digests import digest
from .markdown_subset import MarkdownSubset

WIKILINK = r"\[\[\s*([^\]|\n]+?)\s*(?:\|\s*([^\]\n]*?)\s*)?\]\]"
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _WikiLinks(InlineProcessor):
    def __init__(self, resolve: Callable[[str], tuple[str, str] | None]) -> None:
        super().__init__(WIKILINK)
        self.resolve = resolve

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[ET.Element, int, int]:
        return _wikilink(m.group(1), m.group(2), self.resolve), m.start(0), m.end(0)


def _wikilink(target: str, label: str | None, resolve: Callable[[str], tuple[str, str] | None]) -> ET.Element:
    """Make the element of a [[wikilink]]: a link to the contact, or a note that none matches."""
    found = resolve(target)
    if found is None:
        el = ET.Element("span", {"class": "wikilink missing", "title": "no such contact"})
        el.text = label or target
    else:
        contact_id, name = found
        el = ET.Element("a", {"class": "wikilink", "href": contact_href(contact_id)})
        el.text = label or name
    return el


class _SafeLinks(Treeprocessor):
    """Keep only http(s), mailto and our own wikilinks; turn images into plain links."""

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "img":
                    _img_to_link(child)
                elif child.tag == "a" and "wikilink" not in child.get("class", ""):
                    href = child.get("href", "")
                    if not href.lower().startswith(_SAFE_SCHEMES):
                        child.attrib.pop("href", None)


def _img_to_link(img: ET.Element) -> None:
    """Loading a remote image would leak the page view to another host: show a link instead."""
    src, alt = img.get("src", ""), img.get("alt", "") or "image"
    img.tag = "a"
    img.attrib.clear()
    img.text = f"[{alt}]"
    if src.lower().startswith(("http://", "https://")):
        img.set("href", src)


class _NotesExtension(Extension):
    def __init__(self, resolve: Callable[[str], tuple[str, str] | None], allow_html: bool) -> None:
        super().__init__()
        self.resolve, self.allow_html = resolve, allow_html

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(_WikiLinks(self.resolve), "netsite-wikilink", 75)
        md.treeprocessors.register(_SafeLinks(md), "netsite-safe-links", 0)
        if not self.allow_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")


def contact_href(contact_id: str) -> str:
    """Link to a contact page from a page in the same folder."""
    return quote(contact_id) + ".html"


# What an inline pattern needs to find in a note before it can match: any one of these groups of
# substrings, all of each group. Inline patterns only ever see substrings of the note (after tabs become
# spaces and a newline is added), so a converter without the patterns that cannot match gives the same
# HTML, faster. References need a `[id]: url` definition; links need `](`. Unlisted patterns always run.
_TRIGGERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "backtick": (("`",),),
    "escape": (("\\",),),
    "reference": (("]:",),),
    "short_reference": (("]:",),),
    "link": (("](",),),
    "image_link": (("!", "]("),),
    "image_reference": (("!", "]:"),),
    "short_image_ref": (("!", "]:"),),
    "autolink": (("<",),),
    "automail": (("<",),),
    "html": (("<",),),
    "linebreak": (("  \n",), ("\t",), ("\r",)),
    "entity": (("&",),),
    "netsite-wikilink": (("[[",),),
    "em_strong": (("*",), ("_",)),
    "em_strong2": (("_",),),
    "not_strong": (("*",), ("_",)),
}


_WIKILINK_RE = re.compile(WIKILINK)


_PARTS = tuple(sorted({part for groups in _TRIGGERS.values() for group in groups for part in group}))


def _absent_patterns(text: str) -> frozenset[str]:
    """Name the inline patterns that cannot match in text."""
    padded = text + "\n"
    return _absent_given(frozenset(part for part in _PARTS if part in padded))


@cache  # at most 2 ** len(_PARTS) answers, and notes share a handful
def _absent_given(present: frozenset[str]) -> frozenset[str]:
    return frozenset(
        name
        for name, groups in _TRIGGERS.items()
        if not any(all(part in present for part in group) for group in groups)
    )


class NotesRenderer:
    """Reusable Markdown converters, one per set of inline patterns a note can need (building one is slow)."""

    def __init__(self, resolve: Callable[[str], tuple[str, str] | None], allow_html: bool) -> None:
        self.resolve, self.allow_html = resolve, allow_html
        self.converters: dict[frozenset[str], markdown.Markdown] = {}
        self.subset = MarkdownSubset(WIKILINK, partial(_wikilink, resolve=resolve))

    def render(self, text: str) -> str:
        """Return the HTML of one note."""
        html = self.subset.render(text)
        if html is None:
            html = self._converter(_absent_patterns(text)).reset().convert(text)
        return html

    def _converter(self, absent: frozenset[str]) -> markdown.Markdown:
        md = self.converters.get(absent)
        if md is None:
            extension = _NotesExtension(self.resolve, self.allow_html)
            md = markdown.Markdown(extensions=["sane_lists", "tables", extension])
            for name in absent:
                if name in md.inlinePatterns:
                    md.inlinePatterns.deregister(name)
            self.converters[absent] = md
        return md


def wikilink_targets(text: str) -> list[tuple[int, str]]:
    """Return (line offset, target) for every [[wikilink]] in text."""
    found = []
    for number, line in enumerate(text.splitlines()):
        found.extend((number, m.group(1)) for m in _WIKILINK_RE.finditer(line))
    return found


Resolved = tuple[str, str] | None
NotesMemo = MutableMapping[tuple[str, bool], tuple[str, tuple[tuple[str, Resolved], ...]]]


class CachedNotes:
    """Notes rendered once and reused while a note's text and the answers to its wikilinks stay the same.

    The memo maps (digest of the text, allow_html) to the HTML and every (target, answer) the
    wikilinks asked for while rendering; a hit is checked by asking again.
    """

    def __init__(self, resolve: Callable[[str], Resolved], allow_html: bool, memo: NotesMemo) -> None:
        self.resolve, self.allow_html, self.memo = resolve, allow_html, memo
        self.calls: list[tuple[str, Resolved]] = []
        self.added: dict[tuple[str, bool], tuple[str, tuple[tuple[str, Resolved], ...]]] = {}
        self.renderer = NotesRenderer(self._recorded, allow_html)

    def key(self, text: str) -> tuple[str, bool]:
        """Return the memo key of a note."""
        return _digest(text), self.allow_html

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

    def state(self, text: str) -> tuple[tuple[str, Resolved], ...] | None:
        """Return what a note's wikilinks resolve to now, or None if the note was never rendered."""
        hit = self.memo.get(self.key(text))
        return None if hit is None else tuple((t, self.resolve(t)) for t, _ in hit[1])

    def _still_valid(self, calls: tuple[tuple[str, Resolved], ...]) -> bool:
        return all(self.resolve(target) == answer for target, answer in calls)

    def _recorded(self, target: str) -> Resolved:
        found = self.resolve(target)
        self.calls.append((target, found))
        return found


def _digest(text: str) -> str:
    return digest(text.encode("utf-8", "surrogatepass"))
