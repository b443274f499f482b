"""Load a journal folder: config and every contact file, with problems collected, never raised."""

from __future__ import annotations

import errno
import os
from collections import Counter, defaultdict
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from .config import CONFIG_NAME, Config, parse_config
from .contact import Contact, parse_contact
from .digests import digest
from .problems import Problem, sort_problems

CONTACTS_DIR = "contacts"
ParseResult = tuple[Contact | None, tuple[Problem, ...]]
ParseCache = MutableMapping[tuple[str, str], ParseResult]
ParseFiles = Callable[[list[tuple[str, str]]], list[ParseResult]]  # (file path, relative path) pairs


@dataclass(frozen=True)
class Journal:
    """What a journal folder holds: usable contacts (sorted by id) and every problem found."""

    root: Path
    config: Config
    config_ok: bool
    contacts: tuple[Contact, ...]
    problems: tuple[Problem, ...]


def load_journal(
    root: Path,
    cache: ParseCache | None = None,
    parse_files: ParseFiles | None = None,
    names: list[str] | None = None,
) -> Journal:
    """Read netsite.toml and contacts/**/*.md under root; cache maps (path, digest) to parses.

    parse_files, when given, parses the (file, relative path) pairs instead: the build's own caches.
    names, when given, are the contact files (as contact_names lists them) the caller listed already.
    """
    config, config_problems = load_config(root)
    base = os.path.join(root, CONTACTS_DIR)
    names = contact_names(root) if names is None else names
    named = [(f"{base}{os.sep}{name}", f"{CONTACTS_DIR}/{name}") for name in names]
    if parse_files is not None:
        results = parse_files(named)
    else:
        results = [_parse_file(f, rel, cache) for f, rel in named]
    duplicated, id_problems = _duplicate_ids(named)
    contacts = [c for c, _ in results if c is not None and c.id not in duplicated]
    problems = [*config_problems, *id_problems, *(p for _, ps in results for p in ps)]
    return Journal(
        root=root,
        config=config or Config(),
        config_ok=config is not None,
        contacts=tuple(sorted(contacts, key=attrgetter("id"))),
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
    """List contact files, skipping hidden files and folders (editor droppings, .git).

    Like rglob: symlinked folders are not entered, symlinked files count; ordered as paths sort.
    """
    base = root / CONTACTS_DIR
    return [base / name for name in contact_names(root)]


def contact_names(root: Path) -> list[str]:
    """List contact files as posix paths below contacts/, in the order of contact_files."""
    found: list[tuple[str, ...]] = []
    if (root / CONTACTS_DIR).is_dir():
        _walk(str(root / CONTACTS_DIR), (), found)
    return ["/".join(parts) for parts in sorted(found)]


def _walk(folder: str, parts: tuple[str, ...], found: list[tuple[str, ...]]) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except PermissionError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, (*parts, entry.name), found)
        elif entry.name.endswith(".md") and _is_file(entry):
            found.append((*parts, entry.name))


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Tell whether an entry is (or links to) a file; a broken or looping link is not (as Path.is_file)."""
    try:
        return entry.is_file()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return False
        raise


def relative_path(root: Path, file: Path) -> str:
    """Return file's path below root in posix form (file must lie under root)."""
    return str(file)[len(str(root)) :].lstrip(os.sep).replace(os.sep, "/")


def contact_id(rel: str) -> str:
    """Return the id of the contact file at a relative path: its name without `.md`."""
    return rel.rsplit("/", 1)[-1].removesuffix(".md")


def read_bytes(file: str) -> bytes:
    """Read a whole file with plain system calls (Python's buffered open() costs twice as much)."""
    return read_with_stat(file, stat=False)[0]


def read_with_stat(file: str, stat: bool = True) -> tuple[bytes, os.stat_result | None]:
    """Read a whole file, and with stat its stat as it was opened, before any byte was read (so a
    change after it shows in a later stat); an fstat of the open file costs no second path lookup."""
    handle = os.open(file, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        before = os.fstat(handle) if stat else None
        chunks = []
        while chunk := os.read(handle, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks), before
    finally:
        os.close(handle)


def _parse_file(file: str, rel: str, cache: ParseCache | None) -> ParseResult:
    try:
        data = read_bytes(file)
    except OSError as exc:
        return None, (Problem(rel, None, "error", f"cannot read: {exc.strerror}"),)
    if cache is None:
        return parse_bytes(contact_id(rel), rel, data)
    key = (rel, digest(data))
    if key not in cache:
        cache[key] = parse_bytes(contact_id(rel), rel, data)
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


def _duplicate_ids(named: list[tuple[str, str]]) -> tuple[set[str], list[Problem]]:
    """Find ids (file stems) that more than one file has; all of those files are left out."""
    counts = Counter(contact_id(rel) for _, rel in named)
    if len(counts) == len(named):  # the usual case: ten thousand lists not made
        return set(), []
    by_id: dict[str, list[str]] = defaultdict(list)
    for _, rel in named:
        by_id[contact_id(rel)].append(rel)
    problems = [
        Problem(path, None, "error", f"id {cid!r} is also used by {_others(path, paths)}; both left out")
        for cid, paths in by_id.items()
        if len(paths) > 1
        for path in paths
    ]
    return {cid for cid, paths in by_id.items() if len(paths) > 1}, problems


def _others(path: str, paths: list[str]) -> str:
    return ", ".join(p for p in paths if p != path)
