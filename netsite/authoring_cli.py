"""Subcommands that write to the journal or exchange data: init, new, log, import, export."""

from __future__ import annotations

import argparse
from collections.abc import Callable

COMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = []
