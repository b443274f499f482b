"""Read front matter with PyYAML, keeping the line of every value: what the subset reader refuses.

The YAML is composed by PyYAML's C parser when available, with constructors that remember where
each key and list item stood, so every problem can point at its own line. Plain scalars are typed
by the rules YAML 1.1 and 1.2 share (frontmatter_yaml.CORE_SCALARS); aliases may not expand past
MAX_VALUES values, nor lists and mappings nest past MAX_DEPTH.

Imported only when a file needs it (frontmatter_yaml.load): importing PyYAML costs every command
9 ms, and a journal written by netsite or by hand in the usual way never needs it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from datetime import date
from typing import Any

import yaml

from .frontmatter_yaml import CORE_SCALARS, Split, YamlError, iso_date_or_text
from .linevalues import LineDict, LineList, add_key, new_list, new_mapping

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_VALUES = 100_000  # values a front matter may stand for once aliases are expanded
MAX_DEPTH = 64  # lists and mappings inside each other; deeper input could overflow the C stack
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NEWLINE = re.compile("\n")
_BLOCK_INDICATOR = re.compile(r"[-:?](?=\s|\Z)")


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader whose mappings and sequences carry file line numbers; dates stay strict ISO."""

    first_line = 1  # the file line the front matter text starts on
    newlines: tuple[int, ...] = ()  # where each newline of the front matter text is

    plain = False  # the text has no alias, so no node is reached twice

    def line_of(self, node: yaml.Node) -> int:
        return self.first_line + bisect_left(self.newlines, node.start_mark.index)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Call the node's constructor directly when no alias can share it (PyYAML's bookkeeping is slow)."""
        constructor = _PLAIN_CONSTRUCTORS.get(node.tag) if self.plain else None
        if constructor is None:
            return super().construct_object(node, deep)
        return constructor(self, node)


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    own = sum(key_node.tag != _MERGE_TAG for key_node, _ in node.value)
    loader.flatten_mapping(node)
    merged = len(node.value) - own  # merged pairs come first and may be overridden silently
    result = new_mapping()
    own_keys: set[Any] = set()
    for index, (key_node, value_node) in enumerate(node.value):
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
        value = loader.construct_object(value_node, deep=True)
        add_key(result, own_keys, key, value, loader.line_of(key_node), own=index >= merged)
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    return new_list(items, [loader.line_of(child) for child in node.value])


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> date | str:
    """Read only strict `YYYY-MM-DD` as a date; anything else stays text for the caller to reject."""
    return iso_date_or_text(loader.construct_scalar(node))


def _shared_schema_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """Keep the null, timestamp and merge resolvers; type booleans and numbers as YAML 1.1 and 1.2 agree."""
    kept = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", _MERGE_TAG)
    resolvers = {
        first: [(tag, rx) for tag, rx in pairs if tag in kept]
        for first, pairs in _BaseLoader.yaml_implicit_resolvers.items()
    }
    for name, pattern, firsts in CORE_SCALARS:
        for first in firsts:
            resolvers.setdefault(first, []).append(
                (f"tag:yaml.org,2002:{name}", re.compile(f"^(?:{pattern})$"))
            )
    return resolvers


_LineLoader.yaml_implicit_resolvers = _shared_schema_resolvers()
_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_PLAIN_CONSTRUCTORS = {
    f"tag:yaml.org,2002:{name}": _LineLoader.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in ("null", "bool", "int", "float", "str", "seq", "map", "timestamp")
}


def load_with_pyyaml(part: Split) -> Any:
    """Parse the front matter with PyYAML; raise YamlError on bad input or too many aliased values."""
    try:
        return _load(part.front_matter, part.front_matter_line)
    except yaml.YAMLError as exc:
        raise YamlError(yaml_message(exc), error_line(exc, part)) from exc


def _load(text: str, first_line: int) -> Any:
    if _may_nest_too_deep(text):
        _check_depth(text)
    loader = _LineLoader(text)
    loader.first_line = first_line
    loader.newlines = tuple(m.start() for m in _NEWLINE.finditer(text))
    loader.plain = "*" not in text
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text or 2 * (len(text) + 1) > MAX_VALUES:  # else no alias and too few values
            _expanded_size(node, {})
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _may_nest_too_deep(text: str) -> bool:
    """Tell cheaply whether text could nest deeper than MAX_DEPTH.

    Every list or mapping starts at its own indicator: `[`, `{`, or a `-`, `:` or `?` that is
    followed by white space (in flow context any `:` or `?`), so their count bounds the depth.
    """
    flow = text.count("[") + text.count("{")
    if flow:
        return flow + text.count("-") + text.count(":") + text.count("?") > MAX_DEPTH
    return len(_BLOCK_INDICATOR.findall(text)) > MAX_DEPTH


def _check_depth(text: str) -> None:
    """Raise if lists and mappings nest deeper than MAX_DEPTH, reading events without recursion."""
    scanner = _LineLoader(text)
    depth = 0
    try:
        while scanner.check_event():
            event = scanner.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    message = f"lists and mappings nest more than {MAX_DEPTH} deep here"
                    raise yaml.constructor.ConstructorError(None, None, message, event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        scanner.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Count the values a node stands for with aliases expanded; raise past MAX_VALUES."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = MAX_VALUES + 1  # a node that contains itself expands forever
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    size = 1 + sum(_expanded_size(child, sizes) for child in children)
    if size > MAX_VALUES:
        message = f"aliases here expand to more than {MAX_VALUES} values"
        raise yaml.constructor.ConstructorError(None, None, message, node.start_mark)
    sizes[id(node)] = size
    return size


def error_line(exc: yaml.YAMLError, part: Split) -> int | None:
    """Return the file line a YAML error points at (where the unclosed thing opened, at end of input)."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    at_end = problem is not None and problem.index >= len(part.front_matter.rstrip())
    mark = context if context is not None and (at_end or problem is None) else problem
    if mark is not None:
        return part.front_matter.count("\n", 0, mark.index) + part.front_matter_line
    character = getattr(exc, "character", None)  # a reader error: locate the bad character
    where = part.front_matter.find(chr(character)) if isinstance(character, int) else -1
    return part.front_matter.count("\n", 0, where) + part.front_matter_line if where >= 0 else None


def yaml_message(exc: yaml.YAMLError) -> str:
    """Return PyYAML's own words without its position (the line is given separately)."""
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    words = " ".join(w for w in (context, problem) if w) or str(exc).splitlines()[0]
    return f"front matter is not valid YAML: {words}"
