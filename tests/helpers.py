"""Helpers several test files share (fixtures live in conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netsite.cli import main

INTERCHANGE = Path(__file__).parent / "fixtures" / "interchange"
# SPEC §5: the keys `report --json` prints.
REPORT_KEYS = frozenset(
    {"week", "start", "end", "new_contacts", "reached", "conversations", "referrals"}
    | {"referrals_per_conversation", "thanks_sent", "updates_sent", "network_size", "goals"}
)


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Run netsite in-process; return exit code, stdout and stderr."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def journal_copy(tmp_path: Path) -> Path:
    """Copy the hand-written fixture journal (comments, odd quoting, no final newline)."""
    root = tmp_path / "journal"
    shutil.copytree(INTERCHANGE / "journal", root)
    return root
