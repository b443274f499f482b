"""Notes: a contact's Markdown body rendered safely, with [[wikilinks]] to contact pages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import quote

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

WIKILINK = r"\[\[\s*([^\]|\n]+?)\s*(?:\|\s*([^\]\n]*?)\s*)?\]\]"
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _WikiLinks(InlineProcessor):
    def __init__(self, resolve: Callable[[str], tuple[str, str] | None]) -> None:
        super().__init__(WIKILINK)
        self.resolve = resolve

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[ET.Element, int, int]:
        target, label = m.group(1), m.group(2)
        found = self.resolve(target)
        if found is None:
            el = ET.Element("span", {"class": "wikilink missing", "title": "no such contact"})
            el.text = label or target
        else:
            contact_id, name = found
            el = ET.Element("a", {"class": "wikilink", "href": contact_href(contact_id)})
            el.text = label or name
        return el, m.start(0), m.end(0)


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


class NotesRenderer:
    """One reusable Markdown converter (building one per note is slow)."""

    def __init__(self, resolve: Callable[[str], tuple[str, str] | None], allow_html: bool) -> None:
        extension = _NotesExtension(resolve, allow_html)
        self.md = markdown.Markdown(extensions=["sane_lists", "tables", extension])

    def render(self, text: str) -> str:
        """Return the HTML of one note."""
        html = self.md.reset().convert(text)
        return html


def wikilink_targets(text: str) -> list[tuple[int, str]]:
    """Return (line offset, target) for every [[wikilink]] in text."""
    found = []
    for number, line in enumerate(text.splitlines()):
        found.extend((number, m.group(1)) for m in re.finditer(WIKILINK, line))
    return found
