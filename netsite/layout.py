"""Where a journal's parts live: the folders a build reads, kept free of heavy imports."""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = "templates"


def default_templates() -> Path:
    """Return the folder of the built-in templates (inside the wheel, or the checkout's top level)."""
    packaged = Path(__file__).parent / "_templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / TEMPLATES_DIR


def template_dirs(root: Path) -> list[Path]:
    """Return the journal's own templates folder (if any) before the defaults."""
    own = root / TEMPLATES_DIR
    dirs = [own] if own.is_dir() else []
    defaults = default_templates()
    return dirs if defaults.resolve() in {d.resolve() for d in dirs} else [*dirs, defaults]
