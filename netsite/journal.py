"""Load a journal folder: config and every contact file, with problems collected, never raised."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_NAME, Config, parse_config
from .contact import Contact, parse_contact
from .problems import Problem, sort_problems

CONTACTS_DIR = "contacts"
ParseResult = tuple[Contact | None, tuple[Problem, ...]]
ParseCache = MutableMapping[tuple[str, str], ParseResult]


@dataclass(frozen=True)
class Journal:
    """What a journal folder holds: usable contacts (sorted by id) and every problem found."""

    root: Path
    config: Config
    config_ok: bool
    contacts: tuple[Contact, ...]
    problems: tuple[Problem, ...]


def load_journal(root: Path, cache: ParseCache | None = None) -> Journal:
    """Read netsite.toml and contacts/**/*.md under root; cache maps (path, digest) to parses."""
    config, config_problems = load_config(root)
    files = contact_files(root)
    results = [_parse_file(root, f, cache) for f in files]
    duplicated, id_problems = _duplicate_ids(root, files)
    contacts = [c for c, _ in results if c is not None and c.id not in duplicated]
    problems = [*config_problems, *id_problems, *(p for _, ps in results for p in ps)]
    return Journal(
        root=root,
        config=config or Config(),
        config_ok=config is not None,
        contacts=tuple(sorted(contacts, key=lambda c: c.id)),
        problems=tuple(sort_problems(problems)),
    )


def load_config(root: Path) -> tuple[Config | None, list[Problem]]:
    """Read netsite.toml if present; defaults when absent."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return Config(), []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(CONFIG_NAME, None, "error", f"cannot read: {exc}")]
    return parse_config(text, CONFIG_NAME)


def contact_files(root: Path) -> list[Path]:
    """List contact files, skipping hidden files and folders (editor droppings, .git)."""
    base = root / CONTACTS_DIR
    if not base.is_dir():
        return []
    found = (p for p in base.rglob("*.md") if p.is_file())
    return sorted(p for p in found if not _hidden(p.relative_to(base)))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _parse_file(root: Path, file: Path, cache: ParseCache | None) -> ParseResult:
    rel = file.relative_to(root).as_posix()
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, (Problem(rel, None, "error", f"cannot read: {exc.strerror}"),)
    if cache is None:
        return parse_bytes(file.stem, rel, data)
    key = (rel, hashlib.blake2b(data, digest_size=16).hexdigest())
    if key not in cache:
        cache[key] = parse_bytes(file.stem, rel, data)
    return cache[key]


def parse_bytes(contact_id: str, rel: str, data: bytes) -> ParseResult:
    """Decode a contact file as UTF-8 and parse it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        return None, (Problem(rel, line, "error", message),)
    contact, problems = parse_contact(contact_id, rel, text)
    return contact, tuple(problems)


def _duplicate_ids(root: Path, files: list[Path]) -> tuple[set[str], list[Problem]]:
    """Find ids (file stems) that more than one file has; all of those files are left out."""
    by_id: dict[str, list[str]] = defaultdict(list)
    for file in files:
        by_id[file.stem].append(file.relative_to(root).as_posix())
    problems = [
        Problem(path, None, "error", f"id {cid!r} is also used by {_others(path, paths)}; both left out")
        for cid, paths in by_id.items()
        if len(paths) > 1
        for path in paths
    ]
    return {cid for cid, paths in by_id.items() if len(paths) > 1}, problems


def _others(path: str, paths: list[str]) -> str:
    return ", ".join(p for p in paths if p != path)
