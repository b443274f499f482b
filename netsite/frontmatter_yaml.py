"""Split a contact file into YAML front matter and body, keeping the line of every value.

python-frontmatter finds the `---` fences; the YAML is composed by PyYAML's C
parser when available, with constructors that remember where each key and list
item stood, so every problem can point at its own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FENCE = YAMLHandler.FM_BOUNDARY


class LineDict(dict):
    """A mapping that knows the 1-based line of each key (relative to the YAML text)."""

    lines: dict[Any, int]  # file line of each key
    duplicates: list[tuple[Any, int]]


class LineList(list):
    """A sequence that knows the 1-based line of each item."""

    lines: list[int]


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader whose mappings and sequences carry file line numbers; dates stay strict ISO."""

    line_offset = 0

    def line_of(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.line_offset


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines, result.duplicates = {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a key here is a list or mapping, which cannot be a key",
                key_node.start_mark,
            ) from exc
        if key in result:
            result.duplicates.append((key, loader.line_of(key_node)))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = loader.line_of(key_node)
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [loader.line_of(child) for child in node.value]
    return result


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> date | str:
    """Read only strict `YYYY-MM-DD` as a date; anything else stays text for the caller to reject."""
    text = loader.construct_scalar(node)
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True)
class Split:
    """A file cut at its front-matter fences, with where each part starts."""

    front_matter: str
    front_matter_line: int
    body: str
    body_line: int


def split(text: str) -> Split | None:
    """Cut text into front matter and body; None when it does not open with a `---` fence."""
    fences = _FENCE.finditer(text)
    opening = next(fences, None)
    closing = next(fences, None)
    if opening is None or opening.start() != 0 or closing is None:
        return None
    body = text[closing.end() :].lstrip("\r\n")
    body_start = len(text) - len(body)
    return Split(
        front_matter=text[opening.end() : closing.start()],
        front_matter_line=text.count("\n", 0, opening.end()) + 1,
        body=body,
        body_line=text.count("\n", 0, body_start) + 1,
    )


def load(part: Split) -> Any:
    """Parse the front matter YAML; raises yaml.YAMLError on bad input."""
    loader = _LineLoader(part.front_matter)
    loader.line_offset = part.front_matter_line - 1
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def error_line(exc: yaml.YAMLError, part: Split) -> int | None:
    """Return the file line a YAML error points at (where the unclosed thing opened, at end of input)."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    at_end = problem is not None and problem.index >= len(part.front_matter.rstrip())
    mark = context if context is not None and (at_end or problem is None) else problem
    return mark.line + part.front_matter_line if mark is not None else None
