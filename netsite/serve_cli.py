"""The `serve` subcommand: argument parsing only; netsite/serve.py does the work."""

from __future__ import annotations

import argparse

from .cli_support import Register, UsageError, add_command, journal_root, resolve_today

HELP = "serve the site on localhost, rebuild on every change and reload open pages"


def _register_serve(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "serve", HELP, run_serve)
    add = command.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    add("--port", type=int, default=8000, help="port (default: 8000, else the next free one)")
    add("--poll", action="store_true", help="poll for changes (file systems without inotify)")
    command.set_defaults(lasting=True)  # a long-lived process: it frees what it is done with


def run_serve(args: argparse.Namespace) -> int:
    """Serve the journal until Ctrl-C."""
    from . import serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"port {args.port} is not a port number (0 to 65535)")
    root = journal_root(args)
    resolve_today(args)  # a bad --today fails now, not at the first rebuild
    try:
        return serve.run(root, args.host, args.port, args.poll, lambda: resolve_today(args))
    except serve.ServeError as exc:
        raise UsageError(str(exc)) from exc


COMMANDS: list[Register] = [_register_serve]
