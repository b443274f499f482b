"""Properties: whatever a contact file holds, reading gives a contact or located problems, never a crash."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsite.config import Config
from netsite.contact import KNOWN_KEYS, LOG_CLASSES, Contact, parse_contact
from netsite.journal import Journal, parse_bytes
from netsite.model import build_network
from netsite.problems import Problem
from netsite.weekly import Week

PATH = "contacts/x.md"
FAST = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2026, 11, 25)


def assert_sane(contact: Contact | None, problems: Any, lines: int) -> None:
    """Check the contract every parse keeps, and that the model can be built from the result."""
    assert isinstance(problems, list | tuple)
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path == PATH
        assert problem.severity in ("error", "warning")
        assert problem.line is None or 1 <= problem.line <= lines, (problem, lines)
        assert problem.message
    if contact is None:
        assert any(p.severity == "error" for p in problems)
        return
    assert contact.name.strip()
    assert contact.problems == tuple(problems)
    assert all(e.kind in LOG_CLASSES for e in contact.log)
    assert list(contact.log) == sorted(contact.log, key=lambda e: (e.date, e.line or 0))
    assert contact.added is None or isinstance(contact.added, date)
    assert all(isinstance(t, str) and t for t in contact.tags)
    journal = Journal(root=None, config=Config(), config_ok=True, contacts=(contact,), problems=())  # type: ignore[arg-type]
    network = build_network(journal, TODAY)
    assert all(item.contact == contact.id for item in network.due)
    days = [TODAY, *(e.date for e in contact.log[:1] + contact.log[-1:])]
    for report in network.reports([Week.of(day) for day in days]):
        assert report.network_size in (0, 1)


def check_text(text: str) -> tuple[Contact | None, list[Problem]]:
    contact, problems = parse_contact("x", PATH, text)
    assert_sane(contact, problems, text.count("\n") + 1)
    return contact, problems


def wrap(front: str, body: str = "notes\n") -> str:
    return f"---\n{front}\n---\n{body}"


# --- YAML-ish text ------------------------------------------------------------------------------

TOKENS = [
    *"abcxyz019 :-[]{},#&*!|>'\"?%@`~.=<\t",
    "\n",
    "\n",
    "\n  ",
    "\n- ",
    "\r\n",
    "\r",
    "\u2028",
    "\x85",
    "\x07",
    "\x00",
    "\ufeff",
    "é",
    "😀",
    "---",
    "...",
    ": ",
    "- ",
    "name",
    "name: ",
    "log:",
    "\n  - ",
    "2026-11-06",
    "2026-02-30",
    " call",
    " thanks",
    " coffee",
    "referred_by: ",
    "[[",
    "]]",
    "tags: ",
    "added: ",
    "status: ",
    "met",
    "&a ",
    "*a",
    "<<: ",
    "!!binary ",
    "!!python/object ",
    "|\n",
    ">-\n",
]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@FAST
@given(front=yamlish, body=st.text(max_size=20))
def test_yamlish_front_matter_never_raises(front: str, body: str) -> None:
    check_text(wrap(front, body))


@FAST
@given(text=st.text(max_size=300))
def test_any_text_never_raises(text: str) -> None:
    check_text(text)


@FAST
@given(text=yamlish)
def test_yamlish_whole_file_never_raises(text: str) -> None:
    check_text(text)


# --- mappings written by PyYAML -----------------------------------------------------------------

# PyYAML writes NEL and the Unicode line separators unescaped in plain scalars, where YAML 1.1 reads them
# as line breaks; that is PyYAML's own round trip, not netsite's, so generated text leaves them out.
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x85\u2028\u2029"), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False),
    texts,
    st.dates(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(sorted(KNOWN_KEYS)) | texts


def dump(mapping: dict[str, Any], flow: bool, unicode: bool) -> str:
    return yaml.safe_dump(mapping, default_flow_style=flow, allow_unicode=unicode, sort_keys=False)


@FAST
@given(mapping=st.dictionaries(keys, values, max_size=8), flow=st.booleans(), unicode=st.booleans())
def test_any_mapping_written_by_yaml_reads_as_a_contact(
    mapping: dict[str, Any], flow: bool, unicode: bool
) -> None:
    contact, problems = check_text(wrap(dump(mapping, flow, unicode)))
    assert contact is not None, problems  # valid YAML mappings are never dropped


def same(read: Any, written: Any) -> bool:
    """Tell whether a value read back equals the one written (datetimes are not dates: they read as text)."""
    if isinstance(written, datetime):
        return isinstance(read, str)
    if isinstance(written, float) and isinstance(read, float):
        return read == written or (math.isinf(read) and read == written)
    if isinstance(written, list):
        return isinstance(read, list) and len(read) == len(written) and all(map(same, read, written))
    if isinstance(written, dict):
        return (
            isinstance(read, dict)
            and read.keys() == written.keys()
            and all(same(read[k], written[k]) for k in written)
        )
    return type(read) is type(written) and read == written


@FAST
@given(
    extra=st.dictionaries(texts.map("x_".__add__), values, max_size=6),
    flow=st.booleans(),
    unicode=st.booleans(),
)
def test_unknown_keys_read_back_as_written(extra: dict[str, Any], flow: bool, unicode: bool) -> None:
    """What PyYAML writes as text stays text, numbers stay numbers: nothing is retyped on the way back."""
    contact, _ = check_text(wrap(dump({"name": "A", **extra}, flow, unicode)))
    assert contact is not None
    assert [k for k, _ in contact.extra] == list(extra)
    assert all(same(value, extra[key]) for key, value in contact.extra), contact.extra


@FAST
@given(fields=st.fixed_dictionaries({}, optional={k: texts for k in ("company", "role", "phone")}))
def test_text_fields_read_back_stripped(fields: dict[str, str]) -> None:
    contact, _ = check_text(wrap(dump({"name": "A", **fields}, False, True)))
    assert contact is not None
    for key, text in fields.items():
        assert getattr(contact, key) == (text.strip() or None)


# --- log entries --------------------------------------------------------------------------------

good_days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
any_days = st.one_of(st.dates(), st.text(max_size=12), st.integers())
kinds = st.sampled_from([*LOG_CLASSES, "Call", "EMAIL", "coffee", "lunch-date"])
notes = texts.map(str.strip).filter(lambda n: not n.startswith(":"))


Expected = tuple[date, str, str, bool]


@st.composite
def entries(draw: st.DrawFn, day: st.SearchStrategy[Any] = good_days) -> tuple[Any, Expected]:
    """Draw one entry in one of the four shapes, what it should read as, and whether its kind is unknown."""
    when, kind, note = draw(day), draw(kinds), draw(notes)
    shape = draw(st.sampled_from(["line", "line-no-note", "one-key", "mapping"]))
    head = f"{when} {kind}"
    written: Any = {
        "line": f"{head}: {note}",
        "line-no-note": head,
        "one-key": {head: note},
        "mapping": {"date": when, "kind": kind, "note": note},
    }[shape]
    if shape == "line-no-note":
        note = ""
    read_kind = kind.lower() if kind.lower() in LOG_CLASSES else "other"
    return written, (when, read_kind, note, kind.lower() not in LOG_CLASSES)


@FAST
@given(log=st.lists(entries(), max_size=8), flow=st.booleans())
def test_well_formed_entries_read_back_in_any_shape(log: list[tuple[Any, Expected]], flow: bool) -> None:
    contact, problems = check_text(wrap(dump({"name": "A", "log": [w for w, _ in log]}, flow, True)))
    assert contact is not None
    assert sorted((e.date, e.kind, e.note) for e in contact.log) == sorted(want[:3] for _, want in log)
    unknown = sum(1 for _, want in log if want[3])
    assert len([p for p in problems if p.message.endswith("counted as other")]) == unknown
    if log:
        assert contact.added == min(want[0] for _, want in log)


@FAST
@given(log=st.lists(st.one_of(entries(any_days).map(lambda pair: pair[0]), values), max_size=8))
def test_every_entry_is_kept_or_reported_as_dropped(log: list[Any]) -> None:
    contact, problems = check_text(wrap(dump({"name": "A", "log": log}, False, True)))
    assert contact is not None
    dropped = [p for p in problems if p.message.endswith("dropped")]
    assert len(contact.log) + len(dropped) == len(log)


# --- bytes --------------------------------------------------------------------------------------


@FAST
@given(data=st.binary(max_size=200), fenced=st.booleans())
def test_any_bytes_never_raise(data: bytes, fenced: bool) -> None:
    if fenced:
        data = b"---\nname: A\n" + data + b"\n---\n"
    contact, problems = parse_bytes("x", PATH, data)
    assert_sane(contact, problems, data.count(b"\n") + 1)


@FAST
@given(text=yamlish, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_encoded_text_never_raises(text: str, encoding: str) -> None:
    data = wrap(text).encode(encoding, errors="replace")
    contact, problems = parse_bytes("x", PATH, data)
    assert_sane(contact, problems, data.count(b"\n") + 1)


_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@given(value=_JSON)
def test_json_chunks_write_what_json_dumps_writes(value: Any) -> None:
    from netsite.views import json_chunks

    assert "".join(json_chunks(value)) == json.dumps(value, indent=2, ensure_ascii=False)
