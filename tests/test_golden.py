"""Golden test: the sample journal, built for a fixed TODAY, must match the stored site byte for byte.

After an intended change to the site, refresh the stored tree and review the diff in git:

    NETSITE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from datetime import date
from pathlib import Path

from netsite.build import render

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "sample"
TODAY = date(2026, 11, 25)


SUFFIX = ".golden"  # stored pages are data, not source: code tools (linters, duplicates) skip them


def stored_tree() -> dict[str, bytes]:
    found = GOLDEN.rglob(f"*{SUFFIX}")
    return {p.relative_to(GOLDEN).as_posix().removesuffix(SUFFIX): p.read_bytes() for p in found}


def refresh(files: dict[str, bytes]) -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for rel, data in files.items():
        target = GOLDEN / f"{rel}{SUFFIX}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def first_difference(path: str, want: bytes, got: bytes) -> str:
    diff = difflib.unified_diff(
        want.decode(errors="replace").splitlines(),
        got.decode(errors="replace").splitlines(),
        f"golden/{path}",
        f"built/{path}",
        lineterm="",
        n=2,
    )
    return "\n".join(list(diff)[:40])


def test_sample_site_matches_golden_tree() -> None:
    result = render(REPO, TODAY)
    assert result.ok, result.failure
    if os.environ.get("NETSITE_UPDATE_GOLDEN"):
        refresh(result.files)
    golden = stored_tree()
    assert sorted(result.files) == sorted(golden), "the set of pages changed"
    changed = [p for p in sorted(golden) if golden[p] != result.files[p]]
    assert not changed, f"{len(changed)} files differ; first:\n" + first_difference(
        changed[0], golden[changed[0]], result.files[changed[0]]
    )


def test_sample_journal_has_no_problems() -> None:
    result = render(REPO, TODAY)
    assert result.problems == []


JSON_GOLDEN = Path(__file__).resolve().parent / "golden" / "sample-json"
JSON_COMMANDS = {
    "due.json": ["due", "--json"],
    "tree.json": ["tree", "--json"],
    "check.json": ["check", "--json"],
    "report-2026-W45.json": ["report", "--json", "--week", "2026-W45"],
    "report-this-week.json": ["report", "--json"],
}


def test_sample_json_outputs_match_golden(capsys) -> None:
    from netsite.cli import main

    for name, args in JSON_COMMANDS.items():
        code = main([*args, "--journal", str(REPO), "--today", TODAY.isoformat()])
        out = capsys.readouterr().out
        assert code == 0, name
        target = JSON_GOLDEN / name
        if os.environ.get("NETSITE_UPDATE_GOLDEN"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(out, encoding="utf-8")
        assert out == target.read_text(encoding="utf-8"), name


def test_a_windows_checkout_of_the_sample_builds_the_same_site(tmp_path: Path) -> None:
    """Files with CRLF line ends (git's autocrlf) give the same pages as the stored site."""
    for path in (REPO / "contacts").rglob("*.md"):
        target = tmp_path / path.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    shutil.copy(REPO / "netsite.toml", tmp_path / "netsite.toml")
    result = render(tmp_path, TODAY)
    assert result.ok and result.problems == []
    assert result.files == stored_tree()
