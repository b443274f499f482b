"""A contact file read into a `Contact`: every field checked, every problem located."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from . import frontmatter_yaml as fm
from .problems import Problem

TEXT_FIELDS = ("company", "role", "email", "phone", "linkedin", "website", "location", "how_met")
STRENGTHS = ("close", "warm", "acquaintance")
STATUSES = ("identified", "contacted", "met", "dormant")
LOG_CLASSES = {
    "email": "outreach",
    "message": "outreach",
    "event": "outreach",
    "call": "conversation",
    "meeting": "conversation",
    "thanks": "thanks",
    "update": "follow-up",
    "intro": "intro",
    "reply": "reply",
    "other": "other",
}
CONVERSATION_KINDS = frozenset({"call", "meeting"})
KNOWN_KEYS = frozenset(
    {"name", "referred_by", "tags", "strength", "added", "status", "next_follow_up"}
    | {"follow_up_days", "log", *TEXT_FIELDS}
)
_ENTRY = re.compile(r"(\d{4}-\d{2}-\d{2})\s+([A-Za-z][\w-]*)\s*(?::\s*(.*))?", re.DOTALL)
_ENTRY_HEAD = re.compile(r"(\d{4}-\d{2}-\d{2})\s+([A-Za-z][\w-]*)")
_WORD = re.compile(r"[A-Za-z][\w-]*")
_WEB_URL = re.compile(r"https?://[^\s/]+", re.IGNORECASE)


# Pickled as tuple.__new__(cls, values), a named tuple is made in C: its own __new__, which pickle
# would call, is a Python function (ten thousand contacts and their log entries: 15 ms).
_TUPLE_NEW = tuple.__new__


class LogEntry(NamedTuple):
    """One interaction: when, what kind (a known kind, else `other`) and a note.

    A named tuple rather than a dataclass: ten thousand contacts log tens of thousands of entries,
    and the build cache reads them back twice as fast (12 ms rather than 21 for 27,000).
    """

    date: date
    kind: str
    note: str = ""
    line: int | None = None
    written_kind: str = ""

    @property
    def label(self) -> str:
        """Return the kind as the user wrote it."""
        return self.written_kind or self.kind

    def __reduce__(self) -> tuple[Any, ...]:
        return _TUPLE_NEW, (LogEntry, tuple(self))


# The keys whose lines a contact keeps: the problems found after parsing (by the forest and the
# model) point at them, and an entry logged reads where `added` is. A dict of every key's line was a
# contact's largest object, a sixth of the time to read the parse cache back.
LINE_KEYS = ("referred_by", "status", "next_follow_up", "added")


def key_lines(lines: Mapping[str, int]) -> tuple[int | None, ...]:
    """Return the lines of LINE_KEYS (None where unset), as a contact keeps them, from every key's."""
    return tuple(map(lines.get, LINE_KEYS))


class Contact(NamedTuple):
    """A person as written in their file; derived facts live in the model.

    A named tuple rather than a dataclass: every build reads ten thousand contacts back from the
    build cache, and a tuple is made in C (see __reduce__) where a dataclass needs a Python call and
    a dict of its own (the 32 shards of parses read in 25 ms instead of 40).
    """

    id: str
    path: str
    name: str
    company: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    linkedin: str | None = None
    website: str | None = None
    location: str | None = None
    how_met: str | None = None
    referred_by: str | None = None
    tags: tuple[str, ...] = ()
    strength: str | None = None
    added: date | None = None
    status: str | None = None
    next_follow_up: date | None = None
    follow_up_days: int | None = None
    log: tuple[LogEntry, ...] = ()
    notes: str = ""
    notes_line: int = 1
    extra: tuple[tuple[str, Any], ...] = ()
    lines: tuple[int | None, ...] = (None,) * len(LINE_KEYS)  # see key_lines
    problems: tuple[Problem, ...] = ()

    def line(self, key: str) -> int | None:
        """Return the file line where a front-matter key of LINE_KEYS is set (ValueError for others)."""
        return self.lines[LINE_KEYS.index(key)]

    def __reduce__(self) -> tuple[Any, ...]:
        return _TUPLE_NEW, (Contact, tuple(self))


@dataclass
class _Reader:
    """Collects problems for one file while its fields are read."""

    path: str
    meta: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def line(self, key: str) -> int | None:
        return getattr(self.meta, "lines", {}).get(key)

    def error(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, "error", message))

    def warning(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, "warning", message))


def parse_contact(contact_id: str, path: str, text: str) -> tuple[Contact | None, list[Problem]]:
    """Read one contact file's text; None when the front matter cannot be used at all."""
    text = text.removeprefix("\ufeff")
    part = fm.split(text)
    if part is None:
        return None, [Problem(path, 1, "error", _no_front_matter(text))]
    try:
        meta = fm.load(part)
    except fm.YamlError as exc:
        return None, [Problem(path, exc.line, "error", exc.message)]
    except (RecursionError, ValueError, OverflowError) as exc:  # nesting too deep, odd scalars
        message = f"front matter cannot be read: {type(exc).__name__}"
        return None, [Problem(path, part.front_matter_line, "error", message)]
    if meta is None:
        meta = fm.LineDict()
    if not isinstance(meta, dict):
        line = part.front_matter_line + 1
        return None, [Problem(path, line, "error", "front matter is not a mapping of keys")]
    return _build(contact_id, path, meta, part)


# Columns of indentation past which notes are shown as their text, not as Markdown (see
# notes_markdown.py): lists nested a hundred deep. Python-Markdown takes time as the cube of the
# depth (0.14 s at 200, 161 s at 2,000) and fails with a RecursionError some 250 deep.
NOTES_MAX_INDENT = 400
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def deep_line(text: str) -> int | None:
    """Return the index of the first line of text indented past NOTES_MAX_INDENT columns (a tab to
    the next multiple of four), or None."""
    if "\t" not in text and " " * (NOTES_MAX_INDENT + 1) not in text:
        return None  # the common case, told without a scan
    for m in _INDENT.finditer(text):
        if len(m.group().expandtabs(4)) > NOTES_MAX_INDENT:
            return text.count("\n", 0, m.start())
    return None


def _no_front_matter(text: str) -> str:
    """Explain why no front matter was found: no opening fence, or no closing one."""
    if fm.split(text + "\n---\n") is not None:
        return "front matter has no closing '---' line"
    return "no front matter: the file must start with '---'"


def _build(contact_id: str, path: str, meta: dict, part: fm.Split) -> tuple[Contact, list[Problem]]:
    r = _Reader(path, meta)
    for key, line in getattr(meta, "duplicates", []):
        r.warning(line, f"key {key!r} is set twice; the last value is used")
    log = _read_log(r)
    added = _read_date(r, "added")
    values: dict[str, Any] = {key: _read_text(r, key) for key in TEXT_FIELDS}
    values.update(
        name=_read_name(r, contact_id),
        referred_by=_read_referrer(r),
        tags=_read_tags(r),
        strength=_read_choice(r, "strength", STRENGTHS),
        status=_read_choice(r, "status", STATUSES),
        added=added if added is not None else min((e.date for e in log), default=None),
        next_follow_up=_read_date(r, "next_follow_up"),
        follow_up_days=_read_days(r),
        log=log,
        extra=tuple((str(k), v) for k, v in meta.items() if k not in KNOWN_KEYS),
    )
    _check_links(r, values)
    _check_notes(r, part)
    lines = key_lines(getattr(meta, "lines", {}))
    contact = Contact(
        id=contact_id,
        path=path,
        notes=part.body,
        notes_line=part.body_line,
        lines=lines,
        problems=tuple(r.problems),
        **values,
    )
    return contact, r.problems


_SCALAR_TYPES = (str, int, float, date)


def _scalar_text(value: Any) -> str | None:
    """Return a YAML scalar as text, or None for lists, mappings and nulls."""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _SCALAR_TYPES):
        return str(value)
    return None


def _read_text(r: _Reader, key: str) -> str | None:
    value = r.meta.get(key)
    if value is None:
        return None
    text = _scalar_text(value)
    if text is None:
        r.error(r.line(key), f"{key} must be text, not a {_kind_of(value)}; ignored")
        return None
    return text.strip() or None


def _kind_of(value: Any) -> str:
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "value"


def _read_name(r: _Reader, contact_id: str) -> str:
    name = _read_text(r, "name") if "name" in r.meta else None
    if not name:
        r.error(r.line("name") or 2, f"no name: using the id {contact_id!r} instead")
        return contact_id
    return name


def _read_referrer(r: _Reader) -> str | None:
    """Return `referred_by` as written, turning YAML's nested-list reading of [[X]] back into text."""
    value = r.meta.get("referred_by")
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        inner = value[0]
        if len(inner) == 1 and _scalar_text(inner[0]) is not None:
            return f"[[{_scalar_text(inner[0])}]]"
    if value is None:
        return None
    text = _scalar_text(value)
    if text is None:
        r.error(r.line("referred_by"), "referred_by must be one id, name or [[wikilink]]; ignored")
        return None
    return text.strip() or None


def _read_tags(r: _Reader) -> tuple[str, ...]:
    value = r.meta.get("tags")
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(_scalar_text(v) is not None for v in value):
        items = [_scalar_text(v) or "" for v in value]
    else:
        r.error(r.line("tags"), "tags must be a list or a comma-separated string; ignored")
        return ()
    return tuple(dict.fromkeys(sys.intern(t.strip()) for t in items if t.strip()))


def _read_choice(r: _Reader, key: str, allowed: tuple[str, ...]) -> str | None:
    value = r.meta.get(key)
    if value is None:
        return None
    text = (_scalar_text(value) or "").strip().lower()
    if text not in allowed:
        r.error(r.line(key), f"{key} {value!r} is not one of {', '.join(allowed)}; ignored")
        return None
    return sys.intern(text)


def _read_date(r: _Reader, key: str) -> date | None:
    value = r.meta.get(key)
    if value is None:
        return None
    parsed = as_date(value)
    if parsed is None:
        r.error(r.line(key), f"{key} {_shown(value)} is not a valid YYYY-MM-DD date; ignored")
    return parsed


def as_date(value: Any) -> date | None:
    """Return a YAML value as a date if it is one or is a strict ISO `YYYY-MM-DD` string."""
    if isinstance(value, date):
        return value
    return fm.iso_date(value.strip()) if isinstance(value, str) else None


def _shown(value: Any) -> str:
    text = _scalar_text(value)
    return repr(text[:60]) if text is not None else f"(a {_kind_of(value)})"


def _read_days(r: _Reader) -> int | None:
    value = r.meta.get("follow_up_days")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        r.error(
            r.line("follow_up_days"),
            f"follow_up_days {_shown(value)} must be a whole number ≥ 1; ignored",
        )
        return None
    return value


def _check_links(r: _Reader, values: dict[str, Any]) -> None:
    for key in ("linkedin", "website"):
        url = values.get(key)
        if url and not is_web_url(url):
            r.warning(r.line(key), f"{key} {url!r} is not an http(s) URL; shown as text")


def _check_notes(r: _Reader, part: fm.Split) -> None:
    if (deep := deep_line(part.body)) is not None:
        message = f"notes indented more than {NOTES_MAX_INDENT} columns here are shown as plain text"
        r.warning(part.body_line + deep, message)


def is_web_url(text: str) -> bool:
    """Tell whether text is an absolute http(s) URL (the only kind netsite links to)."""
    return _WEB_URL.match(text) is not None


def _read_log(r: _Reader) -> tuple[LogEntry, ...]:
    value = r.meta.get("log")
    if value is None:
        return ()
    if not isinstance(value, list):
        r.error(r.line("log"), "log must be a list of entries like '- 2026-11-06 call: note'; ignored")
        return ()
    item_lines = getattr(value, "lines", [r.line("log")] * len(value))
    entries = (_read_entry(r, item, line) for item, line in zip(value, item_lines, strict=True))
    kept = [e for e in entries if e is not None]
    return tuple(sorted(kept, key=lambda e: (e.date, e.line or 0)))


def _read_entry(r: _Reader, item: Any, line: int | None) -> LogEntry | None:
    """Read one log entry in any of its four shapes, or report it and drop it."""
    parts = _entry_parts(item)
    if isinstance(parts, str):
        r.error(line, f"log entry {_shown(item)} cannot be read: {parts}; dropped")
        return None
    day, written, note = parts
    parsed = as_date(day)
    if parsed is None:
        r.error(line, f"log entry date {_shown(day)} is not a valid YYYY-MM-DD date; dropped")
        return None
    kind = sys.intern(written.lower())  # one object however many entries: pickled once a shard
    if kind not in LOG_CLASSES:
        r.error(line, f"log kind {written!r} is not one of {', '.join(LOG_CLASSES)}; counted as other")
        return LogEntry(parsed, "other", note, line, written)
    return LogEntry(parsed, kind, note, line)


def _entry_parts(item: Any) -> tuple[Any, str, str] | str:
    """Return (date, kind, note) of an entry, or the reason it cannot be read."""
    if isinstance(item, str):
        match = _ENTRY.fullmatch(item.strip())
        if not match:
            return "expected 'YYYY-MM-DD kind: note'"
        return match.group(1), match.group(2), (match.group(3) or "").strip()
    if isinstance(item, dict) and "date" in item:
        return _mapping_parts(item)
    if isinstance(item, dict) and len(item) == 1:
        head, note = next(iter(item.items()))
        match = _ENTRY_HEAD.fullmatch(str(head).strip())
        note_text = "" if note is None else _scalar_text(note)
        if not match or note_text is None:
            return "expected 'YYYY-MM-DD kind: note'"
        return match.group(1), match.group(2), note_text.strip()
    return "expected 'YYYY-MM-DD kind: note' or {date: ..., kind: ..., note: ...}"


def _mapping_parts(item: dict) -> tuple[Any, str, str] | str:
    kind = _scalar_text(item.get("kind"))
    note = item.get("note")
    note_text = "" if note is None else _scalar_text(note)
    unknown = sorted(str(k) for k in item if k not in ("date", "kind", "note"))
    if unknown:
        return f"unknown key(s) {', '.join(unknown)}"
    if not kind or not _WORD.fullmatch(kind.strip()):
        return "kind must be one word such as call or email"
    if note_text is None:
        return "note must be text"
    return item["date"], kind.strip(), note_text.strip()
