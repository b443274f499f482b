"""The `netsite` command: parse arguments, run one pipeline step, print, exit. Nothing else."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import __version__, authoring_cli, serve_cli
from .build import build
from .cli_support import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Register,
    UsageError,
    add_command,
    journal_root,
    resolve_today,
)
from .journal import load_journal
from .model import Network, build_network
from .problems import Problem, counts_text, has_errors, sort_problems
from .views import check_json, due_json, due_lines, json_chunks, report_lines, tree_json, tree_lines
from .weekly import Week
from .words import plural
from .workers import collect_no_cycles, ending_at_once, keep_freed_memory


def run() -> None:
    """Run netsite as a command (the `netsite` script), and leave as soon as it is done.

    Nothing is left to clean up by then (every file is closed), and tearing down a large model
    object by object costs a tenth of a second at 10,000 contacts, so the process ends at once.
    """
    code = main(one_shot=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, one_shot: bool = False) -> int:
    """Run netsite with argv (default: sys.argv) and return the exit code.

    one_shot: the process ends as soon as the command is done (run), so a command that does not
    last (all but serve) leaves its memory to the end, has malloc keep what it frees, and has the
    garbage collector look for no cycles.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = make_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    if one_shot and not getattr(args, "lasting", False):
        ending_at_once()
        keep_freed_memory()
        collect_no_cycles()
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"netsite: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand, or only with command if it is one (the
    others cost every command 3 ms to set up, and only `netsite --help` lists them)."""
    parser = argparse.ArgumentParser(prog="netsite", description=__doc__)
    parser.add_argument("--version", action="version", version=f"netsite {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--journal", type=Path, default=None, help="journal folder (default: .)")
    common.add_argument("--today", help="date to compute from, YYYY-MM-DD (or $NETSITE_TODAY)")
    sub = parser.add_subparsers(metavar="COMMAND")
    named = [r for r in COMMANDS if r.__name__ == f"_register_{command}"]
    for register in named or COMMANDS:
        register(sub, common)
    return parser


def load_network(args: argparse.Namespace) -> Network:
    """Load the journal and compute the model for the commands that only read."""
    journal = load_journal(journal_root(args))
    return build_network(journal, resolve_today(args))


def print_problems(problems: Iterable[Problem]) -> None:
    """Print problems as `path:line: severity: message`, one per line, to stderr."""
    for problem in problems:
        print(problem, file=sys.stderr)


def print_json(data: object) -> None:
    """Print data as indented JSON, written piece by piece (a deep tree would take seconds whole)."""
    sys.stdout.writelines(json_chunks(data))
    print()


# --- build -------------------------------------------------------------------------------


def _register_build(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "build", "render the site into output/", run_build)
    command.add_argument("--strict", action="store_true", help="fail on any problem")


def run_build(args: argparse.Namespace) -> int:
    root = journal_root(args)
    result = build(root, resolve_today(args), strict=args.strict)
    print_problems(result.problems)
    if not result.ok:
        print(f"netsite: build failed: {result.failure}", file=sys.stderr)
        return EXIT_PROBLEMS
    stats = result.stats
    people = result.contacts
    changed = f"{stats.written} written, {stats.unchanged} unchanged" if stats else ""
    print(f"built {root / 'output'}: {plural(people, 'contact')}, {len(result.files)} files ({changed})")
    summary = _problem_summary(result.problems)
    if summary:
        print(summary, file=sys.stderr)
    return EXIT_OK


def _problem_summary(problems: list[Problem]) -> str:
    return f"{counts_text(problems)} (see the Problems page)" if problems else ""


# --- check -------------------------------------------------------------------------------


def _register_check(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "check", "validate the journal", run_check)
    command.add_argument("--json", action="store_true", help="print problems as JSON")


def run_check(args: argparse.Namespace) -> int:
    network = load_network(args)
    problems = sort_problems(list(network.problems))
    if args.json:
        print_json(check_json(problems))
    else:
        for problem in problems:
            print(problem)
        print(_problem_summary(problems) or f"ok: {plural(len(network.contacts), 'contact')}, no problems")
    return EXIT_PROBLEMS if has_errors(problems) else EXIT_OK


# --- due, report, tree ---------------------------------------------------------------------


def _register_due(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "due", "what is due: thank-yous, follow-ups, warm leads", run_due)
    command.add_argument("--json", action="store_true", help="every item as JSON")
    command.add_argument("--all", action="store_true", help="also items more than 14 days away")


def run_due(args: argparse.Namespace) -> int:
    network = load_network(args)
    if args.json:
        print_json(due_json(network))
    else:
        print("\n".join(due_lines(network, args.all)).rstrip())
    return EXIT_OK


def _register_report(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "report", "the weekly report against the goals", run_report)
    command.add_argument("--week", help="ISO week such as 2026-W47 (default: this week)")
    command.add_argument("--json", action="store_true", help="print the report as JSON")


def run_report(args: argparse.Namespace) -> int:
    network = load_network(args)
    try:
        week = Week.parse(args.week) if args.week else Week.of(network.today)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    report = network.reports([week])[0]
    if args.json:
        print_json(report.as_json())
    else:
        print("\n".join(report_lines(report)))
    return EXIT_OK


def _register_tree(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "tree", "the referral forest", run_tree)
    command.add_argument("--json", action="store_true", help="print the forest as JSON")


def run_tree(args: argparse.Namespace) -> int:
    network = load_network(args)
    if args.json:
        print_json(tree_json(network))
    else:
        print("\n".join(tree_lines(network)))
    return EXIT_OK


COMMANDS: list[Register] = [
    _register_build,
    _register_check,
    _register_due,
    _register_report,
    _register_tree,
    *serve_cli.COMMANDS,
    *authoring_cli.COMMANDS,
]

if __name__ == "__main__":
    sys.exit(main())
