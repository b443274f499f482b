"""Split a contact file into YAML front matter and body, and read the front matter with lines.

The `---` fences are found as python-frontmatter finds them. The YAML is read by the subset
reader (yaml_subset.py), which gives what the PyYAML loader would, or refuses; only then is it
read by PyYAML (pyyaml_loader.py, imported then). Either way every mapping and list carries the
file line of each key and item, so every problem can point at its own line. Lines are counted by
newline only, as editors and grep count them. Plain scalars are typed only by the rules YAML 1.1
and 1.2 share, so `0201234567`, `+15550100`, `12:30`, `no` and `=` stay text (and whatever
PyYAML writes as text reads back as text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from . import yaml_subset
from .linevalues import LineDict

__all__ = ["LineDict", "Split", "YamlError", "iso_date", "iso_date_or_text", "load", "split"]

# python-frontmatter's YAMLHandler.FM_BOUNDARY (tests/test_yaml_subset.py checks it still is): taken
# from there, it would import PyYAML, as python-frontmatter does, into every command.
_FENCE = re.compile(r"^-{3,}\s*$", re.MULTILINE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# The plain scalars typed beyond text, null and strict dates, as YAML 1.1 and 1.2 agree: tag name,
# pattern and the characters it can start with. The PyYAML loader resolves with the same.
CORE_SCALARS = (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"-?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+", "-0123456789"),
    (
        "float",
        r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
        r"|-?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-0123456789.",
    ),
)


class YamlError(Exception):
    """Front matter that is not valid YAML: PyYAML's words, and the file line they point at."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


@lru_cache(maxsize=4096)  # a journal's log has a few hundred days, and tens of thousands of entries
def iso_date(text: str) -> date | None:
    """Return the date a strict `YYYY-MM-DD` text names; None for anything else.

    Each day is one object, whichever entries name it: the parse cache pickles it once a shard
    and reads it back once (at 10,000 contacts, 37,000 dates made again each build were 10,000).
    """
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _boolean(text: str) -> bool:
    return text[0] in "tT"


def _integer(text: str) -> int:
    return int(text[2:], 16) if text.startswith("0x") else int(text)


def _real(text: str) -> float:
    folded = text.lower()
    if folded.endswith(".inf"):
        return -math.inf if folded.startswith("-") else math.inf
    return math.nan if folded == ".nan" else float(text)


def iso_date_or_text(text: str) -> date | str:
    """Read a strict ISO date; any other timestamp PyYAML would see stays text (so its loader reads it)."""
    found = iso_date(text)
    return text if found is None else found


def _merge_key(text: str) -> Any:
    raise yaml_subset.Refused  # `<<`: left to PyYAML


def _typers() -> dict[str, list[tuple[re.Pattern[str], Callable[[str], Any]]]]:
    """Map the first character of a plain scalar to the (pattern, constructor) pairs PyYAML's loader
    tries for it, in its order: null, timestamp and merge (PyYAML's own, of which a timestamp other
    than a strict ISO date stays text), then CORE_SCALARS."""
    makers: dict[str, Callable[[str], Any]] = {
        "bool": _boolean,
        "int": _integer,
        "float": _real,
    }
    table: dict[str, list[tuple[re.Pattern[str], Callable[[str], Any]]]] = {}
    own = [
        (r"~|null|Null|NULL|", lambda _: None, ["~", "n", "N", ""]),
        (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", iso_date_or_text, list("0123456789")),
        ("<<", _merge_key, ["<"]),
    ]
    core = [(pattern, makers[name], list(firsts)) for name, pattern, firsts in CORE_SCALARS]
    for pattern, make, firsts in [*own, *core]:
        for first in firsts:
            table.setdefault(first, []).append((re.compile(pattern), make))
    return table


_TYPERS = _typers()
_TYPED: dict[str, Any] = {}  # plain scalars typed before (keys, kinds, tags repeat in every file)
_TYPED_MAX = 50_000


def _plain_scalar(text: str) -> Any:
    """Type a plain scalar as the PyYAML loader does, remembering the answer (every type is immutable)."""
    value = _TYPED.get(text, _TYPED)
    if value is _TYPED:
        if len(_TYPED) >= _TYPED_MAX:
            _TYPED.clear()
        value = _TYPED[text] = _type_scalar(text)
    return value


def _type_scalar(text: str) -> Any:
    """Type a plain scalar as the PyYAML loader does; refuse what the subset reader should leave to it."""
    for pattern, make in _TYPERS.get(text[:1], ()):
        if pattern.fullmatch(text):
            return make(text)
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
    """Parse the front matter YAML; raise YamlError on bad input or too many aliased values."""
    # PyYAML reads a CRLF line end as a line end: so does the subset, given LF (a Windows checkout).
    plain = yaml_subset.parse(part.front_matter.replace("\r\n", "\n"), part.front_matter_line, _plain_scalar)
    if plain is not yaml_subset.REFUSED:
        return plain
    from .pyyaml_loader import load_with_pyyaml

    return load_with_pyyaml(part)
