"""Write to a journal without disturbing it: new files from templates, log entries appended as text.

Existing files are never dumped through a YAML emitter: `append_log` finds the
`log:` key in the front matter by position, inserts one line (or turns `log: []`
into a block), and proves by parsing the result that exactly that entry was
added and nothing else changed.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from . import frontmatter_yaml as fm
from .contact import Contact, LogEntry, key_lines, parse_contact
from .journal import CONTACTS_DIR, contact_files

_FENCE = YAMLHandler.FM_BOUNDARY
_BREAKS = frozenset("\r\n\x85\u2028\u2029")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_ESCAPES |= {"\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}
_TRANSLIT = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l"}
    | {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i", "ŋ": "ng"}
)
GITIGNORE_LINE = "output/"
CONFIG_FILE = "netsite.toml"


@dataclass(frozen=True)
class Refusal:
    """Why a write did not happen; the files are as they were."""

    message: str


# --- YAML scalars -------------------------------------------------------------------------


def double_quoted(text: str) -> str:
    """Return text as a YAML double-quoted scalar, escaping what a plain line cannot hold."""
    return '"' + "".join(_escape(ch) for ch in text) + '"'


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF or code in (0xFEFF, 0xFFFE, 0xFFFF):
        return f"\\u{code:04x}"
    return ch


def yaml_scalar(text: str, flow: bool = False) -> str:
    """Return a YAML scalar that reads back as exactly text: plain when safe, else double-quoted."""
    return text if _plain_reads_back(text, flow) else double_quoted(text)


def _plain_reads_back(text: str, flow: bool) -> bool:
    """Tell whether text written unquoted reads back as the same string (in a list when flow)."""
    if not text or text != text.strip() or any(_unprintable(ch) for ch in text):
        return False
    if text[0] in "-?:,[]{}#&*!|>'\"%@`" or ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(ch in ",[]{}" for ch in text):
        return False
    document = f"k: [{text}]" if flow else f"k: {text}"
    expected = {"k": [text] if flow else text}  # only a str equals a str: 1 or true never pass
    return _loads(document) == expected == _loads_yaml_11(document)


def _unprintable(ch: str) -> bool:
    """Tell whether a character can only be written as an escape (line breaks included)."""
    return ch in _BREAKS or (_escape(ch) != ch and ch not in '"\\')


def _loads(document: str) -> Any:
    """Parse YAML the way contact files are parsed; None when it is not valid."""
    part = fm.split(f"---\n{document}\n---\n")
    try:
        return fm.load(part) if part else None
    except (fm.YamlError, yaml.YAMLError, ValueError, RecursionError, OverflowError):
        return None


def _loads_yaml_11(document: str) -> Any:
    """Parse YAML as YAML 1.1 tools (PyYAML, many editors' plugins) do, where `no` is false."""
    try:
        return yaml.safe_load(document)
    except (yaml.YAMLError, ValueError, RecursionError, OverflowError):
        return None


# --- ids ------------------------------------------------------------------------------------


def contact_id(name: str) -> str:
    """Make an id (file name) from a person's name: `Zoë O'Brien` becomes `zoe-obrien`."""
    text = re.sub(r"['’ʼ`´]", "", name.translate(_TRANSLIT))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if not slug:  # a name in a script with no ASCII spelling keeps its own letters
        slug = "-".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold()))
    return _shorten(slug, 60) or "contact"


def _shorten(slug: str, limit: int) -> str:
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    return cut.rsplit("-", 1)[0] if "-" in cut else cut


def free_id(base: str, taken: Iterable[str]) -> str:
    """Return base, or base-2, base-3 … whichever is not taken (compared case-insensitively)."""
    used = {t.casefold() for t in taken}
    candidate, n = base, 2
    while candidate.casefold() in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def valid_id(text: str) -> bool:
    """Tell whether text can be a contact id: one file name, no path, no leading dot."""
    return bool(re.fullmatch(r"[^\W_][\w.-]*", text)) and not text.endswith(".md")


def journal_ids(root: Path) -> dict[str, Path]:
    """Map every contact id in the journal (folded to lower case) to its file, readable or not."""
    return {f.stem.casefold(): f for f in contact_files(root)}


# --- new files ----------------------------------------------------------------------------

Field = tuple[str, Any]


def contact_text(fields: Sequence[Field], body: str = "") -> str:
    """Render a new contact file: front matter in the given key order, then the body."""
    lines = ["---", *(f"{key}:{_value_text(value)}" for key, value in fields), "---"]
    text = "\n".join(lines) + "\n"
    return text + body.strip("\n") + "\n" if body.strip() else text


def _value_text(value: Any) -> str:
    """Return ' value' for one front-matter value; blank for None (a key left to fill in)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return f" {value.isoformat()}"
    if isinstance(value, list | tuple):
        return " [" + ", ".join(yaml_scalar(str(v), flow=True) for v in value) + "]"
    if isinstance(value, Comment):
        return f"  # {value.text}"
    return f" {yaml_scalar(str(value))}"


@dataclass(frozen=True)
class Comment:
    """A blank value with a hint for whoever fills it in."""

    text: str


def new_contact_fields(name: str, today: date, values: dict[str, Any]) -> list[Field]:
    """Return the fields of `netsite new`'s template: given values, blanks for the rest."""
    order = ("company", "role", "email", "phone", "linkedin", "referred_by", "how_met")
    fields: list[Field] = [("name", name), *((key, values.get(key)) for key in order)]
    fields.append(("tags", list(values.get("tags") or [])))
    fields.append(("strength", values.get("strength") or Comment("close, warm or acquaintance")))
    fields += [("added", today), ("log", None)]
    return fields


def check_written(text: str, fields: Sequence[Field], body: str = "") -> Refusal | None:
    """Verify a rendered file reads back with exactly the intended values."""
    contact, problems = parse_contact("new", "new", text)
    errors = [p for p in problems if p.severity == "error"]
    if contact is None or errors:
        return Refusal(f"the new file would not read back cleanly ({_first(errors or problems)})")
    for key, value in fields:
        if value is None or isinstance(value, Comment) or value == []:
            continue
        got = getattr(contact, key)
        want = tuple(value) if isinstance(value, list | tuple) else value
        if got != want:
            return Refusal(f"{key} {value!r} would read back as {got!r}")
    if contact.notes.strip() != body.strip():
        return Refusal("the notes would not read back as written")
    return None


def write_new(path: Path, text: str) -> Refusal | None:
    """Create a file that must not exist yet (never overwrites), with its folders."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except FileExistsError:
        return Refusal(f"{path} already exists; left as it was")
    except OSError as exc:
        return Refusal(f"cannot write {path}: {exc.strerror or exc}")
    return None


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file's bytes all at once (temp file + rename), keeping its permission bits."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- init -----------------------------------------------------------------------------------


def skeleton(name: str) -> str:
    """Return the text of a packaged skeleton file (netsite.toml, example-contact.md)."""
    return (resources.files("netsite") / "skeleton" / name).read_text(encoding="utf-8")


def init_files(today: date) -> dict[str, str]:
    """Return the new journal's files by relative path (the .gitignore is handled apart)."""
    example = Template(skeleton("example-contact.md")).substitute(today=today.isoformat())
    return {CONFIG_FILE: skeleton(CONFIG_FILE), f"{CONTACTS_DIR}/alex-example.md": example}


def init_refusal(root: Path) -> Refusal | None:
    """Refuse to initialise a folder that already holds a journal or any file init would write."""
    contacts = root / CONTACTS_DIR
    if (root / CONFIG_FILE).exists():
        return Refusal(f"{root / CONFIG_FILE} already exists: this is a journal already")
    if contacts.exists() and (not contacts.is_dir() or any(contacts.iterdir())):
        return Refusal(f"{contacts} already exists and is not empty: this is a journal already")
    return None


def gitignore_addition(existing: str | None) -> str | None:
    """Return the text to append to .gitignore so output/ is ignored, or None if it already is."""
    if existing is None:
        return f"# the site netsite builds; rebuilt from the contacts at any time\n{GITIGNORE_LINE}\n"
    ignored = {line.strip().strip("/") for line in existing.splitlines()}
    if "output" in ignored:
        return None
    newline = "\r\n" if "\r\n" in existing else "\n"
    lead = newline if existing and not existing.endswith(("\n", "\r")) else ""
    return f"{lead}{GITIGNORE_LINE}{newline}"


# --- log --------------------------------------------------------------------------------------


def log_entry_text(day: date, kind: str, note: str) -> str:
    """Return one log entry as written after the dash: plain when it reads back, else quoted."""
    head = f"{day.isoformat()} {kind}"
    if not note:
        return head
    document = f"- {head}: {note}"
    if _plain_reads_back(note, flow=False) and _loads(document) == [{head: note}] == _loads_yaml_11(document):
        return f"{head}: {note}"
    return double_quoted(f"{head}: {note}")


def append_log(text: str, day: date, kind: str, note: str) -> str | Refusal:
    """Return text with one entry added to `log:`; every other byte stays as it was."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    before, problems = parse_contact("log", "log", body)
    if before is None:
        return Refusal(f"the file cannot be read ({_first(problems)}); fix it first")
    span = _front_matter_span(body)
    if span is None:
        return Refusal("no front matter found")
    start, end = span
    splice = _log_splice(body[start:end], log_entry_text(day, kind, note))
    if isinstance(splice, Refusal):
        return splice
    cut_from, cut_to, insert = splice
    result = body[: start + cut_from] + insert + body[start + cut_to :]
    failed = _verify(before, result, LogEntry(day, kind, note))
    return failed if failed else bom + result


def _first(problems: Sequence[Any]) -> str:
    return f"line {problems[0].line}: {problems[0].message}" if problems else "unknown problem"


def _front_matter_span(text: str) -> tuple[int, int] | None:
    """Return where the front matter's YAML starts and ends, exactly as parse_contact cuts it."""
    fences = _FENCE.finditer(text)
    opening, closing = next(fences, None), next(fences, None)
    if opening is None or opening.start() != 0 or closing is None:
        return None
    return opening.end(), closing.start()


def _log_splice(yaml_text: str, entry: str) -> tuple[int, int, str] | Refusal:
    """Return (cut from, cut to, text to insert) in the front matter that appends entry to log."""
    try:
        root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return Refusal(f"the front matter cannot be read: {exc}")
    if root is not None and not isinstance(root, yaml.MappingNode):
        return Refusal("the front matter is not a mapping of keys")
    if root is not None and root.flow_style:
        return Refusal("the front matter is written as one {…} mapping; write one key per line")
    keys = [(k, v) for k, v in (root.value if root else []) if isinstance(k, yaml.ScalarNode)]
    found = [(k, v) for k, v in keys if k.value == "log"]
    if not found:
        column = keys[0][0].start_mark.column if keys else 0
        return _new_key(yaml_text, column, entry)
    key, value = found[-1]  # a repeated key: the last one is the one that counts
    return _splice_into(yaml_text, key, value, entry)


def _new_key(yaml_text: str, column: int, entry: str) -> tuple[int, int, str]:
    """Add `log:` with one item at the end of the front matter."""
    at = len(yaml_text)
    nl = _newline_before(yaml_text, at)
    pad = " " * column
    return at, at, f"{pad}log:{nl}{pad}  - {entry}{nl}"


def _splice_into(
    yaml_text: str, key: yaml.Node, value: yaml.Node, entry: str
) -> tuple[int, int, str] | Refusal:
    if value.start_mark.index < key.end_mark.index:
        return Refusal("log is a YAML alias (*name) of another list; add the entry by hand")
    pad = " " * (key.start_mark.column + 2)
    if isinstance(value, yaml.SequenceNode) and not value.flow_style:
        return _after_last_item(yaml_text, value, entry)
    empty_flow = isinstance(value, yaml.SequenceNode) and not value.value
    if empty_flow or (isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")):
        return _fill_empty(yaml_text, key, value, f"{pad}- {entry}")
    if isinstance(value, yaml.SequenceNode):
        return Refusal("log is written inline as [a, b]; write one '- ' entry per line and try again")
    return Refusal("log is not a list of entries; fix it by hand (see `netsite check`)")


def _after_last_item(yaml_text: str, seq: yaml.SequenceNode, entry: str) -> tuple[int, int, str]:
    """Insert a new item after the last one's last line, with the same indentation and dash."""
    last = seq.value[-1]
    leaf = last
    while isinstance(leaf, yaml.MappingNode | yaml.SequenceNode) and not leaf.flow_style and leaf.value:
        tail = leaf.value[-1]
        leaf = tail[1] if isinstance(leaf, yaml.MappingNode) else tail
    at = _line_end(yaml_text, leaf.end_mark.index)
    line_start = yaml_text.rfind("\n", 0, last.start_mark.index) + 1
    prefix = yaml_text[line_start : last.start_mark.index]
    if not re.fullmatch(r"[ ]*-[ \t]+", prefix):
        prefix = " " * seq.start_mark.column + "- "
    return at, at, f"{prefix}{entry}{_newline_before(yaml_text, at)}"


def _fill_empty(yaml_text: str, key: yaml.Node, value: yaml.Node, item: str) -> tuple[int, int, str]:
    """Turn `log:`, `log: []` or `log: ~` into a block with one item (keeping a trailing comment)."""
    cut_from = value.start_mark.index
    while cut_from > key.end_mark.index and yaml_text[cut_from - 1] in " \t":
        cut_from -= 1
    if value.start_mark.index == value.end_mark.index:  # nothing written after `log:`
        cut_from = value.end_mark.index
    at = _line_end(yaml_text, value.end_mark.index)
    nl = _newline_before(yaml_text, at)
    return cut_from, at, yaml_text[value.end_mark.index : at] + f"{item}{nl}"


def _line_end(text: str, index: int) -> int:
    """Return the start of the line after the one holding index (index itself at a line start)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _newline_before(text: str, index: int) -> str:
    """Return the line ending used just before index (CRLF files stay CRLF)."""
    return "\r\n" if text[max(0, index - 2) : index] == "\r\n" else "\n"


def _verify(before: Contact, result: str, added: LogEntry) -> Refusal | None:
    """Check the edited text has exactly one new entry, equal to added, and nothing else changed."""
    after, _ = parse_contact(before.id, before.path, result)
    if after is None:
        return Refusal("the edit would make the file unreadable; left as it was")
    old, new = _entries(before.log), _entries(after.log)
    for item in old:
        if item in new:
            new.remove(item)
    if new != [(added.date, added.kind, added.note, "")] or len(after.log) != len(before.log) + 1:
        return Refusal(f"the new entry would not read back as written (got {new}); left as it was")
    if _rest(before) != _rest(after):
        return Refusal("the edit would change other fields; left as it was")
    return None


def _entries(log: Sequence[LogEntry]) -> list[tuple[date, str, str, str]]:
    return [(e.date, e.kind, e.note, e.written_kind) for e in log]


def _rest(contact: Contact) -> Contact:
    """Return the contact without what an entry may change: log, lines, problem lines, a derived added."""
    problems = tuple(sorted(replace(p, line=None) for p in contact.problems))
    added = contact.added if contact.line("added") is not None else None
    return contact._replace(log=(), notes_line=0, lines=key_lines({}), problems=problems, added=added)
