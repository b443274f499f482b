"""The plain YAML most front matter is written in, read without PyYAML's parser.

Contact files mostly hold `key: value` lines, `[a, b]` lists, `{k: v}` mappings and `- ` lists of
one-line entries, and, where PyYAML or python-frontmatter wrote them, long plain or single-quoted
strings folded over indented lines (with `''` for a quote) and double-quoted ones with escapes
(`"Jos\\xE9"`, as yaml.safe_dump writes all but ASCII). For those this reader gives what
frontmatter_yaml's PyYAML loader gives (the same values and types, the same lines, the same
duplicate keys) several times faster; scalars are typed by the loader's own rules, passed in.
Anything else, or any doubt, is refused and read by PyYAML, which also words every error: the
reader never reports one. tests/test_yaml_subset.py checks both readers against each other on
generated front matter and on front matter PyYAML wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .linevalues import LineDict, add_key, new_list, new_mapping

REFUSED: Any = object()  # the text is outside the subset: read it with PyYAML

Scalar = Callable[[str], Any]  # types a plain scalar as the loader does; raises Refused if unsure

# Characters PyYAML reads as line breaks or white space of their own, or refuses to read at all: all
# but \n, \x20-\x7e, \xa0-\u2027, \u202a-\ud7ff, \ue000-\ufefe, \uff00-\ufffd and \U00010000-\U0010ffff,
# listed as the few ranges they are (compiled in 0.4 ms at import rather than 3).
_ODD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_STARTS_OTHER = frozenset("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar may not start with these
_FLOW_STOP = re.compile(r"[,\[\]{}]")
_FLOW_ODD = frozenset(":?#'\"")  # flow scalars holding these are left to PyYAML
_MAX_FLOW_DEPTH = 16


class Refused(Exception):
    """The text is outside the subset."""


def parse(text: str, first_line: int, scalar: Scalar) -> Any:
    """Return the value of front matter text whose first line is first_line, or REFUSED."""
    if _ODD.search(text):
        return REFUSED
    rows = []  # (line index, indentation, content) of each line that is not blank or a comment
    for index, line in enumerate(text.split("\n")):
        content = line.lstrip(" ")
        if content and content[0] != "#":
            rows.append((index, len(line) - len(content), content))
    try:
        return _Reader(rows, first_line, scalar).document()
    except Refused:
        return REFUSED


# A `key: value` line (at the top, or in a list entry): the key plain, without colons or comments.
_KEY_LINE = re.compile(r"([^-?:,\[\]{}#&*!|>'\"%@` ](?:[^:#]*[^:# ])?):(?: +(.*))?$")


class _Reader:
    """Read rows of block YAML: a mapping at the top, whose values may be block lists."""

    def __init__(self, rows: list[tuple[int, int, str]], first_line: int, scalar: Scalar) -> None:
        self.rows, self.first_line, self.scalar = rows, first_line, scalar
        self.at = 0  # the next row to read

    def document(self) -> LineDict:
        """Read the top-level mapping."""
        result, seen = new_mapping(), set()
        while self.at < len(self.rows):
            index, indent, content = self.rows[self.at]
            m = _KEY_LINE.match(content)
            if indent or m is None:
                raise Refused
            self.at += 1
            text = m[2]
            value = self._value(text, index, 0) if text else self._below()
            add_key(result, seen, self.scalar(m[1]), value, self.first_line + index)
        if not result:
            raise Refused  # empty front matter: PyYAML says None
        return result

    def _value(self, text: str, index: int, parent: int) -> Any:
        """Read a scalar or flow value that starts on row index, on the rows below it too if they are
        indented deeper than parent (as PyYAML writes a long string: folded over lines)."""
        more = self._continued(index, parent)
        if more:
            return _folded(text, more, self.scalar)
        if text[0] in _STARTS_OTHER:
            return _inline(text, self.first_line + index, self.scalar)
        return _plain(text, self.scalar)

    def _continued(self, index: int, parent: int) -> list[str]:
        """Take the rows that continue a value begun on row index: deeper than parent, with no blank or
        comment line between (one would change how the lines fold)."""
        more: list[str] = []
        while self._indent() > parent:
            row, _, content = self.rows[self.at]
            if row != index + len(more) + 1:
                raise Refused
            more.append(content)
            self.at += 1
        return more

    def _indent(self) -> int:
        """Return the indentation of the next row (-1 at the end)."""
        return self.rows[self.at][1] if self.at < len(self.rows) else -1

    def _below(self) -> Any:
        """Read the value of a top-level key written on the lines below it: a block list, or nothing."""
        if self.at < len(self.rows) and _is_item(self.rows[self.at][2]):
            return self._list(self._indent())
        return self.scalar("")

    def _list(self, indent: int) -> Any:
        """Read a block list whose dashes stand at indent."""
        items, lines = [], []
        while self._indent() == indent and _is_item(self.rows[self.at][2]):
            index, _, content = self.rows[self.at]
            self.at += 1
            items.append(self._item(content[2:].lstrip(" "), index))
            lines.append(self.first_line + index)
        if self._indent() > 0:
            raise Refused  # a line the entries do not account for
        return new_list(items, lines)

    def _item(self, content: str, index: int) -> Any:
        """Read one list entry: a scalar, a flow collection, or a `key: value` mapping."""
        _, dash, line = self.rows[self.at - 1]
        if content[0] not in "\"'[{":
            if content[0] in _STARTS_OTHER:
                raise Refused
            m = _KEY_LINE.match(content)
            if m is not None:
                return self._entry_mapping(m, dash + len(line) - len(content), index)
        return self._value(content, index, dash)

    def _entry_mapping(self, m: re.Match[str], column: int, index: int) -> LineDict:
        """Read a mapping that starts on a list entry's line, and its keys on the lines below."""
        result, seen = new_mapping(), set()
        while True:
            value = self._value(m[2], index, column) if m[2] else self.scalar("")
            add_key(result, seen, self.scalar(m[1]), value, self.first_line + index)
            if self._indent() != column:
                return result
            index, _, content = self.rows[self.at]
            self.at += 1
            m = _KEY_LINE.match(content)
            if m is None:
                raise Refused


def _is_item(content: str) -> bool:
    """Tell whether a line's content is a list entry with something on it."""
    return content.startswith("- ") and content[2:].strip(" ") != ""


def _inline(text: str, line: int, scalar: Scalar) -> Any:
    """Read a value written on one line: quoted, a flow collection, or a plain scalar."""
    if text[0] in "\"'":
        value, end = _quoted(text, 0)
    elif text[0] in "[{":
        value, end = _Flow(text, line, scalar).node(0, 0)
    else:
        return _plain(text, scalar)
    _check_rest(text[end:])
    return value


def _plain(text: str, scalar: Scalar) -> Any:
    """Read a plain scalar in block context (up to a comment)."""
    if text[0] in _STARTS_OTHER:
        raise Refused
    comment = text.find(" #")
    if comment >= 0:
        text = text[:comment]
    text = text.rstrip(" ")
    if ": " in text or text.endswith(":"):
        raise Refused  # PyYAML reports a mapping where none may start
    return scalar(text)


def _folded(first: str, more: list[str], scalar: Scalar) -> Any:
    """Read a plain or single-quoted scalar written over several lines: each line break between them
    folds into a space, each line's spaces at either end go (PyYAML writes long strings so)."""
    lines = [first.rstrip(" "), *(line.strip(" ") for line in more)]
    text = " ".join(lines)
    if first[0] == "'":
        value, end = _quoted(text, 0)
        if any(line.startswith("'") or line.endswith("'") for line in lines[1:-1]) or end != len(text):
            raise Refused  # a quote at a line's end or start folds otherwise; anything after the close
        return value
    if any(line[0] in _STARTS_OTHER or "#" in line or ":" in line for line in lines):
        raise Refused  # a line that starts something else, a comment, a colon that may start a mapping
    return scalar(text)


def _quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted scalar that ends on its line; return it and where it ended."""
    if text[start] == '"':
        return _double_quoted(text, start)
    end = text.find("'", start + 1)
    while end >= 0 and text.startswith("'", end + 1):
        end = text.find("'", end + 2)  # `''` is a quote inside the scalar
    if end < 0:
        raise Refused
    return text[start + 1 : end].replace("''", "'"), end + 1


# A double-quoted scalar's escapes, as PyYAML (and libyaml) read them: one character, or a code
# point in so many hexadecimal digits (yaml.safe_dump writes `"Jos\xE9"` for José, `"\u2014"`).
_ESCAPES = {
    **{"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r"},
    **{"e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0"},
    **{"L": "\u2028", "P": "\u2029"},
}
_CODE_DIGITS = {"x": 2, "u": 4, "U": 8}
_HEX = re.compile(r"[0-9A-Fa-f]+")
_DOUBLE_STOP = re.compile(r'["\\]')


def _double_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a double-quoted scalar that ends on its line, escapes and all; return it and where it ended."""
    parts, at = [], start + 1
    while (stop := _DOUBLE_STOP.search(text, at)) is not None:
        parts.append(text[at : stop.start()])
        at = stop.start() + 1
        if text[stop.start()] == '"':
            if text.startswith('"', at):
                raise Refused
            return "".join(parts), at
        code = text[at : at + 1]
        if code in _ESCAPES:
            parts.append(_ESCAPES[code])
            at += 1
            continue
        digits = text[at + 1 : at + 1 + _CODE_DIGITS.get(code, 0)]
        if not digits or len(digits) != _CODE_DIGITS[code] or not _HEX.fullmatch(digits):
            raise Refused  # no escape, or a line break (the scalar goes on below): PyYAML decides
        value = int(digits, 16)
        if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
            raise Refused  # PyYAML refuses these
        parts.append(chr(value))
        at += 1 + len(digits)
    raise Refused


def _check_rest(rest: str) -> None:
    """Refuse anything after a value on its line but spaces and a comment."""
    stripped = rest.lstrip(" ")
    if stripped and (stripped[0] != "#" or stripped == rest):
        raise Refused


class _Flow:
    """Read `[a, b]` lists and `{k: v}` mappings of plain or quoted scalars, all on one line."""

    def __init__(self, text: str, line: int, scalar: Scalar) -> None:
        self.text, self.line, self.scalar = text, line, scalar

    def node(self, at: int, depth: int) -> tuple[Any, int]:
        """Read the value at `at`; return it and where it ends."""
        at = self._skip(at)
        char = self.text[at] if at < len(self.text) else ""
        if depth > _MAX_FLOW_DEPTH:
            raise Refused
        if char == "[":
            return self._sequence(at + 1, depth + 1)
        if char == "{":
            return self._mapping(at + 1, depth + 1)
        if char in ("'", '"'):
            value, end = _quoted(self.text, at)
            return value, self._skip(end)
        return self._plain(at)

    def _sequence(self, at: int, depth: int) -> tuple[Any, int]:
        items: list[Any] = []
        at = self._skip(at)
        while not self.text.startswith("]", at):
            item, at = self.node(at, depth)
            items.append(item)
            at = self._separator(at, "]")
        return new_list(items, [self.line] * len(items)), at + 1

    def _mapping(self, at: int, depth: int) -> tuple[Any, int]:
        result, seen = new_mapping(), set()
        at = self._skip(at)
        while not self.text.startswith("}", at):
            colon = self.text.find(": ", at)
            if colon < 0 or _FLOW_STOP.search(self.text, at, colon):
                raise Refused
            key = self._scalar(self.text[at:colon])
            value, at = self.node(colon + 2, depth)
            add_key(result, seen, key, value, self.line)
            at = self._separator(at, "}")
        return result, at + 1

    def _separator(self, at: int, close: str) -> int:
        """Step over the `,` after an item (refusing a trailing one) or stop at the closing bracket."""
        if self.text.startswith(",", at):
            at = self._skip(at + 1)
            if self.text.startswith(close, at):
                raise Refused
            return at
        if not self.text.startswith(close, at):
            raise Refused
        return at

    def _plain(self, at: int) -> tuple[Any, int]:
        """Read a plain scalar up to the next `,`, bracket or brace."""
        stop = _FLOW_STOP.search(self.text, at)
        end = stop.start() if stop else len(self.text)
        return self._scalar(self.text[at:end]), end

    def _scalar(self, text: str) -> Any:
        text = text.rstrip(" ")
        if not text or text[0] in _STARTS_OTHER or _FLOW_ODD.intersection(text):
            raise Refused
        return self.scalar(text)

    def _skip(self, at: int) -> int:
        while self.text.startswith(" ", at):
            at += 1
        return at
