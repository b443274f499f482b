"""Small wording helpers shared by the terminal and the site."""

from __future__ import annotations

from datetime import date
from functools import lru_cache


def plural(count: int, word: str, many: str | None = None) -> str:
    """Return `1 contact` / `3 contacts`."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


@lru_cache(maxsize=4096)  # a site shows the same few hundred days again and again
def format_day(value: date | None, style: str = "short") -> str:
    """Format a date for people: `Mon 23 Nov 2026` (long) or `23 Nov` (short)."""
    if value is None:
        return "–"
    if style == "long":
        return value.strftime("%a %-d %b %Y")
    return value.strftime("%-d %b")
