"""Mappings and lists read from YAML that remember the file line of each key and item."""

from __future__ import annotations

from typing import Any


class LineDict(dict):
    """A mapping that knows the 1-based line of each key (relative to the YAML text)."""

    lines: dict[Any, int]  # file line of each key
    duplicates: list[tuple[Any, int]]


class LineList(list):
    """A sequence that knows the 1-based line of each item."""

    lines: list[int]


def new_mapping() -> LineDict:
    """Return an empty mapping with no lines and no duplicate keys yet."""
    result = LineDict()
    result.lines, result.duplicates = {}, []
    return result


def add_key(result: LineDict, seen: set[Any], key: Any, value: Any, line: int, own: bool = True) -> None:
    """Set a key (the last of a repeated key wins); seen holds the keys written in the mapping itself.

    A key merged in from elsewhere (own=False) may be overridden without counting as a duplicate.
    """
    if own:
        if key in seen:
            result.duplicates.append((key, line))
        seen.add(key)
    result[key] = value
    result.lines[key] = line


def new_list(items: list[Any], lines: list[int]) -> LineList:
    """Return a list that knows the line of each item."""
    result = LineList(items)
    result.lines = lines
    return result
