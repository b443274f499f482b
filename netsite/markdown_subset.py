"""The plain subset of Markdown that notes mostly use, rendered without Python-Markdown's parsers.

Most notes are headings, paragraphs (whose later lines may start like list items: Python-Markdown
leaves them text), `> ` quotes, `---` rules, `- ` (or `* `, `+ `) or `1. ` lists, tight or with
blank lines between items (Python-Markdown's loose lists), with lists inside items indented four
spaces a level and items wrapped over lines (an item may start with a task's `[ ] ` or `[x] `,
which stays text) and simple tables (`| a | b |` rows between borders, under a `| --- | :-: |`
separator) of plain text with `**strong**` and `*emphasised*` or `_emphasised_` words,
`` `code` ``, `[text](url)` links, `[[wikilinks]]` and hard line breaks (two spaces or more at a
line's end). For such a note this module writes the HTML Python-Markdown writes (with notes.py's
configuration: sane_lists, tables, wikilinks, safe links), escaped as its serializer escapes,
byte for byte, in a fraction of the time. Any note outside the subset, or any doubt, gives None
and goes through Python-Markdown; tests/test_notes.py checks both paths against each other on
generated notes, lists, line breaks, tables and quotes.

Why this subset is safe: its inline constructs never overlap or nest, so Python-Markdown's inline
patterns, which run one after another by priority, find exactly the tokens one left-to-right scan
finds; every character that could start anything else is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Characters or sequences that could start a construct outside the subset: escapes, HTML, tabs
# and other white space but space and newline, control characters, images, entities, and
# backticks in a row.
_REFUSED = re.compile(
    r"[\\<\x00-\x09\x0b-\x1f\x7f]|[^\S \n]|!\[|&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);|``"
)
# A line that would start anything but a paragraph: code, heading, list, quote, rule, setext
# underline, table row, or an asterisk that starts no `*emphasis*`.
_NOT_TEXT = re.compile(r"^(?:[ #>+=|-]|\*(?!\*?\S)|\d+[.)])|^[|: -]+$")
# A later line of a paragraph that looks like a list item: Python-Markdown starts lists only at a
# block's start, so it stays text (unless it is a rule, such as `- - -`).
_CONTINUED = re.compile(r"(?:[-+]|\d+[.)]) (?![-*_ ]*$)\S")
_RULE = re.compile(r"-{3,}|\*{3,}|_{3,}")  # a thematic break, when it is a block of its own
_TASK = re.compile(r"\[[ xX]\] (?=\S)")  # a list item's `[ ] ` or `[x] `: Python-Markdown leaves it text
_BULLET = re.compile(r"([-*+]) (\S.*)")
_NUMBERED = re.compile(r"(\d+)\. (\S.*)")
_DEEPEST = 5  # lists inside lists this deep and no deeper (the subset recurses once a level)
_HEADING = re.compile(r"(#{1,6})([^#]*)")
_LINK = r"\[(?P<text>[^\[\]*_|\n]+)\]\((?P<url>[^\s()<>\"'\\]+)\)"
_STRONG = r"\*\*(?P<strong>[^\s*\[\]_|](?:[^*\[\]_|\n]*[^\s*\[\]_|])?)\*\*"
_EM = r"\*(?P<em>[^\s*\[\]_|](?:[^*\[\]_|\n]*[^\s*\[\]_|])?)\*"
# _emphasis_ as Python-Markdown's smart emphasis finds it: not inside a word, nothing else inside.
_UNDERSCORED = r"(?<!\w)_(?P<uem>[^\s_*\[\]|`](?:[^_*\[\]|`\n]*[^\s_*\[\]|`])?)_(?!\w)"
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_CODE = re.compile(r"`([^`\n|]+)`")  # `code`, which Python-Markdown finds before anything else
_STRAY = frozenset("[]*|`")  # outside tokens: a table cell, a bracket, emphasis, code
_LONE_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")  # one that is not inside a word (snake_case)
_TABLE_ROW = re.compile(r"\|[^`]*\|")  # a table row as the subset takes it: between borders, no code
_SEPARATOR_CELL = re.compile(r" *(:?)-+(:?) *")  # a table's separator cell
_ALIGN = {(True, True): "center", (True, False): "left", (False, True): "right", (False, False): ""}
_MARKUP = re.compile(r"[\[\]*_|`&<>]")  # text without any of these is its own HTML

# A wikilink's (target, label) -> its tag, attributes and text.
Wikilink = Callable[[str, str | None], tuple[str, dict[str, str], str]]


class Refused(Exception):
    """The note is outside the subset: render it with Python-Markdown."""


class MarkdownSubset:
    """Render notes in the subset.

    wikilink_pattern matches a `[[wikilink]]` with two groups, its target and label; wikilink gives
    the tag, attributes and text of one.
    """

    def __init__(self, wikilink_pattern: str, wikilink: Wikilink) -> None:
        self.tokens = re.compile(f"(?P<wikilink>{wikilink_pattern})|{_LINK}|{_STRONG}|{_EM}|{_UNDERSCORED}")
        self.target = self.tokens.groupindex["wikilink"] + 1  # the pattern's own first group
        self.wikilink = wikilink

    def render(self, text: str) -> str | None:
        """Return the HTML of a note, or None when the note is outside the subset."""
        if _REFUSED.search(text):
            return None
        out: list[str] = []  # pieces of HTML; the kind of the last block is remembered apart
        self.last_block = ""
        try:
            for block in (text + "\n\n").split("\n\n"):
                block = block.lstrip("\n")  # a third newline in a row starts the next block
                if block:
                    self._block(out, block.split("\n"))
        except Refused:
            return None
        return "\n".join(out)

    def _block(self, out: list[str], lines: list[str]) -> None:
        """Add a block: a table, or else heading lines split it, as in Python-Markdown; the rest is a
        quote, a list or text."""
        if lines[0].startswith("|"):  # Python-Markdown tries tables first, then headings
            self._table(out, lines)
            return
        for number, line in enumerate(lines):
            if line.startswith("#"):
                if number:
                    self._block(out, lines[:number])
                self._heading(out, line)
                if number + 1 < len(lines):
                    self._block(out, lines[number + 1 :])
                return
        if len(lines) == 1 and _RULE.fullmatch(lines[0]):
            out.append("<hr />")
            self.last_block = "hr"
        elif lines[0].startswith(">"):
            self._quote(out, lines)
        elif _BULLET.match(lines[0]) or _NUMBERED.match(lines[0]):
            self._list(out, lines)
        elif _NOT_TEXT.match(lines[0]) or any(
            _NOT_TEXT.match(line) and not _CONTINUED.match(line) for line in lines[1:]
        ):
            raise Refused
        else:
            out.append(f"<p>{self._inline(chr(10).join(lines))}</p>")
            self.last_block = "p"

    def _quote(self, out: list[str], lines: list[str]) -> None:
        """Add a quoted paragraph: every line `> ` and plain text (the subset's text, nothing else)."""
        if self.last_block == "quote":  # Python-Markdown adds it to the quote before
            raise Refused
        text = [line[2:] for line in lines]
        if any(not line.startswith("> ") for line in lines) or any(
            not line.strip() or _NOT_TEXT.match(line) for line in text
        ):
            raise Refused  # a line that continues the quote lazily, an empty one, or not text
        out.append(f"<blockquote>\n<p>{self._inline(chr(10).join(text))}</p>\n</blockquote>")
        self.last_block = "quote"

    def _heading(self, out: list[str], line: str) -> None:
        m = _HEADING.fullmatch(line)
        if m is None or not m.group(2).strip():
            raise Refused
        tag = f"h{len(m.group(1))}"
        out.append(f"<{tag}>{self._inline(m.group(2).strip())}</{tag}>")
        self.last_block = tag

    def _list(self, out: list[str], lines: list[str]) -> None:
        """Add a list, one item per line, all numbers or all bullets of one kind (`-`, `*`, `+`); the
        lines indented four spaces more below an item are a list inside it (see _items).

        A list right after a list of its kind, a blank line between, goes on with it as Python-Markdown's
        loose list does: the item before the blank line and the one after it each hold a paragraph.
        """
        numbered = _NUMBERED.match(lines[0])
        tag = "ol" if numbered else "ul"
        items = self._items(lines, "")
        if self.last_block == tag:
            out.pop()  # the closing tag of the list this one goes on with
            out[-1], items[0] = _loose(out[-1]), _loose(items[0])
        else:
            out.append(_opening(tag, numbered))
        out += [*items, f"</{tag}>"]
        self.last_block = tag

    def _items(self, lines: list[str], indent: str) -> list[str]:
        """Return the items of a list whose lines start with indent, each with the list its lines
        indented four spaces more make, if any (as Python-Markdown writes it: right after the text).

        At the top, an item's text may go on over the lines below it, before any list inside it
        (wrapped lines, indented or not), which Python-Markdown keeps as they are, spaces and all.
        """
        numbered = _NUMBERED.match(lines[0][len(indent) :])
        bullet = lines[0][len(indent) : len(indent) + 1]  # none: a line of spaces, which is refused
        inner, items, at = indent + "    ", [], 0
        while at < len(lines):
            text = _item_text(lines[at][len(indent) :], bullet, numbered)
            at += 1
            while at < len(lines) and not indent and _continues(lines[at]):
                if text.endswith("  ") and lines[at].startswith(" "):
                    raise Refused  # a break before an indented line: Python-Markdown may drop its spaces
                text, at = f"{text}\n{lines[at]}", at + 1
            end = next((i for i in range(at, len(lines)) if not lines[i].startswith(inner)), len(lines))
            items.append(f"<li>{self._item(text)}{self._inner_list(lines[at:end], inner)}</li>")
            at = end
        return items

    def _inner_list(self, lines: list[str], indent: str) -> str:
        """Return the list of an item's indented lines (none: no list), refusing any nested too deep."""
        if not lines:
            return ""
        if len(indent) > 4 * _DEEPEST:
            raise Refused
        numbered = _NUMBERED.match(lines[0][len(indent) :])
        tag = "ol" if numbered else "ul"
        return f"{_opening(tag, numbered)}\n{chr(10).join(self._items(lines, indent))}\n</{tag}>\n"

    def _item(self, text: str) -> str:
        """Return the HTML of a list item's text: plain text, maybe after a task's `[ ] ` or `[x] `."""
        task = _TASK.match(text)
        rest = text[task.end() :] if task else text
        if task and ("[" in rest or "]" in rest):
            raise Refused  # a bracket after the task's: Python-Markdown may read a reference
        if _NOT_TEXT.match(rest):
            raise Refused
        return (task.group() if task else "") + self._inline(rest)

    def _table(self, out: list[str], lines: list[str]) -> None:
        """Add a table whose every line starts and ends with `|`: a header, a separator of dashes and
        colons, and rows of as many cells as the header."""
        if len(lines) < 3 or any(not _TABLE_ROW.fullmatch(line) for line in lines):
            raise Refused  # no rows, a row without borders, or code (which may hold a pipe)
        rows = [line[1:-1].split("|") for line in lines]
        if any(len(row) != len(rows[0]) for row in rows):
            raise Refused  # Python-Markdown pads short rows and cuts long ones
        styles = [_column_style(cell) for cell in rows[1]]
        head = self._row("th", rows[0], styles)
        body = "".join(self._row("td", row, styles) for row in rows[2:])
        out.append(f"<table>\n<thead>\n{head}</thead>\n<tbody>\n{body}</tbody>\n</table>")
        self.last_block = "table"

    def _row(self, tag: str, cells: list[str], styles: list[str]) -> str:
        """Return a table row: each cell's text (without its spaces) as a line of its own."""
        shown = "".join(
            f"<{tag}{style}>{self._inline(cell.strip(' '))}</{tag}>\n"
            for cell, style in zip(cells, styles, strict=True)
        )
        return f"<tr>\n{shown}</tr>\n"

    def _inline(self, text: str) -> str:
        """Return the HTML of a line or paragraph; two spaces at a line's end break it (`<br />`), which
        Python-Markdown finds before emphasis and wikilinks: a token across a break is left stray."""
        if "  \n" not in text:
            return self._line(text)
        return "<br />\n".join(map(self._line, text.split("  \n")))

    def _line(self, text: str) -> str:
        """Return the HTML of text without breaks: `code` first, as Python-Markdown finds it, then the
        rest (a token around or across code is left stray, and refused)."""
        if "`" not in text:
            return self._tokens(text)
        pieces, start = [], 0
        for m in _CODE.finditer(text):
            pieces += [self._tokens(text[start : m.start()]), _element("code", {}, m.group(1).strip())]
            start = m.end()
        pieces.append(self._tokens(text[start:]))
        return "".join(pieces)

    def _tokens(self, text: str) -> str:
        """Return the HTML of text without code: text, strong and emphasised words, links, wikilinks."""
        if _MARKUP.search(text) is None:
            return text
        pieces = []
        start = 0
        for m in self.tokens.finditer(text):
            pieces.append(_text(text[start : m.start()]))
            pieces.append(self._token(m, text))
            start = m.end()
        pieces.append(_text(text[start:]))
        return "".join(pieces)

    def _token(self, m: re.Match[str], text: str) -> str:
        """Return the HTML of one token."""
        if m.group("wikilink") is not None:
            if "[" in m.group(0)[2:] or text.startswith("(", m.end()):
                raise Refused  # a link inside, or a link around: Python-Markdown finds it first
            tag, attributes, shown = self.wikilink(m.group(self.target), m.group(self.target + 1))
            if _STRAY.intersection(shown) or "_" in shown:
                raise Refused  # a name or label Python-Markdown's emphasis would change
            return _element(tag, attributes, shown)
        for tag in ("strong", "em"):
            if m.group(tag) is not None:
                if text.startswith("*", m.end()):
                    raise Refused  # asterisks in a row: Python-Markdown pairs them otherwise
                return _element(tag, {}, m.group(tag))
        if m.group("uem") is not None:
            return _element("em", {}, m.group("uem"))
        url = m.group("url")
        return _element("a", {"href": url} if is_safe_link(url) else {}, m.group("text"))


def _item_text(line: str, bullet: str, numbered: re.Match[str] | None) -> str:
    """Return a list line's text, after its number or bullet (the bullet its list's first line has)."""
    m = (_NUMBERED if numbered else _BULLET).fullmatch(line)
    if m is None:
        raise Refused  # another kind of item, text, or one indented otherwise than by four spaces
    if not numbered and line[0] != bullet:
        raise Refused  # another bullet: Python-Markdown may or may not start another list
    return m.group(m.lastindex or 1)


def _continues(line: str) -> bool:
    """Tell whether a line below a list item goes on with its text: not blank, nor an item (of this
    list or one inside), nor anything else that could start something else."""
    text = line.lstrip(" ")
    return bool(text) and _NOT_TEXT.match(text) is None


def _opening(tag: str, numbered: re.Match[str] | None) -> str:
    """Return a list's opening tag: an ordered one says its first number unless it is 1."""
    start = numbered.group(1) if numbered else "1"
    return f"<{tag}>" if start == "1" else f'<{tag} start="{_attribute(start)}">'


def _loose(item: str) -> str:
    """Return a list item's HTML with its text in a paragraph (as it is already, if it is), before the
    list inside it, if any (no text holds `<ul>` or `<ol`: a `<` in a note is refused)."""
    if item.startswith("<li>\n<p>"):
        return item
    inner = item[4:-5]
    cut = min((at for at in (inner.find("<ul>"), inner.find("<ol")) if at >= 0), default=len(inner))
    return f"<li>\n<p>{inner[:cut]}</p>\n{inner[cut:]}</li>"


def _column_style(separator: str) -> str:
    """Return the style attribute a separator cell (`---`, `:--`, `--:`, `:-:`) gives its column."""
    m = _SEPARATOR_CELL.fullmatch(separator)
    if m is None:
        raise Refused
    align = _ALIGN[bool(m.group(1)), bool(m.group(2))]
    return f' style="text-align: {align};"' if align else ""


def is_safe_link(href: str) -> bool:
    """Tell whether a note may link to href: http(s) and mailto only, the rest loses its link."""
    return href.lower().startswith(_SAFE_SCHEMES)


# As Python-Markdown's serializer writes them: `&` escaped unless it starts an entity, attributes
# sorted by name. tests/test_notes.py compares the two on every kind of note.
_AMP = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.IGNORECASE)


def _text(text: str) -> str:
    """Escape text between tokens; refuse it if it still holds markup."""
    if _STRAY.intersection(text) or ("_" in text and _LONE_UNDERSCORE.search(text)):
        raise Refused
    return _escape(text)


def _attribute(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def _escape(text: str) -> str:
    """Escape text as Python-Markdown's serializer does."""
    if "&" in text:
        text = _AMP.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _element(tag: str, attributes: dict[str, str], text: str) -> str:
    """Return an inline element holding text."""
    written = "".join(f' {name}="{_attribute(value)}"' for name, value in sorted(attributes.items()))
    return f"<{tag}{written}>{_escape(text)}</{tag}>"
