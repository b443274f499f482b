"""A journal full of broken and hostile files: every file is reported or rendered, nothing crashes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from netsite.build import build
from netsite.cli import main

TODAY = date(2026, 11, 25)
GOOD = {
    "with space.md": "---\nname: Space Name\n---\n",
    "a#b.md": "---\nname: Hash Mark\n---\n",
    "q?x.md": "---\nname: Question\n---\n",
    "100%.md": "---\nname: Percent\n---\n",
    "ünïcode.md": "---\nname: Ünï Còde\nreferred_by: '[[Space Name]]'\n---\n[[a#b]] and [[100%]]\n",
    # Lists nested 400 deep: more than Python-Markdown recurses through (RecursionError).
    "deep.md": "---\nname: Deep\n---\n" + "\n".join("    " * i + "- x <b>" for i in range(400)) + "\n",
}
BROKEN = {
    "empty.md": ("", 1),
    "onlyfence.md": ("---", 1),
    "emptyfm.md": ("---\n---\n", 2),
    "alias-loop.md": ("---\nname: Loop\nextra: &a [*a]\n---\n", 3),
    "tabs.md": ("---\nname: Tab\n\tlog: x\n---\n", 3),
}


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    contacts = tmp_path / "contacts"
    (contacts / "sub").mkdir(parents=True)
    for name, text in GOOD.items():
        (contacts / name).write_text(text, encoding="utf-8")
    for name, (text, _line) in BROKEN.items():
        (contacts / name).write_text(text, encoding="utf-8")
    (contacts / "binary.md").write_bytes(b"---\nname: \xff\xfe\x00\x01\n---\n")
    (contacts / "dir.md").mkdir()
    os.symlink("loop.md", contacts / "loop.md")  # a symlink to itself
    os.symlink(contacts, contacts / "sub" / "again")  # a folder link back up
    (contacts / "big.md").write_text(
        "---\nname: Big\nlog:\n"
        + "".join(f"  - 2026-11-0{i % 9 + 1} call: n{i}\n" for i in range(5000))
        + "---\n"
    )
    return tmp_path


def test_build_survives_and_renders_every_good_contact(hostile: Path) -> None:
    result = build(hostile, TODAY)
    assert result.ok, result.failure
    pages = set(result.files)
    for name in [*GOOD, "big.md", "emptyfm.md"]:
        assert f"contacts/{name[:-3]}.html" in pages, name
    problems = {(p.path, p.line) for p in result.problems if p.severity == "error"}
    for name, (_text, line) in BROKEN.items():
        assert (f"contacts/{name}", line) in problems, name
    assert ("contacts/binary.md", 2) in problems
    assert "<pre>- x &lt;b&gt;\n    - x &lt;b&gt;" in result.files["contacts/deep.html"].decode()
    said = {(p.path, p.line, p.severity) for p in result.problems}
    assert ("contacts/deep.md", 105, "warning") in said  # the first line indented past 400 columns


def test_check_reports_with_path_and_line_and_exits_1(hostile: Path, capsys) -> None:
    code = main(["check", "--journal", str(hostile), "--today", TODAY.isoformat()])
    out = capsys.readouterr().out
    assert code == 1
    assert "contacts/onlyfence.md:1: error:" in out
    assert "contacts/binary.md:2: error: not UTF-8" in out


def test_odd_file_names_get_working_links(hostile: Path) -> None:
    files = build(hostile, TODAY).files
    page = files["contacts/ünïcode.html"].decode()
    assert 'href="a%23b.html"' in page and 'href="100%25.html"' in page
    listing = files["contacts/index.html"].decode()
    assert 'href="../contacts/q%3Fx.html"' in listing
