"""The plain subset of Markdown that notes mostly use, rendered without Python-Markdown's parsers.

Most notes are headings, paragraphs and tight `- ` or `1. ` lists of plain text with `**strong**`
and `*emphasised*` words, `[text](url)` links and `[[wikilinks]]`. For such a note this module
builds the element tree Python-Markdown would build (with notes.py's configuration: sane_lists,
tables, wikilinks, safe links) and serializes it with Python-Markdown's own serializer, so the
HTML is the same, byte for byte, in a fraction of the time. Any note outside the subset, or any
doubt, gives None and goes through Python-Markdown; tests/test_notes.py checks both paths against
each other on generated notes.

Why this subset is safe: its inline constructs never overlap or nest, so Python-Markdown's inline
patterns, which run one after another by priority, find exactly the tokens one left-to-right scan
finds; every character that could start anything else is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from markdown.serializers import to_xhtml_string

# Characters or sequences that could start a construct outside the subset: code, escapes, HTML,
# tabs and other white space but space and newline, control characters, hard line breaks,
# images, and entities.
_REFUSED = re.compile(
    r"[`\\<\x00-\x09\x0b-\x1f\x7f]|[^\S \n]|  \n|  $|!\[|&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);"
)
# A line that would start anything but a paragraph: code, heading, list, quote, rule, setext
# underline, table row, or an asterisk that starts no `*emphasis*`.
_NOT_TEXT = re.compile(r"^(?:[ #>+=|-]|\*(?!\*?\S)|\d+[.)])|^[|: -]+$")
_BULLET = re.compile(r"- (\S.*)")
_NUMBERED = re.compile(r"(\d+)\. (\S.*)")
_HEADING = re.compile(r"(#{1,6})([^#]*)")
_LINK = r"\[(?P<text>[^\[\]*_|\n]+)\]\((?P<url>[^\s()<>\"'\\]+)\)"
_STRONG = r"\*\*(?P<strong>[^\s*\[\]_|](?:[^*\[\]_|\n]*[^\s*\[\]_|])?)\*\*"
_EM = r"\*(?P<em>[^\s*\[\]_|](?:[^*\[\]_|\n]*[^\s*\[\]_|])?)\*"
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_STRAY = frozenset("[]*_|")  # outside tokens: a table cell, a bracket, emphasis

Wikilink = Callable[[str, str | None], ET.Element]  # (target, label) -> element


class Refused(Exception):
    """The note is outside the subset: render it with Python-Markdown."""


class MarkdownSubset:
    """Render notes in the subset.

    wikilink_pattern matches a `[[wikilink]]` with two groups, its target and label; wikilink makes
    the element of one.
    """

    def __init__(self, wikilink_pattern: str, wikilink: Wikilink) -> None:
        self.tokens = re.compile(f"(?P<wikilink>{wikilink_pattern})|{_LINK}|{_STRONG}|{_EM}")
        self.target = self.tokens.groupindex["wikilink"] + 1  # the pattern's own first group
        self.wikilink = wikilink

    def render(self, text: str) -> str | None:
        """Return the HTML of a note, or None when the note is outside the subset."""
        if _REFUSED.search(text):
            return None
        if not text.strip():
            return ""
        root = ET.Element("div")
        root.text = "\n"
        try:
            self._blocks(root, text)
        except Refused:
            return None
        html = to_xhtml_string(root)
        return html[html.index("<div>") + 5 : html.rindex("</div>")].strip()

    def _blocks(self, root: ET.Element, text: str) -> None:
        """Add the elements of each block of the note (blocks are split at blank lines)."""
        for block in (text + "\n\n").split("\n\n"):
            block = block.lstrip("\n")  # a third newline in a row starts the next block
            if block:
                self._block(root, block.split("\n"))

    def _block(self, root: ET.Element, lines: list[str]) -> None:
        """Add a block: heading lines split it, as in Python-Markdown; the rest is a list or text."""
        for number, line in enumerate(lines):
            if line.startswith("#"):
                if number:
                    self._block(root, lines[:number])
                self._heading(root, line)
                if number + 1 < len(lines):
                    self._block(root, lines[number + 1 :])
                return
        if _BULLET.match(lines[0]) or _NUMBERED.match(lines[0]):
            if len(root) and root[-1].tag in ("ul", "ol"):  # Python-Markdown might join the two lists
                raise Refused
            self._list(root, lines)
        elif any(_NOT_TEXT.match(line) for line in lines):
            raise Refused
        else:
            self._inline(_child(root, "p"), "\n".join(lines))

    def _heading(self, root: ET.Element, line: str) -> None:
        m = _HEADING.fullmatch(line)
        if m is None or not m.group(2).strip():
            raise Refused
        self._inline(_child(root, f"h{len(m.group(1))}"), m.group(2).strip())

    def _list(self, root: ET.Element, lines: list[str]) -> None:
        """Add a tight list, one item per line, all bullets or all numbers."""
        numbered = _NUMBERED.match(lines[0])
        items = _child(root, "ol" if numbered else "ul")
        items.text = "\n"
        if numbered and numbered.group(1) != "1":
            items.set("start", numbered.group(1))
        for line in lines:
            m = (_NUMBERED if numbered else _BULLET).fullmatch(line)
            if m is None or _NOT_TEXT.match(m.group(m.lastindex or 1)):
                raise Refused
            self._inline(_child(items, "li"), m.group(m.lastindex or 1))

    def _inline(self, parent: ET.Element, text: str) -> None:
        """Fill an element with text, strong words, links and wikilinks."""
        last: ET.Element | None = None
        start = 0
        for m in self.tokens.finditer(text):
            _plain(text[start : m.start()])
            element = self._token(m, text)
            if last is None:
                parent.text = text[start : m.start()]
            else:
                last.tail = text[start : m.start()]
            parent.append(element)
            last, start = element, m.end()
        _plain(text[start:])
        if last is None:
            parent.text = text[start:]
        else:
            last.tail = text[start:]

    def _token(self, m: re.Match[str], text: str) -> ET.Element:
        """Make the element of one token."""
        if m.group("wikilink") is not None:
            if "[" in m.group(0)[2:] or text.startswith("(", m.end()):
                raise Refused  # a link inside, or a link around: Python-Markdown finds it first
            element = self.wikilink(m.group(self.target), m.group(self.target + 1))
            if _STRAY.intersection(element.text or ""):
                raise Refused  # a name or label Python-Markdown's emphasis would change
            return element
        for tag in ("strong", "em"):
            if m.group(tag) is not None:
                if text.startswith("*", m.end()):
                    raise Refused  # asterisks in a row: Python-Markdown pairs them otherwise
                element = ET.Element(tag)
                element.text = m.group(tag)
                return element
        element = ET.Element("a")
        url = m.group("url")
        if url.lower().startswith(_SAFE_SCHEMES):
            element.set("href", url)
        element.text = m.group("text")
        return element


def _child(parent: ET.Element, tag: str) -> ET.Element:
    """Append a block element, followed by a newline as Python-Markdown's prettifier leaves it."""
    element = ET.SubElement(parent, tag)
    element.tail = "\n"
    return element


def _plain(piece: str) -> None:
    """Refuse text between tokens that still holds a bracket, asterisk, underscore or bar."""
    if _STRAY.intersection(piece):
        raise Refused
