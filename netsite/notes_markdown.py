"""Python-Markdown configured for notes: wikilinks, safe links, and only the inline patterns a note needs.

Most notes never get here (see markdown_subset.py), so this module, and Python-Markdown with it,
is imported only when a note needs it.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import cache

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .contact import deep_line
from .markdown_subset import is_safe_link
from .notes import WIKILINK, Resolve, wikilink_element

EXTENSIONS = ["sane_lists", "tables"]  # Python-Markdown's own, loaded by name


class _WikiLinks(InlineProcessor):
    def __init__(self, resolve: Resolve) -> None:
        super().__init__(WIKILINK)
        self.resolve = resolve

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[ET.Element, int, int]:
        return wikilink_element(m.group(1), m.group(2), self.resolve), m.start(0), m.end(0)


class _SafeLinks(Treeprocessor):
    """Keep only http(s), mailto and our own wikilinks; turn images into plain links."""

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "img":
                    _img_to_link(child)
                elif child.tag == "a" and "wikilink" not in child.get("class", ""):
                    href = child.get("href", "")
                    if not is_safe_link(href):
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
    def __init__(self, resolve: Resolve, allow_html: bool) -> None:
        super().__init__()
        self.resolve, self.allow_html = resolve, allow_html

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(_WikiLinks(self.resolve), "netsite-wikilink", 75)
        md.treeprocessors.register(_SafeLinks(md), "netsite-safe-links", 0)
        if not self.allow_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")


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


def load_extensions() -> None:
    """Import every module a converter loads by name (before forking, in a process with threads)."""
    markdown.Markdown(extensions=EXTENSIONS)


def _as_text(text: str) -> str:
    """Return a note as preformatted text."""
    return f"<pre>{html.escape(text, quote=False)}</pre>"


class Converters:
    """Reusable Markdown converters, one per set of inline patterns a note can need."""

    def __init__(self, resolve: Resolve, allow_html: bool) -> None:
        self.resolve, self.allow_html = resolve, allow_html
        self.converters: dict[frozenset[str], markdown.Markdown] = {}

    def render(self, text: str) -> str:
        """Return the HTML of one note; one indented past NOTES_MAX_INDENT, or that Python-Markdown cannot
        parse, is shown as its text."""
        if deep_line(text) is not None:
            return _as_text(text)
        absent = _absent_patterns(text)
        try:
            return self._converter(absent).reset().convert(text)
        except RecursionError:
            del self.converters[absent]  # its parser may have been left mid-way
            return _as_text(text)

    def _converter(self, absent: frozenset[str]) -> markdown.Markdown:
        """Return the converter without the inline patterns that are absent (building one is slow)."""
        md = self.converters.get(absent)
        if md is None:
            extension = _NotesExtension(self.resolve, self.allow_html)
            md = markdown.Markdown(extensions=[*EXTENSIONS, extension])
            for name in absent:
                if name in md.inlinePatterns:
                    md.inlinePatterns.deregister(name)
            self.converters[absent] = md
        return md
