"""Write a rendered site: the one place that touches output/, always by staging and swapping.

A build writes the new site into a sibling staging folder, hard-linking every file
whose bytes did not change (so its mtime and inode stay), then swaps the folders.
A build that dies leaves the old site whole. A manifest of digests marks the folder
as netsite's own; a folder without it is never replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".netsite-manifest.json"


class OutputError(Exception):
    """The site could not be written; the old output is untouched."""


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int


def digest(data: bytes) -> str:
    """Return a short content digest."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_site(out: Path, files: dict[str, bytes]) -> WriteStats:
    """Replace out with exactly files ({relative posix path: bytes}); skip it if nothing changed."""
    _check_paths(files)
    old = read_manifest(out)
    new = {path: digest(data) for path, data in files.items()}
    unchanged = {p for p, d in new.items() if old.get(p) == d and _intact(out, p)}
    removed = len(old.keys() - new.keys())
    if len(unchanged) == len(new) and not removed and old:
        return WriteStats(0, len(unchanged), 0)
    staging = _fresh_sibling(out, "staging")
    try:
        _fill(staging, out, files, unchanged)
        (staging / MANIFEST).write_text(json.dumps(new, sort_keys=True, indent=0), "utf-8")
        _swap(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {out}: {exc}") from exc
    return WriteStats(len(new) - len(unchanged), len(unchanged), removed)


def read_manifest(out: Path) -> dict[str, str]:
    """Return {path: digest} of the site in out; {} when empty; refuse a folder that is not ours."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder; refusing to replace it")
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}
    if any(out.iterdir()):
        raise OutputError(
            f"{out} is not empty and was not written by netsite (no {MANIFEST}); "
            "refusing to replace it: move it away or choose another journal folder"
        )
    return {}


def _check_paths(files: dict[str, bytes]) -> None:
    for path in files:
        parts = PurePosixPath(path).parts
        if not parts or path.startswith("/") or ".." in parts or path == MANIFEST:
            raise OutputError(f"refusing to write outside the site: {path!r}")


def _intact(out: Path, path: str) -> bool:
    """Tell whether a previously written file is still there as a regular file."""
    return (out / path).is_file()


def _fresh_sibling(out: Path, role: str) -> Path:
    """Make an empty folder next to out, clearing what an interrupted build left there."""
    sibling = out.with_name(f".{out.name}.{role}")
    if sibling.exists():
        shutil.rmtree(sibling)
    sibling.mkdir(parents=True)
    return sibling


def _fill(staging: Path, out: Path, files: dict[str, bytes], unchanged: set[str]) -> None:
    made: set[Path] = set()
    for path, data in files.items():
        target = staging / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if path in unchanged:
            try:
                os.link(out / path, target)
                continue
            except OSError:
                pass  # a file system without hard links: write the bytes instead
        target.write_bytes(data)


def _swap(staging: Path, out: Path) -> None:
    """Put staging in place of out; the old folder is removed only after the swap."""
    if not out.exists():
        staging.rename(out)
        return
    retired = _fresh_sibling(out, "old")
    retired.rmdir()
    out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)
