"""The build pipeline: load → model → render → write, as one function the CLI and server call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .journal import ParseCache, load_journal
from .model import Network, build_network
from .output import OutputError, WriteStats, write_site
from .problems import Problem, has_errors
from .site import RenderError, render_site

OUTPUT_DIR = "output"


@dataclass
class BuildResult:
    """What a build did: the problems found, the files rendered, and why it failed, if it did."""

    problems: list[Problem] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    network: Network | None = None
    failure: str | None = None
    stats: WriteStats | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class Builder:
    """Build one journal again and again, keeping what a rebuild can reuse (used by serve and bench)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parse_cache: ParseCache = {}

    def build(self, today: date, strict: bool = False, write: bool = True) -> BuildResult:
        """Render the journal and (when write) swap the result into output/."""
        if write:
            return build(self.root, today, strict, self.parse_cache)
        return render(self.root, today, self.parse_cache)


def render(root: Path, today: date, cache: ParseCache | None = None) -> BuildResult:
    """Load, model and render a journal in memory; nothing is written."""
    journal = load_journal(root, cache)
    problems = list(journal.problems)
    if not journal.config_ok:
        return BuildResult(problems, failure="netsite.toml cannot be read; fix it and build again")
    network = build_network(journal, today)
    try:
        files = render_site(network, root)
    except RenderError as exc:
        return BuildResult(list(network.problems), network=network, failure=str(exc))
    return BuildResult(list(network.problems), files, network)


def build(root: Path, today: date, strict: bool = False, cache: ParseCache | None = None) -> BuildResult:
    """Render a journal and, unless it failed (or --strict found problems), swap it into output/."""
    result = render(root, today, cache)
    if result.ok and strict and result.problems:
        kind = "errors" if has_errors(result.problems) else "warnings"
        result.failure = f"--strict: {len(result.problems)} problems ({kind}); output/ left as it was"
    if result.ok:
        try:
            result.stats = write_site(root / OUTPUT_DIR, result.files)
        except OutputError as exc:
            result.failure = str(exc)
    return result
