"""Split a contact file into YAML front matter and body, keeping the line of every value.

python-frontmatter finds the `---` fences; the YAML is composed by PyYAML's C
parser when available, with constructors that remember where each key and list
item stood, so every problem can point at its own line. Lines are counted by
newline only, as editors and grep count them. Plain scalars are typed only by
the rules YAML 1.1 and 1.2 share, so `0201234567`, `+15550100`, `12:30`, `no`
and `=` stay text (and whatever PyYAML writes as text reads back as text);
aliases may not expand past MAX_VALUES values.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from . import yaml_subset
from .linevalues import LineDict, LineList, add_key, new_list, new_mapping

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FENCE = YAMLHandler.FM_BOUNDARY
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


def iso_date(text: str) -> date | None:
    """Return the date a strict `YYYY-MM-DD` text names; None for anything else."""
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> date | str:
    """Read only strict `YYYY-MM-DD` as a date; anything else stays text for the caller to reject."""
    text = loader.construct_scalar(node)
    found = iso_date(text)
    return text if found is None else found


def _shared_schema_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """Keep the null, timestamp and merge resolvers; type booleans and numbers as YAML 1.1 and 1.2 agree."""
    kept = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", _MERGE_TAG)
    resolvers = {
        first: [(tag, rx) for tag, rx in pairs if tag in kept]
        for first, pairs in _BaseLoader.yaml_implicit_resolvers.items()
    }
    core = (
        ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
        ("int", r"-?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+", "-0123456789"),
        (
            "float",
            r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
            r"|-?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            "-0123456789.",
        ),
    )
    for name, pattern, firsts in core:
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
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")}
_ANY_FIRST = _LineLoader.yaml_implicit_resolvers.get(None, [])  # tried after those of the first character
_RESOLVERS = {first: pairs + _ANY_FIRST for first, pairs in _LineLoader.yaml_implicit_resolvers.items()}
_SCALARS = _LineLoader("")  # constructs typed scalars for the subset reader


_TYPED: dict[str, Any] = {}  # plain scalars typed before (keys, kinds, tags repeat in every file)
_TYPED_MAX = 50_000


def _plain_scalar(text: str) -> Any:
    """Type a plain scalar as _LineLoader does, remembering the answer (every type is immutable)."""
    value = _TYPED.get(text, _TYPED)
    if value is _TYPED:
        if len(_TYPED) >= _TYPED_MAX:
            _TYPED.clear()
        value = _TYPED[text] = _type_scalar(text)
    return value


def _type_scalar(text: str) -> Any:
    """Type a plain scalar as _LineLoader does; refuse what the subset reader should leave to it."""
    resolvers = _RESOLVERS.get(text[:1], _ANY_FIRST)
    if not resolvers:
        return text
    for tag, pattern in resolvers:
        if pattern.match(text):
            if tag not in _SCALAR_TAGS:
                raise yaml_subset.Refused
            try:
                return _PLAIN_CONSTRUCTORS[tag](_SCALARS, yaml.ScalarNode(tag, text))
            except Exception as exc:  # PyYAML will raise it again, with its own words
                raise yaml_subset.Refused from exc
    return text


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
    """Parse the front matter YAML; raises yaml.YAMLError on bad input or too many aliased values."""
    text = part.front_matter
    # PyYAML reads a CRLF line end as a line end: so does the subset, given LF (a Windows checkout).
    plain = yaml_subset.parse(text.replace("\r\n", "\n"), part.front_matter_line, _plain_scalar)
    if plain is not yaml_subset.REFUSED:
        return plain
    if _may_nest_too_deep(text):
        _check_depth(text)
    loader = _LineLoader(text)
    loader.first_line = part.front_matter_line
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
