"""The YAML subset reader gives exactly what the PyYAML loader gives, or refuses."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from netsite import frontmatter_yaml as fm
from netsite import yaml_subset

ROOT = Path(__file__).resolve().parent.parent


def by_pyyaml(text: str, first_line: int = 2) -> Any:
    """Load front matter with the PyYAML loader alone."""
    part = fm.Split(text, first_line, "", first_line + text.count("\n") + 1)
    original = yaml_subset.parse
    yaml_subset.parse = lambda *args: yaml_subset.REFUSED
    try:
        return fm.load(part)
    finally:
        yaml_subset.parse = original


def by_subset(text: str, first_line: int = 2) -> Any:
    return yaml_subset.parse(text, first_line, fm._plain_scalar)


def shape(value: Any) -> Any:
    """Describe a loaded value with its types, lines and duplicate keys, for comparing."""
    if isinstance(value, dict):
        pairs = [(type(k).__name__, k, shape(v), value.lines[k]) for k, v in value.items()]
        return ("map", pairs, value.duplicates)
    if isinstance(value, list):
        return ("seq", [shape(v) for v in value], value.lines)
    return (type(value).__name__, value)


KEYS = ["name", "company", "tags", "log", "how met", "2026-11-05", "true", "1", "a:b", "#k", "-k", "k ", "ü"]
SEPARATORS = [": ", ":", ":  ", " : ", ":\t"]
VALUES = [
    "Ann Lee",
    "R&D, Q&A",
    "x # comment",
    "x#y",
    "a: b",
    "a:",
    "a:b",
    "'quoted'",
    "'it''s'",
    '"double"',
    '"esc\\n"',
    '"Jos\\xE9 \\u2014 \\U0001F389"',
    '"a\\"b\\\\c\\/\\ \\0\\t\\N\\_\\L"',
    '"\\ud800"',
    '"\\x4"',
    '"\\q"',
    '"end\\',
    '"[\\x61, b]"',
    '["x\\u00e9", "y\\"", z]',
    '"open',
    "[a, b]",
    "[[Bob Smith]]",
    "[a, [b, c]]",
    "[]",
    "[a,]",
    "[a b, 'c']",
    "[a: b]",
    "{date: 2026-11-06, kind: call}",
    "{a: b, a: c}",
    "{a}",
    "~",
    "null",
    "Null",
    "true",
    "yes",
    "no",
    "1",
    "01",
    "0x1F",
    "1.5",
    "1e5",
    ".inf",
    "-5",
    "2026-11-25",
    "2026-02-30",
    "2026-11-25 10:00:00",
    "12:30",
    "|",
    ">",
    "&anchor x",
    "*alias",
    "!!str x",
    "%x",
    "@x",
    "`x`",
    "é\u2028",
    "",
    " ",
]
ITEM_PREFIXES = ["- ", "  - ", "    - ", "-  ", "  ", "    ", "  # note", "", "-"]
ITEMS = ["2026-11-03 email: sent pitch", "2026-11-04 call", "a: b", "k:", "- nested", *VALUES]


def lines() -> st.SearchStrategy[str]:
    top = st.builds(
        lambda k, s, v: k + s + v, st.sampled_from(KEYS), st.sampled_from(SEPARATORS), st.sampled_from(VALUES)
    )
    item = st.builds(lambda p, v: p + v, st.sampled_from(ITEM_PREFIXES), st.sampled_from(ITEMS))
    return st.one_of(top, item, st.sampled_from(["", "# comment", "   ", "...", "---"]))


# Anything at all, line by line: mostly refused, which is what it is for.
ANY_LINES = st.lists(lines(), min_size=1, max_size=10).map("\n".join)

PLAIN_KEYS = ["name", "company", "tags", "log", "how met", "2026-11-05", "true", "1", "ü", "name"]
PLAIN_VALUES = [v for v in VALUES if v and v[0] not in "-|>&*!%@`" and ": " not in v and "\u2028" not in v]


@st.composite
def entry(draw: st.DrawFn) -> str:
    """A top-level key with its value on its line, or a block list below it."""
    key = draw(st.sampled_from(PLAIN_KEYS))
    if draw(st.booleans()):
        return f"{key}: {draw(st.sampled_from(PLAIN_VALUES))}"
    indent = " " * draw(st.sampled_from([0, 2, 4]))
    items = []
    for _ in range(draw(st.integers(0, 4))):
        item = draw(st.sampled_from(["2026-11-03 email: sent pitch", "k:", "a: b", *PLAIN_VALUES]))
        items.append(f"{indent}- {item}")
        if ": " in item or item.endswith(":"):
            for more in draw(st.lists(st.sampled_from(PLAIN_VALUES), max_size=2)):
                items.append(f"{indent}  {draw(st.sampled_from(PLAIN_KEYS))}: {more}")
    return "\n".join([f"{key}:", *items])


def mutated(text: str, where: int, junk: str) -> str:
    return text[:where] + junk + text[where:]


# Front matter as people write it, sometimes with a comment, a blank line or one odd piece inserted.
WRITTEN = st.lists(
    st.one_of(entry(), st.sampled_from(["# comment", "", "  # indented comment"])), min_size=1, max_size=8
)
FRONT_MATTER = st.one_of(
    WRITTEN.map("\n".join),
    st.builds(
        mutated,
        WRITTEN.map("\n".join),
        st.integers(0, 200),
        st.sampled_from(
            [" ", "  ", "\n", "\n  ", "- ", ":", ": ", "#", " #", "[", "]", "{", "'", '"', ",", "\t"]
        ),
    ),
    ANY_LINES,
)


@settings(max_examples=1500, deadline=None)
@given(text=FRONT_MATTER)
@example(text="name: Ann\nname: Bob\n1: a\ntrue: b")
@example(text="log:\n  - 2026-11-03 email: sent pitch\n  - date: 2026-11-04\n    kind: call\n  - 2026-11-05")
@example(text="log:\n- a\n- b\nname: x")
@example(text='referred_by: [[Bob Smith]]\ntags: [a, b]  # two\nphone: "+1 555 0100"')
def test_the_subset_reads_what_pyyaml_reads(text: str) -> None:
    fast = by_subset(text)
    if fast is yaml_subset.REFUSED:
        return
    assert shape(fast) == shape(by_pyyaml(text))


@settings(max_examples=500, deadline=None)
@given(text=FRONT_MATTER)
@example(text='name: Ann\ntags: [a, b]  # two\nlog:\n  - 2026-11-03 call: hi\n  - "2026-11-04 email: a: b"')
def test_crlf_line_ends_read_as_pyyaml_reads_them(text: str) -> None:
    """A file saved with Windows line ends: the subset reads it as LF, PyYAML as it is."""
    crlf = text.replace("\n", "\r\n")
    part = fm.Split(crlf, 2, "", 2 + crlf.count("\n") + 1)
    try:
        wanted = shape(by_pyyaml(crlf))
    except fm.YamlError:
        with pytest.raises(fm.YamlError):
            fm.load(part)
        return
    assert shape(fm.load(part)) == wanted


WORDS = st.sampled_from(
    [
        *["call", "it's", "a: b", "O'Neil", "x" * 30, "#7", "-", "ünï", "  ", "''", "2026-11-02", "yes"],
        *["José", "—", "🎉", 'say "hi"', "back\\slash", "\x85"],
    ]
)
STRINGS = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=800, deadline=None)
@given(
    values=st.dictionaries(st.sampled_from(["name", "how_met", "company", "role"]), STRINGS, min_size=1),
    log=st.lists(STRINGS, max_size=4),
    width=st.sampled_from([20, 40, 80]),
    unicode=st.booleans(),
)
def test_what_pyyaml_writes_the_subset_reads_as_pyyaml_does(
    values: dict, log: list, width: int, unicode: bool
) -> None:
    """PyYAML (and python-frontmatter, with it) folds long strings over lines, doubles quotes in
    quoted ones and, unless told to allow Unicode, escapes all but ASCII in double quotes; the
    subset reads such front matter as PyYAML reads it, or refuses it."""
    entries = [
        {"date": "2026-11-02", "kind": "call", "note": note} if len(note) % 2 else note for note in log
    ]
    data = {**values, **({"log": entries} if log else {})}
    text = yaml.safe_dump(data, width=width, allow_unicode=unicode)
    fast = by_subset(text)
    if fast is not yaml_subset.REFUSED:
        assert shape(fast) == shape(by_pyyaml(text))


def test_long_strings_as_pyyaml_writes_them_take_the_subset() -> None:
    text = "how_met: at the fair, near the booth of the people who make the\n  good coffee\nlog:\n"
    text += "- '2026-11-02 call: it''s going well, she said, and asked me to write to\n  Carol'\n"
    assert shape(by_subset(text)) == shape(by_pyyaml(text))
    assert by_subset(text)["log"] == [
        "2026-11-02 call: it's going well, she said, and asked me to write to Carol"
    ]


def test_escapes_as_yaml_safe_dump_writes_them_take_the_subset() -> None:
    text = yaml.safe_dump({"name": "José Müller", "role": "VP — R&D 🎉", "tags": ['say "hi"']})
    assert '"Jos\\xE9 M\\xFCller"' in text and "\\u2014" in text and "\\U0001F389" in text
    assert shape(by_subset(text)) == shape(by_pyyaml(text))
    assert by_subset(text)["name"] == "José Müller"


def test_refused_text_includes_everything_pyyaml_rejects() -> None:
    rejected = ["a: b: c", "name: [a,", "k: |\n  x", "a: *x", "k: a\n\n  b", "k: a\n  - b", "k: a # c\n  b"]
    for text in [*rejected, 'a: "\\ud83c"', 'a: "\\q"', 'a: "\\x4"', 'a: "\\x4G"']:
        assert by_subset(text) is yaml_subset.REFUSED
    with pytest.raises(fm.YamlError):
        by_pyyaml("a: b: c")


@pytest.mark.parametrize("path", sorted((ROOT / "contacts").rglob("*.md")), ids=lambda p: p.name)
def test_every_sample_contact_takes_the_subset(path: Path) -> None:
    part = fm.split(path.read_text(encoding="utf-8"))
    assert part is not None
    fast = yaml_subset.parse(part.front_matter, part.front_matter_line, fm._plain_scalar)
    assert fast is not yaml_subset.REFUSED
    assert shape(fast) == shape(by_pyyaml(part.front_matter, part.front_matter_line))


def test_the_subset_leaves_to_pyyaml_every_character_it_reads_as_a_break_or_space_or_refuses() -> None:
    # PyYAML refuses what its reader calls non-printable; it reads tab, CR, NEL, LS and PS as white
    # space or line breaks, and a BOM as a marker: each of them sends a text to PyYAML.
    own = set("\t\r\x85\u2028\u2029\ufeff")
    refused = yaml.reader.Reader.NON_PRINTABLE
    odd = [i for i in range(0x110000) if yaml_subset._ODD.search(chr(i))]
    assert odd == [i for i in range(0x110000) if chr(i) in own or refused.search(chr(i))]


def test_the_fences_are_found_as_python_frontmatter_finds_them() -> None:
    from frontmatter.default_handlers import YAMLHandler

    ours, theirs = fm._FENCE, YAMLHandler.FM_BOUNDARY
    assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)


SCALARS = [
    *["", "~", "null", "Null", "NULL", "nULL", "nul", "none", "None", "no", "No", "n", "N"],
    *["true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "t", "f", "yes", "on", "off", "y"],
    *["0", "-0", "00", "007", "12", "-12", "+12", "1_000", "0x1F", "0X1F", "-0x1", "0x", "0o7", "0b1"],
    *["1.", "1.5", "-1.5", ".5", "-.5", "1.5e+3", "1.5e3", "1.5E-3", "1e5", ".inf", "-.inf", "+.inf"],
    *[".Inf", ".INF", "-.Inf", ".nan", ".NaN", ".NAN", ".nAn", "-.nan", "1.2.3", "12:30", "1:20:30"],
    *["2026-11-20", "2026-02-30", "2026-1-2", "2026-11-20 10:00:00", "2026-11-20T10:00:00Z", "20261120"],
    *["<<", "<", "<<<", "=", "Ann", "- x", "2026-11-20 call: hi", "0201234567", "+15550100", "٢٠٢٦-١١-٢٠"],
]


def pyyaml_typed(text: str) -> Any:
    """Type a plain scalar as the PyYAML loader does (a merge key, which the subset refuses, as Refused)."""
    from netsite.pyyaml_loader import _PLAIN_CONSTRUCTORS, _LineLoader

    for tag, pattern in _LineLoader.yaml_implicit_resolvers.get(text[:1], []):
        if pattern.match(text):
            if tag not in _PLAIN_CONSTRUCTORS:  # a merge key
                return yaml_subset.Refused
            return _PLAIN_CONSTRUCTORS[tag](_LineLoader(""), yaml.ScalarNode(tag, text))
    return text


def typed(text: str) -> Any:
    try:
        value = fm._type_scalar(text)
    except yaml_subset.Refused:
        return yaml_subset.Refused
    return value


def same_value(a: Any, b: Any) -> bool:
    nan = isinstance(a, float) and isinstance(b, float) and a != a and b != b
    return type(a) is type(b) and (nan or a == b)


@pytest.mark.parametrize("text", SCALARS)
def test_the_subset_types_a_plain_scalar_as_the_pyyaml_loader_does(text: str) -> None:
    assert same_value(typed(text), pyyaml_typed(text))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789-+._:eExXabfnlstruFTNIAu~<= ", max_size=12))
def test_the_subset_types_any_plain_scalar_as_the_pyyaml_loader_does(text: str) -> None:
    assert same_value(typed(text), pyyaml_typed(text))


def test_a_build_of_the_sample_journal_imports_no_pyyaml(tmp_path: Path) -> None:
    """Every sample contact takes the subset (see above), so PyYAML (9 ms to import) is not loaded."""
    shutil.copytree(ROOT / "contacts", tmp_path / "contacts")
    build = "import sys, netsite.cli as c; c.main(['build', '--journal', sys.argv[1]])"
    code = f"{build}; print('yaml' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
