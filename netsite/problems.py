"""Problems: errors and warnings as values, each with the file and line it is about."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .words import plural

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a journal file, located as precisely as the input allows."""

    path: str
    line: int | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.severity}: {self.message}"

    def as_json(self) -> dict[str, object]:
        """Return the problem in the shape `check --json` prints."""
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
        }


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems by path, then line (unknown lines first), then severity and text."""
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.severity, p.message))


def has_errors(problems: Iterable[Problem]) -> bool:
    """Tell whether any problem is an error."""
    return any(p.severity == "error" for p in problems)


def problem_level(problems: Sequence[Problem]) -> str:
    """Say how bad the problems are at worst: "bad" (errors), "warn" (warnings only) or "" (none)."""
    return ("bad" if has_errors(problems) else "warn") if problems else ""


def count_errors(problems: Iterable[Problem]) -> int:
    """Count the problems that are errors."""
    return sum(p.severity == "error" for p in problems)


def counts_text(problems: Sequence[Problem]) -> str:
    """Say how many errors and warnings there are: `2 errors, 1 warning`."""
    errors = count_errors(problems)
    return f"{plural(errors, 'error')}, {plural(len(problems) - errors, 'warning')}"
