"""The `serve` subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Callable

COMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = []
