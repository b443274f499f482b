"""What every subcommand module shares: exit codes, usage errors, the journal folder and TODAY."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
Register = Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]


class UsageError(Exception):
    """The command line or its inputs are unusable (exit 2)."""


def add_command(
    sub: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    name: str,
    help_text: str,
    run: Callable[[argparse.Namespace], int],
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """Add a subcommand taking the common options (--journal, --today) and running `run`."""
    command = sub.add_parser(
        name,
        parents=[common],
        help=help_text,
        description=help_text,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(run=run)
    return command


def journal_root(args: argparse.Namespace) -> Path:
    """Return the journal folder named by --journal, else the current one."""
    root = (args.journal or Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(f"journal folder {root} does not exist")
    return root


def resolve_today(args: argparse.Namespace) -> date:
    """Return --today, else $NETSITE_TODAY, else the local date."""
    text = getattr(args, "today", None) or os.environ.get("NETSITE_TODAY")
    if not text:
        return date.today()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"today {text!r} is not a date written YYYY-MM-DD") from exc
