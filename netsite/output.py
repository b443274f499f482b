"""Write a rendered site: the one place that touches output/, always by staging and swapping.

A build writes the new site into a staging folder, hard-linking every file whose bytes did not
change (so its mtime and inode stay), then swaps the folders: in one step where the system can
exchange two folders (Linux), else by two renames. A build that dies leaves the old site whole.
A cached build stages in the site the previous swap retired (kept in `.netsite/`), so only the
files that differ from it are touched. A manifest of digests marks a folder as netsite's own; a
folder without it is never replaced. When no byte would change, nothing at all is written.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import ne
from pathlib import Path

from .digests import digest

MANIFEST = ".netsite-manifest.json"
TRASH = "trash"  # beside the spare site: retired sites waiting to be deleted, never read


class OutputError(Exception):
    """The site could not be written; the old output is untouched."""


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int


def write_site(
    out: Path, files: Mapping[str, bytes], spare: Path | None = None, sums: Mapping[str, str] | None = None
) -> WriteStats:
    """Replace out with exactly files ({relative posix path: bytes}); skip it if nothing changed.

    Given spare, the site this replaces is kept there, and the next write only touches the files
    that differ from it (see Staging). sums, if given, is the digest of every file.
    """
    check_paths(files)
    old = read_manifest(out)
    new = dict(sums) if sums is not None else {path: digest(data) for path, data in files.items()}
    there = present_files(out) if old else set()
    changed = {p for p, d in new.items() if old.get(p) != d or p not in there}
    if not changed and old.keys() == new.keys():
        return WriteStats(0, len(new), 0)
    staging = Staging(out, spare)
    try:
        for path in changed:
            staging.put(path, files[path])
        return staging.commit(old, new, changed, present=there)
    except OSError as exc:
        staging.discard()
        raise OutputError(f"cannot write {out}: {exc}") from exc


def clone_site(out: Path, copy: Path) -> None:
    """Make copy (a new folder) hold the site in out, in hard links to its files.

    The manifest, listing the files linked, is written last: a copy cut short has none, and a
    Staging that reuses it clears it.
    """
    made: set[str] = set()
    linked = {}
    for path, sum_ in (_manifest(out) or {}).items():
        target = _in_folder(os.fspath(copy), path, made)
        with contextlib.suppress(OSError):  # gone, or no hard links here: the copy goes without
            os.link(os.path.join(out, path), target)
            linked[path] = sum_
    copy.mkdir(parents=True, exist_ok=True)
    (copy / MANIFEST).write_text(manifest_text(linked), "utf-8")


def _in_folder(folder: str, path: str, made: set[str]) -> str:
    """Return where path goes in folder, making its parent folder unless made already (kept in made)."""
    target = os.path.join(folder, path)
    parent = os.path.dirname(target)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    return target


def read_manifest(out: Path) -> dict[str, str]:
    """Return {path: digest} of the site in out; {} when empty; refuse a folder that is not ours."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder; refusing to replace it")
    manifest = _manifest(out)
    if manifest is not None:
        return manifest
    if any(out.iterdir()):
        raise OutputError(
            f"{out} is not empty and was not written by netsite (no {MANIFEST}); "
            "refusing to replace it: move it away or choose another journal folder"
        )
    return {}


def _manifest(folder: Path) -> dict[str, str] | None:
    """Return the manifest a folder holds ({path: digest}), or None when it has none that reads."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None


def manifest_text(files: Mapping[str, str]) -> str:
    """Return the manifest of files ({path: digest}) as json.dumps(sorted, indent=0) writes it.

    Written by hand because json's indenting encoder is pure Python: a third of a write's time.
    """
    if not files:
        return "{}"
    paths = sorted(files)  # a path is listed once: no need to sort (path, digest) pairs
    if _PLAIN.fullmatch("".join(files) + "".join(files.values())):  # each its own JSON, quoted
        return '{\n"' + '",\n"'.join([f'{path}": "{files[path]}' for path in paths]) + '"\n}'
    pairs = (f"{_json_text(path)}: {_json_text(files[path])}" for path in paths)
    return "{\n" + ",\n".join(pairs) + "\n}"


_json_text = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
# What makes check_paths look at each path alone: a path that starts with "/", a part that starts
# with "." (every ".." part does, and the manifest), an empty path. A few good paths are looked at
# again, and pass.
_SUSPECTS = ("\n/", "/.", "\n.", "\n\n")
_PLAIN = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but " and \: what JSON writes as it is


def check_paths(paths: Mapping[str, object] | list[str]) -> None:
    """Refuse any path that would land outside the site or on the manifest."""
    listed = "\n" + "\n".join(paths) + "\n"  # ten thousand paths at once; one alone only if it may be bad
    if not any(suspect in listed for suspect in _SUSPECTS):
        return
    for path in paths:
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if not parts or path.startswith("/") or ".." in parts or path == MANIFEST:
            raise OutputError(f"refusing to write outside the site: {path!r}")


def present_files(out: Path) -> set[str]:
    """List every regular file under out (relative posix paths), from one directory listing per folder."""
    found: set[str] = set()
    folders = [("", os.fspath(out))]
    while folders:
        prefix, folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                found.add(prefix + entry.name)
            elif entry.is_dir(follow_symlinks=False):
                folders.append((f"{prefix}{entry.name}/", entry.path))
    return found


@dataclass
class Staging:
    """A new site being put together beside out; nothing in out changes until commit().

    Given spare (a folder on the same file system, kept between builds), the site the last swap
    retired is kept there and brought up to date, so that a build changes only the files that
    differ from it and out is replaced in one step; otherwise a fresh folder beside out is filled.
    """

    out: Path
    spare: Path | None = None
    folder: Path = field(init=False)
    base: dict[str, str] = field(default_factory=dict, init=False)  # what the reused folder holds
    made: set[str] = field(default_factory=set, init=False)
    touched: bool = field(default=False, init=False)  # the reused folder's manifest is gone

    def __post_init__(self) -> None:
        if self.spare is not None and _same_device(self.spare.parent, self.out.parent):
            self.folder, self.base = self.spare, _reusable(self.spare)
        else:
            self.folder = _cleared_sibling(self.out, "staging")

    def put(self, path: str, data: bytes) -> str:
        """Write one file of the new site (safe to call from forked worker processes); return where.

        The staging folder itself is made by the first put: a build that writes nothing makes nothing.
        """
        target = self._target(path)
        if self.base:
            self._unlink(target)  # never write into a file the live site may share
        _write_file(target, data)
        return target

    def commit(
        self,
        old: Mapping[str, str],
        new: Mapping[str, str],
        written: set[str],
        store: PageStore | None = None,
        present: set[str] | None = None,
    ) -> WriteStats:
        """Carry every file not written over, record the manifest and swap the folders in.

        A file comes from the old site when it is listed there with the same digest (and, given
        present, the files of out, is there), else from the store; a reused folder keeps the files
        it already holds with the right digest, and loses the ones the new site does not have.
        """
        held = present_files(self.folder) if self.base else set()
        for path in new.keys() - written:
            if self.base.get(path) == new[path] and path in held:
                continue
            listed = old.get(path) == new[path] and (present is None or path in present)
            self._keep(path, listed, new[path], store)
        for path in held - new.keys():
            self._unlink(os.path.join(self.folder, path), prune=True)
        manifest = manifest_text(new)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / MANIFEST).write_text(manifest, "utf-8")
        keep = self.spare is not None and self.folder == self.spare
        _swap(self.folder, self.out, keep=keep)
        if keep and old and _mostly_changed(old, new):
            set_aside(self.folder)  # the retired site, now the spare: see set_aside
        return WriteStats(len(written), len(new) - len(written), len(old.keys() - new.keys()))

    def discard(self) -> None:
        """Remove the staging folder, leaving out as it was (a spare nothing was changed in stays)."""
        if not (self.base and (self.folder / MANIFEST).exists()):
            shutil.rmtree(self.folder, ignore_errors=True)

    def _keep(self, path: str, listed: bool, sum_: str, store: PageStore | None) -> None:
        """Carry an unchanged file over from the old site if it is listed there, else from the store.

        A hard link, or a copy where links are not possible.
        """
        target = self._target(path)
        if self.base:
            self._unlink(target)
        source = os.path.join(self.out, path) if listed or store is None else store.path(sum_)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)

    def _target(self, path: str) -> str:
        """Return where a file of the new site goes, making its folder the first time."""
        return _in_folder(os.fspath(self.folder), path, self.made)

    def _unlink(self, target: str, prune: bool = False) -> None:
        """Remove a file of the reused folder (and, with prune, the folders it leaves empty).

        The first change drops the folder's manifest: a build that dies midway leaves it unknown.
        """
        if not self.touched:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.folder / MANIFEST)
            self.touched = True
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        parent = os.path.dirname(target)
        while prune and parent != os.fspath(self.folder) and not os.listdir(parent):
            os.rmdir(parent)
            self.made.discard(parent)
            parent = os.path.dirname(parent)


def _mostly_changed(old: Mapping[str, str], new: Mapping[str, str]) -> bool:
    """Tell whether more than half the files of the site old lists differ from new's, or are gone."""
    differ = sum(map(ne, map(old.get, new), new.values())) + len(old.keys() - new.keys())
    return 2 * differ > max(len(old), len(new))


def set_aside(spare: Path) -> None:
    """Move a retired site that is mostly out of date into the trash beside it, to be swept later.

    Bringing it up to date would cost the next build an unlink of every stale file, most of them
    the last link to their bytes: the file system frees their blocks there and then, at 10,000
    contacts 0.9 to 1.3 s in each process that writes. Without a spare, the next build links the
    live site into a new one instead (a tenth of that, beside loading), and the trash is deleted
    by a process of its own (sweep_sites).

    At most one site waits in the trash: while one does (builds that may rewrite every page, one
    after another, do not sweep), the retired site stays the spare, brought up to date as before.
    """
    trash = spare.with_name(TRASH)
    if set_aside_sites(spare):
        return
    with contextlib.suppress(OSError):  # it stays the spare, and is brought up to date as before
        trash.mkdir(exist_ok=True)
        spare.rename(trash / os.urandom(8).hex())


def set_aside_sites(spare: Path) -> list[str]:
    """List the sites set aside beside spare (see set_aside)."""
    try:
        return [entry.path for entry in os.scandir(spare.with_name(TRASH))]
    except OSError:
        return []


def sweep_sites(folders: list[str]) -> None:
    """Delete sites set aside (see set_aside); anything else found in the trash goes too, a link
    without what it points to."""
    for folder in folders:
        if os.path.isdir(folder) and not os.path.islink(folder):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(folder)


def _same_device(a: Path, b: Path) -> bool:
    """Tell whether two existing folders are on one file system (so a rename can move between them)."""
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def _reusable(spare: Path) -> dict[str, str]:
    """Return the manifest of a spare site; clear the folder when it has none (a build died in it)."""
    manifest = _manifest(spare)
    if manifest:
        return manifest
    shutil.rmtree(spare, ignore_errors=True)
    return {}


class PageStore:
    """The pages of earlier builds by content digest: more hard links to the files of output/.

    It takes no space of its own, and lets a page whose keys say it is unchanged be carried into a
    new site even when output/ was deleted. A page is checked against its digest before it is reused
    from here (its file is shared with output/, where it may have been edited in place).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.checked: dict[str, bool] = {}

    @cached_property
    def digests(self) -> set[str]:
        """Return the digests of the pages in the store (listed when first needed: most builds never ask)."""
        try:
            return {entry.name for entry in os.scandir(self.folder) if entry.is_file()}
        except OSError:
            return set()

    def intact(self, sum_: str) -> bool:
        """Tell whether a page with this digest is in the store, its bytes checked against the digest."""
        if sum_ not in self.checked:
            self.checked[sum_] = sum_ in self.digests and _holds(self.path(sum_), sum_)
        return self.checked[sum_]

    def path(self, sum_: str) -> str:
        """Return where the page with this digest is kept."""
        return os.path.join(self.folder, sum_)

    def add(self, file: str, sum_: str) -> None:
        """Link one new page into the store as soon as it is written (safe from forked workers)."""
        try:
            os.link(file, self.path(sum_))
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                self.folder.mkdir(parents=True, exist_ok=True)
                os.link(file, self.path(sum_))
        except OSError:  # there already, or no hard links here: remember() sees to it
            pass

    def remember(self, out: Path, files: Mapping[str, str]) -> None:
        """Link the pages of the site in out into the store, and drop the pages it no longer has."""
        wanted = set(files.values())
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.digests = {entry.name for entry in os.scandir(self.folder)}  # workers added some
            for path, sum_ in files.items():
                if sum_ not in self.digests:
                    os.link(os.path.join(out, path), os.path.join(self.folder, sum_))
                    self.digests.add(sum_)
            for stale in self.digests - wanted:
                os.unlink(os.path.join(self.folder, stale))
                self.digests.discard(stale)
        except OSError:  # no hard links here, or no room: the store is only a shortcut
            return


def _holds(path: str, sum_: str) -> bool:
    """Tell whether the file at path has this digest."""
    try:
        with open(path, "rb") as handle:
            return digest(handle.read()) == sum_
    except OSError:
        return False


def _write_file(path: str, data: bytes) -> None:
    """Create a file with data: three system calls, where Python's open() makes six."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _cleared_sibling(out: Path, role: str) -> Path:
    """Name a folder next to out, clearing what an interrupted build left there."""
    sibling = out.with_name(f".{out.name}.{role}")
    if sibling.exists():
        shutil.rmtree(sibling)
    return sibling


def _swap(staging: Path, out: Path, keep: bool = False) -> None:
    """Put staging in place of out; the old site is kept at staging's place with keep, else removed.

    Where the system can (Linux), the two folders are exchanged in one step, so that out is never
    missing; elsewhere out is renamed aside first.
    """
    if not out.exists():
        staging.rename(out)
        return
    if keep and _exchange(staging, out):
        return
    retired = _cleared_sibling(out, "old")
    out.rename(retired)
    staging.rename(out)
    if keep:
        retired.rename(staging)
    else:
        shutil.rmtree(retired, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with renameat2(); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):  # no C library by that call here (macOS, Windows)
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(number, os.strerror(number), os.fspath(a))


class SiteFiles(Mapping[str, bytes]):
    """The files of a written site, read from disk only when asked for (a build need not hold them)."""

    def __init__(self, out: Path, paths: list[str], held: Mapping[str, bytes] | None = None) -> None:
        self.out, self.paths, self.held = out, dict.fromkeys(paths), held or {}

    def __getitem__(self, path: str) -> bytes:
        if path not in self.paths:
            raise KeyError(path)
        if path in self.held:
            return self.held[path]
        return (self.out / path).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)
