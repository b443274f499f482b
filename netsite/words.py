"""Small wording helpers shared by the terminal and the site."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """Return `1 contact` / `3 contacts`."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
