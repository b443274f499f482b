"""Shared fixtures: throwaway journals on disk and the CLI run in-process with captured output."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from netsite.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_root() -> Path:
    """Return the repository root, which is itself a journal (contacts/ and netsite.toml)."""
    return REPO_ROOT


@pytest.fixture(autouse=True)
def _no_netsite_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a NETSITE_TODAY from the caller's shell out of every test."""
    monkeypatch.delenv("NETSITE_TODAY", raising=False)


def write_journal(root: Path, files: Mapping[str, str | bytes], config: str | None = None) -> Path:
    """Write contacts/<name> for each file (text byte for byte, as UTF-8) and netsite.toml; return root."""
    contacts = root / "contacts"
    contacts.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = contacts / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        path.write_bytes(data)
    if config is not None:
        (root / "netsite.toml").write_bytes(config.encode("utf-8"))
    return root


@pytest.fixture
def make_journal() -> Callable[..., Path]:
    """Return write_journal: make_journal(tmp_path, {"jane.md": "---\\nname: Jane\\n---\\n"}, config)."""
    return write_journal


@dataclass(frozen=True)
class CliResult:
    """What one `netsite` invocation did: exit code and captured output."""

    code: int
    out: str
    err: str

    def json(self) -> object:
        """Parse stdout as JSON."""
        return json.loads(self.out)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Return a function that runs netsite.cli.main(args) and captures exit code, stdout and stderr."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
