"""Where a journal's parts live: the folders a build reads, kept free of heavy imports."""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = "templates"


def default_templates() -> Path:
    """Return the folder of the built-in templates (inside the wheel, or the checkout's top level)."""
    packaged = Path(__file__).parent / "_templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / TEMPLATES_DIR


def template_dirs(root: Path) -> list[Path]:
    """Return the journal's own templates folder (if any) before the defaults.

    A folder that holds exactly the defaults (a copy, or the checkout's own) counts as the defaults,
    so that the builds made for them (page keys, contact pages in Python) still apply.
    """
    own, defaults = root / TEMPLATES_DIR, default_templates()
    if not own.is_dir() or _same_files(own, defaults):
        return [defaults]
    return [own, defaults]


def _same_files(a: Path, b: Path) -> bool:
    """Tell whether two folders hold the same files with the same bytes."""
    try:
        if a.resolve() == b.resolve():
            return True
        files = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
        if files != {p.relative_to(b) for p in b.rglob("*") if p.is_file()}:
            return False
        return all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    except OSError:  # unreadable: the build reads it as the journal's own, and says what is wrong
        return False
