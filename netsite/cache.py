"""The build cache: what a build can reuse from the last one, kept in `.netsite/` (safe to delete).

Three things are kept, each keyed so that it can never be wrong:

- parses of contact files, by path and content digest; a file's digest is trusted without reading
  the file again only while its size, times and inode are unchanged and were already two seconds
  old when it was read (so an edit in the same clock tick cannot hide);
- notes HTML, by the note's digest and the answers its wikilinks got (see notes.CachedNotes);
- the digest of each page, by a key of everything that page's default template reads (see pagekeys),
  with the parts of the network's shape those keys were made for, by the shape's digest (read only
  when the shape changed, to tell which pages the change can reach).

The whole cache is versioned by the digest of netsite's own code, default templates and the
versions of the libraries that shape the output, and a cache that cannot be read is ignored.
Parses are saved in shards, so that an edit rewrites one. A separate small stamp lets a build
that would change nothing stop after one stat call per input file.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import shutil
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .digests import digest
from .journal import ParseResult, contact_id, parse_bytes, read_bytes, read_with_stat
from .model import ModelMemo
from .output import MANIFEST, PageStore, clone_site, set_aside_sites, sweep_sites
from .problems import Problem
from .workers import Helper, pickled

if TYPE_CHECKING:
    from .shortcuts import Inputs

CACHE_DIR = ".netsite"
CACHE_FILE = "build-cache.pickle"
NOTE_SHARDS = 32  # notes are saved in this many files: an edit rewrites one, a page reads one
STAMP_FILE = "build-stamp.pickle"
FOREST_FILE = "forest.pickle"
SPANS_FILE = "spans.pickle"  # where contact pages show their notes (see BuildCache.spans)
PEOPLE_FILE = "people.pickle"  # the id and name of every contact (see BuildCache.people_shape)
SPANS_KEPT = 1_000  # spans changed since the spans file was written, past which it is written again
PAGES_DIR = "pages"
SPARE_DIR = "spare-site"
FORMAT = 3
SETTLED_NS = 2_000_000_000  # a file this much older than the moment it was read cannot change unseen

StatKey = int  # mtime_ns, ctime_ns, size and inode in one number (stat_key)
Item = tuple[str, str, bytes | str]  # contact id, relative path, bytes or the path to read them from
# Runs work (items -> Parsed) over groups of items, maybe in worker processes; results by group.
Parse = Callable[[Callable[[list[Item]], list[Any]], list[list[Item]]], list[list[Any]]]


def stat_key(st: os.stat_result) -> StatKey:
    """Return what changes whenever a file's content can have changed: its modification and change
    times, size and inode, 64 bits each, in one number (one object, where a tuple is five: each build
    reads and compares ten thousand)."""
    times = (st.st_mtime_ns << 64) | st.st_ctime_ns % _WORD
    return (times << 128) | (st.st_size % _WORD) << 64 | st.st_ino % _WORD


def settled(key: StatKey, now_ns: int) -> bool:
    """Tell whether a file was last changed long enough before now_ns for its stat to vouch for it."""
    changed = (key >> 128) % _WORD
    changed -= _WORD if changed >= _WORD >> 1 else 0  # a time before 1970 is negative
    return now_ns - max(key >> 192, changed) > SETTLED_NS


_WORD = 1 << 64


# The libraries whose version can change what a build makes (Python's own version is counted too),
# by distribution and by the package they install.
LIBRARIES = {
    "jinja2": "jinja2",
    "markupsafe": "markupsafe",
    "markdown": "markdown",
    "pyyaml": "yaml",
    "python-frontmatter": "frontmatter",
}


def code_version(extra: Iterable[Path] = ()) -> str:
    """Digest netsite's own source, default templates and libraries: other code never reuses a cache."""
    libraries = " ".join(_library_version(name, package) for name, package in LIBRARIES.items())
    h = hashlib.blake2b(f"{FORMAT} {__version__} {sys.version} {libraries}".encode(), digest_size=16)
    package = Path(__file__).parent
    for file in sorted([*package.glob("*.py"), *_files_under(extra)]):
        h.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def folder_digest(folders: Iterable[Path]) -> str:
    """Digest the names and bytes of every file under folders."""
    h = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for file in sorted(_files_under([folder])):
            h.update(file.relative_to(folder).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def _library_version(name: str, package: str) -> str:
    """Name a library's installed version: its dist-info folder beside its package, found without
    importlib.metadata (whose import alone costs a build 15 ms), or else what that says."""
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent.parent
        prefix = name.replace("-", "_").lower() + "-"
        with contextlib.suppress(OSError):
            found = [
                e for e in os.listdir(folder) if e.lower().startswith(prefix) and e.endswith(".dist-info")
            ]
            if len(found) == 1:  # else none, or two (an old one left behind): ask importlib.metadata
                return found[0]
    from importlib import metadata

    try:
        return f"{name}={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name}=?"


def _files_under(folders: Iterable[Path]) -> list[Path]:
    return [f for folder in folders if folder.is_dir() for f in folder.rglob("*") if f.is_file()]


@dataclass(frozen=True)
class _Unknown:
    """A contact file to parse: its bytes if they were read to look for it, else its path to read."""

    rel: str
    stat: StatKey | None  # None: not taken yet (the parser takes it as it opens the file)
    source: bytes | str


# What parsing one file gives: the parse, the digests of the file and of its front matter (None
# when the file could not be read), and its stat when it was read from its path (else None).
Parsed = tuple[ParseResult, str | None, str | None, StatKey | None]

# What the cache knows of one contact file: its stat, content digest, digest of everything before the
# notes (what pages other than its own can show), and whether the stat was old enough to vouch for it.
# A plain tuple, because ten thousand of them are unpickled on every build.
Known = tuple[StatKey, str, str, bool]
# Where a contact page shows its notes: the page's path and digest, and the byte span of the notes HTML
# (empty where a page that shows none would put them: contact_page.notes_place).
NotesSpan = tuple[str, str, int, int]
STAT, DIGEST, FRONT, SETTLED = range(4)
SHARDS = 32  # parses are saved in this many files: an edit rewrites one, a first build parses them in turns


class NotesMemo(MutableMapping[tuple[str, bool], Any]):
    """The notes memo (notes.CachedNotes), kept in NOTE_SHARDS files by the digest of each note's
    text, and each read only when a note of it is first looked up.

    A logged call renders the pages of one or two contacts: reading every note (5 MB at 10,000
    contacts, 10 ms and 12 MB) for them would be for nothing. Its size is known without reading it.
    """

    def __init__(
        self, held: Mapping | None = None, read: Callable[[int], dict] | None = None, size: int = 0
    ) -> None:
        """Hold the notes given, or read those of shard n with read(n) when first needed."""
        self._shards: list[dict | None] = [None] * NOTE_SHARDS
        self._read, self._size = read, size
        self.dirty: set[int] = set()  # the shards changed since they were read
        if held is not None or read is None:
            self._shards = [{} for _ in range(NOTE_SHARDS)]
            for key, value in (held or {}).items():
                self._shards[note_shard(key)][key] = value
            self._size = len(held or {})

    def shard(self, number: int) -> dict[tuple[str, bool], Any]:
        """Return the notes of one shard, read now if not yet (none, if it cannot be read: only a
        shortcut)."""
        found = self._shards[number]
        if found is None:
            try:
                found = self._read(number) if self._read is not None else {}
            except Exception:  # as in load_cache
                found = {}
            self._shards[number] = found
        return found

    def __getitem__(self, key: tuple[str, bool]) -> Any:
        return self.shard(note_shard(key))[key]

    def get(self, key: tuple[str, bool], default: Any = None) -> Any:
        return self.shard(note_shard(key)).get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.shard(note_shard(key))  # type: ignore[arg-type]

    def __setitem__(self, key: tuple[str, bool], value: Any) -> None:
        number = note_shard(key)
        notes = self.shard(number)
        self._size += key not in notes
        notes[key] = value
        self.dirty.add(number)

    def __delitem__(self, key: tuple[str, bool]) -> None:
        number = note_shard(key)
        del self.shard(number)[key]
        self._size -= 1
        self.dirty.add(number)

    def __iter__(self) -> Iterator[tuple[str, bool]]:
        for number in range(NOTE_SHARDS):
            yield from self.shard(number)

    def __len__(self) -> int:
        return self._size

    def update(self, added: Mapping[tuple[str, bool], Any] | None = None, /, **_: Any) -> None:  # type: ignore[override]
        for key, value in (added or {}).items():
            self[key] = value

    def keep(self, keys: set[tuple[str, bool]]) -> None:
        """Drop the notes whose keys are not among keys."""
        for number in range(NOTE_SHARDS):
            notes = self.shard(number)
            kept = {key: value for key, value in notes.items() if key in keys}
            if len(kept) != len(notes):
                self._shards[number], self._size = kept, self._size - len(notes) + len(kept)
                self.dirty.add(number)

    def save(self, folder: Path, version: str) -> None:
        """Write the shards changed since they were read."""
        for number in sorted(self.dirty):
            _save_versioned(folder / _notes_file(number), version, self.shard(number))
        self.dirty = set()


def note_shard(key: tuple[str, bool]) -> int:
    """Return which notes file a note's memo key belongs to."""
    return zlib.crc32(key[0].encode("utf-8", "surrogatepass")) % NOTE_SHARDS


def _notes_file(number: int) -> str:
    return f"notes-{number:02d}.pickle"


@dataclass
class BuildCache:
    """Parses, notes and page digests from earlier builds of one journal."""

    version: str = ""
    files: dict[str, Known] = field(default_factory=dict)
    parses: dict[tuple[str, str], ParseResult] = field(default_factory=dict)
    notes: NotesMemo = field(default_factory=lambda: NotesMemo({}))
    notes_size: int = 0  # how many notes the notes files hold
    pages: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # path -> coarse, fine key, digest
    # Where each contact's page shows its notes (contact file -> span), for the notes shortcut: those
    # changed since the spans file was written. A span is checked against its page before use, so
    # one left behind by a page made since is only of no use. Every build changes a few; reading
    # and writing all 10,000 each time would cost 10 ms.
    spans: dict[str, NotesSpan] = field(default_factory=dict)
    spans_file: dict[str, NotesSpan] | None = field(default=None, compare=False, repr=False)  # once read
    spans_dropped: bool = False  # every span is dropped (a journal with templates of its own)
    # The shape of the network (pagekeys.PageKeys.shape) of the last build, whose contacts' ids and
    # names the people file holds: what notes' wikilinks find (written when the shape changed).
    people_shape: str = ""
    # What the coarse keys of the contact pages in pages were made of (pagekeys.Basis; None: unknown).
    basis: Any = None
    allow_html: bool = False  # the site's allow_html, which notes were rendered with
    dirty: set[int] = field(default_factory=lambda: set(range(SHARDS)))  # parse shards to save
    folder: Path | None = field(default=None, compare=False)  # where a first build's workers save shards
    notes_held: bool = field(default=True, compare=False)  # False: notes were not loaded, nor to be saved
    # This build's notes memo key of each text, shared by the notes of the model and of the pages.
    note_keys: dict[str, tuple[str, bool]] = field(default_factory=dict, compare=False, repr=False)
    # The digest of what the last build's referral forest was made of (model.referral_digest), with
    # that forest and its problems (ModelMemo.forest); kept in a file of its own, written only when
    # the forest was made again.
    forest: tuple[str, Any] | None = field(default=None, compare=False, repr=False)
    forest_dirty: bool = field(default=False, compare=False, repr=False)

    def parse_files(
        self,
        named: list[tuple[str, str]],
        parse: Parse | None = None,
        stat_keys: Mapping[str, StatKey] | None = None,
    ) -> list[ParseResult]:
        """Parse contact files, reusing what is known; parse does the rest (in a pool, maybe).

        Files the cache has never seen are read by parse too, so that a first build reads them in
        its worker processes.
        """
        taken = stat_keys or {}
        found = self._settled(named, taken)
        for i in [i for i, hit in enumerate(found) if hit is None]:
            found[i] = self._recall(*named[i], taken.get(named[i][1]))
        todo = [item for item in found if isinstance(item, _Unknown)]
        whole = self._whole_shards(named, todo)
        groups: dict[int, list[Item]] = {}
        for u in todo:
            groups.setdefault(shard(u.rel), []).append((contact_id(u.rel), u.rel, u.source))
        work = partial(_parse_shard, self.version, self.folder) if whole else parse_serially
        parts = dict(zip(groups, (parse or _in_turn)(work, list(groups.values())), strict=True))
        lost = {number for number, part in parts.items() if part is None}  # its saved shard went missing
        for number in lost:
            parts[number] = parse_serially(groups[number])
        answers = {number: iter(part) for number, part in parts.items()}
        results = {u.rel: next(answers[shard(u.rel)]) for u in todo}  # each group is in todo's order
        for unknown in todo:
            result, sum_, front, stat = results[unknown.rel]
            key = unknown.stat or stat
            if sum_ is None or front is None or key is None:  # it could not be read
                self.files.pop(unknown.rel, None)
                continue
            self.parses[(unknown.rel, sum_)] = result
            self.dirty.add(shard(unknown.rel))
            self.remember(unknown.rel, key, sum_, front)
        self._forget_all_but({rel for _, rel in named})
        if whole:  # the workers saved every other shard that has files; the rest are saved empty
            self.dirty = lost | (set(range(SHARDS)) - groups.keys())
        return [results[item.rel][0] if isinstance(item, _Unknown) else item for item in found]

    def _whole_shards(self, named: list[tuple[str, str]], todo: list[_Unknown]) -> bool:
        """Tell whether the workers may save the parse shards: a first build, parsing every file."""
        return self.folder is not None and bool(todo) and len(todo) == len(named) and not self.parses

    def _settled(self, named: list[tuple[str, str]], taken: Mapping[str, StatKey]) -> list[Any]:
        """Return the known parse of each file whose stat, taken already, is that of bytes known to be
        settled (None for the others, which _recall looks at): in one pass, a third of the time."""
        files, parses, taken_of = self.files, self.parses, taken.get
        return [
            parses.get((rel, k[DIGEST]))
            if (k := files.get(rel)) is not None and k[SETTLED] and k[STAT] == taken_of(rel)
            else None
            for _, rel in named
        ]

    def _recall(self, file: str, rel: str, key: StatKey | None) -> ParseResult | _Unknown:
        """Return the known parse of a file, or what the parser needs (a read error is a result).

        key is the file's stat if it was taken already; for a file the cache does not know, the
        parser takes it as it opens the file, in a worker process on a first build.
        """
        known = self.files.get(rel)
        if known is None:  # nothing known to compare its bytes with: the parser reads them
            return _Unknown(rel, key, file)
        try:
            key = key or stat_key(os.stat(file))
            if known[SETTLED] and known[STAT] == key:
                hit = self.parses.get((rel, known[DIGEST]))
                if hit is not None:
                    return hit
            data = read_bytes(file)
        except OSError as exc:
            self.files.pop(rel, None)
            return None, (Problem(rel, None, "error", f"cannot read: {exc.strerror}"),)
        sum_ = digest(data)
        hit = self.parses.get((rel, sum_))
        if hit is None:
            return _Unknown(rel, key, data)
        self.remember(rel, key, sum_, front_digest(data, hit))
        return hit

    def remember(self, rel: str, stat: StatKey, sum_: str, front: str) -> None:
        """Record what a contact file's stat, content digest and front matter digest are now."""
        self.files[rel] = (stat, sum_, front, settled(stat, time.time_ns()))

    def replace_parse(self, rel: str, old_sum: str, new_sum: str, result: ParseResult) -> None:
        """Put the parse of a file's new bytes in place of the parse of its old ones."""
        self.parses.pop((rel, old_sum), None)
        self.parses[(rel, new_sum)] = result
        self.dirty.add(shard(rel))

    def _forget_all_but(self, rels: set[str]) -> None:
        """Drop what is known of files that are gone or changed, so the cache does not grow without bound."""
        for rel in self.files.keys() - rels:
            del self.files[rel]
        live = set(zip(self.files, map(itemgetter(DIGEST), self.files.values()), strict=True))
        for stale in self.parses.keys() - live:
            del self.parses[stale]
            self.dirty.add(shard(stale[0]))

    def keep_notes(self, keys: set[tuple[str, bool]]) -> None:
        """Drop the notes of texts no contact has any more."""
        self.notes.keep(keys)

    def forest_memo(self) -> ModelMemo:
        """Return a model memo holding the forest the last build kept, reused while still true."""
        if self.forest is None:
            return ModelMemo(referrals="")
        referrals, forest = self.forest
        return ModelMemo(forest=forest, referrals=referrals)

    def keep_forest(self, memo: ModelMemo) -> None:
        """Keep the forest a memo from forest_memo holds now, to be saved if it was made again."""
        if memo.forest is None or memo.referrals is None:
            return
        if self.forest is None or memo.forest is not self.forest[1]:
            self.forest = (memo.referrals, memo.forest)
            self.forest_dirty = True

    def digests(self) -> dict[str, tuple[str, str]]:
        """Map each contact file to (content digest, front matter digest)."""
        return {rel: (known[DIGEST], known[FRONT]) for rel, known in self.files.items()}

    def span(self, root: Path, rel: str) -> NotesSpan | None:
        """Return where a contact file's page showed its notes when last made (None: unknown)."""
        if rel in self.spans or self.spans_dropped:
            return self.spans.get(rel)
        return self.written_spans(root / CACHE_DIR).get(rel)

    def written_spans(self, folder: Path) -> dict[str, NotesSpan]:
        """Return the spans the spans file in folder holds, read when first asked for."""
        if self.spans_file is None:
            self.spans_file = _read_part(folder / SPANS_FILE, self.version)
        return self.spans_file

    def drop_spans(self) -> None:
        """Forget every span (pages made by templates of the journal's own have none)."""
        self.spans, self.spans_file, self.spans_dropped = {}, {}, True

    def keep_people(self, root: Path, shape: str, people: Callable[[], tuple[tuple[str, str], ...]]) -> None:
        """Record that the last build's network has this shape, and, if the people file holds another's,
        write people() to it."""
        if shape != self.people_shape:
            _save_versioned(root / CACHE_DIR / PEOPLE_FILE, self.version, {shape: people()})
        self.people_shape = shape

    def people(self, root: Path) -> tuple[tuple[str, str], ...] | None:
        """Return the (id, name) of every contact of the last build (None: unknown)."""
        if not self.people_shape:
            return None
        return _read_part(root / CACHE_DIR / PEOPLE_FILE, self.version).get(self.people_shape)


def shard(rel: str) -> int:
    """Return which parse shard a contact file belongs to."""
    return zlib.crc32(rel.encode("utf-8", "surrogatepass")) % SHARDS


def parse_serially(items: list[Item]) -> list[Parsed]:
    """Parse (id, relative path, bytes or the path to read them from) triples one after another."""
    return [_parse_one(cid, rel, source) for cid, rel, source in items]


def _in_turn(work: Callable[[list[Item]], list[Any]], groups: list[list[Item]]) -> list[list[Any]]:
    return [work(group) for group in groups]


def _parse_shard(version: str, folder: Path, items: list[Item]) -> list[Parsed]:
    """Parse every file of one shard and save the shard (in a worker: the parent need not pickle it)."""
    parsed = parse_serially(items)
    kept = {
        (rel, sum_): result
        for (_, rel, _), (result, sum_, _, _) in zip(items, parsed, strict=True)
        if sum_ is not None
    }
    target = folder / _shard_file(shard(items[0][1]))
    if not _save_versioned(target, version, kept, repeats=True):
        return parsed
    return _SavedShard(parsed, target, version, [rel for _, rel, _ in items])


class _SavedShard(list):
    """The parses of a shard just saved: a helper process sends the parent where they are, not them.

    Pickled (to go from a helper to the parent), it is the shard file's path and the small part of
    each answer; unpickled, the parses are read back from that file. The parses are pickled once,
    for the file, instead of twice; None, if the file is gone by then (the parent parses the shard).
    """

    def __init__(self, parsed: list[Parsed], target: Path, version: str, rels: list[str]) -> None:
        super().__init__(parsed)
        self.target, self.version, self.rels = target, version, rels

    def __reduce__(self) -> tuple[Any, ...]:
        light = [(sum_, front, stat, None if sum_ else result) for result, sum_, front, stat in self]
        return _read_saved_shard, (self.target, self.version, self.rels, light)


def _read_saved_shard(
    target: Path, version: str, rels: list[str], light: list[tuple[str | None, str | None, Any, Any]]
) -> list[Parsed] | None:
    try:
        kept = _versioned(target, version)
        answers = zip(rels, light, strict=True)
        return [(kept[(rel, s)] if s else r, s, f, st) for rel, (s, f, st, r) in answers]
    except Exception:  # removed or replaced meanwhile: parse again rather than fail
        return None


def _parse_one(contact_id: str, rel: str, source: bytes | str) -> Parsed:
    key = None
    if isinstance(source, str):
        try:
            source, stat = read_with_stat(source)
            key = stat_key(stat)  # type: ignore[arg-type]
        except OSError as exc:
            return (None, (Problem(rel, None, "error", f"cannot read: {exc.strerror}"),)), None, None, None
    result = parse_bytes(contact_id, rel, source)
    return result, digest(source), front_digest(source, result), key


def front_digest(data: bytes, result: ParseResult) -> str:
    """Digest a contact file without its notes and the blank lines before them (which the notes do not
    keep): what pages other than its own can show. A first note then leaves it as it was."""
    contact = result[0]
    body = contact.notes.encode("utf-8", "surrogatepass") if contact is not None else b""
    if contact is None or not data.endswith(body):
        return digest(data)
    return digest(data[: len(data) - len(body)].rstrip())


def compiled_templates(root: Path, version: str) -> Path | None:
    """Return the folder for Jinja's compiled templates, one per version of netsite (None if unwritable).

    Jinja checks each against its template's source; the folder name adds the environment's
    options, which live in netsite's code. Folders of other versions are removed.
    """
    folder = root / CACHE_DIR / f"jinja-{version[:16]}"
    try:
        _make_folder(folder.parent)
        folder.mkdir(exist_ok=True)
        for other in folder.parent.glob("jinja-*"):
            if other != folder:
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        return None
    return folder


def page_store(root: Path) -> PageStore:
    """Return the store of pages earlier builds wrote (hard links to the files of output/)."""
    return PageStore(root / CACHE_DIR / PAGES_DIR)


def spare_site(root: Path) -> Path:
    """Return where the site a build retired is kept, to be brought up to date by the next build;
    if a helper is making it (spare_ahead), wait for it first."""
    spare = root / CACHE_DIR / SPARE_DIR
    helper = _making.pop(spare, None)
    if helper is not None:
        helper.wait()
    return spare


def spare_ahead(root: Path, out: Path, sweep: bool = True) -> None:
    """Start making the spare site from out in a helper process, if there is none: the cached
    build that follows a first one would else have no spare site to update, and link every file
    that did not change into a fresh staging folder, one by one, after rendering (0.1 s at 10,000
    contacts). The helper does it on the other core while this process loads and renders.

    With sweep, sites set aside (output.set_aside: a build that changed most of the site retired
    one) are deleted meanwhile by another helper, stopped when the build is done (settle_spares).
    A build that may write every page should not sweep: for half a minute after files are deleted,
    ext4 looks past each of their inodes whenever it makes a new file (they were "recently
    deleted"), and a build writing 10,000 pages beside a sweep took up to a second longer.
    """
    spare = root / CACHE_DIR / SPARE_DIR
    retired = set_aside_sites(spare) if sweep else []
    if retired:
        _sweeping.append(Helper(partial(sweep_sites, retired)))
    if spare in _making or spare.exists() or not (out / MANIFEST).is_file():
        return
    _making[spare] = Helper(partial(clone_site, out, spare))


def settle_spares() -> None:
    """Wait for every helper making a spare site (a build that ends without writing leaves none), and
    stop those deleting retired ones: the next build goes on where they stopped."""
    while _making:
        _making.popitem()[1].wait()
    while _sweeping:
        _sweeping.pop().stop()


_making: dict[Path, Helper] = {}  # spare site -> the helper process making it (spare_ahead)
_sweeping: list[Helper] = []  # helper processes deleting retired sites (output.sweep_sites)


def cache_folder(root: Path) -> Path:
    """Return the journal's cache folder."""
    return root / CACHE_DIR


def make_cache_folder(root: Path) -> None:
    """Make the journal's cache folder if there is none and the journal is writable."""
    with contextlib.suppress(OSError):
        _make_folder(cache_folder(root))


def load_cache(root: Path, version: str, whole: bool = True) -> BuildCache:
    """Read the journal's cache; an empty one when absent, unreadable or from other code.

    Unless whole, neither parses (see load_shard and load_rest) nor notes are read, and notes are
    not saved.
    """
    try:
        cache = _load(root / CACHE_DIR / CACHE_FILE)
    except Exception:  # a cache is only ever a shortcut: anything wrong with it means no cache
        return BuildCache(version)
    if not isinstance(cache, BuildCache) or cache.version != version:
        return BuildCache(version)
    cache.dirty = set()
    cache.notes_held = False
    cache.forest = _read_forest(root / CACHE_DIR, version)
    return load_rest(root, cache) if whole else cache


def _read_forest(folder: Path, version: str) -> tuple[str, Any] | None:
    """Read the forest the last build kept (see BuildCache.forest); None if absent or unreadable."""
    try:
        ((referrals, forest),) = _versioned(folder / FOREST_FILE, version).items()
    except Exception:  # as in load_cache
        return None
    return referrals, forest


def load_rest(root: Path, cache: BuildCache) -> BuildCache:
    """Read the parses and notes into a cache read in part; an empty cache if they cannot be read.

    What the cache learned since it was read stays (a newer parse of a file is not replaced).
    """
    if cache.notes_held:  # read whole already, or new
        return cache
    folder = root / CACHE_DIR
    try:
        for number in range(SHARDS):
            for key, parse in _read_shard(folder, _shard_file, cache.version, number).items():
                cache.parses.setdefault(key, parse)
    except Exception:  # as in load_cache
        return BuildCache(cache.version)
    notes = partial(_read_shard, folder, _notes_file, cache.version)
    cache.notes = NotesMemo(read=notes, size=cache.notes_size)
    cache.notes_held = True
    return cache


def load_shard(root: Path, cache: BuildCache, rel: str) -> bool:
    """Read the parses of the shard of one contact file into a cache loaded in part; False if unreadable."""
    try:
        cache.parses.update(_versioned(root / CACHE_DIR / _shard_file(shard(rel)), cache.version))
    except Exception:  # as in load_cache
        return False
    return True


def load_rows(folder: Path, page: str, version: str, delta: bool = False) -> dict:
    """Read what a page keeps of its rows (rowmemo.py), or with delta what changed of them since;
    empty if absent, unreadable or from other code."""
    return _read_part(folder / _rows_file(page, delta), version)


def save_rows(folder: Path, page: str, version: str, rows: dict, delta: bool = False) -> None:
    """Write what a page keeps of its rows, and remove the delta of the rows written before; or with
    delta, write what changed of them since. Failing to write only slows the next build."""
    if _save_versioned(folder / _rows_file(page, delta), version, rows) and not delta:
        with contextlib.suppress(OSError):
            (folder / _rows_file(page, True)).unlink(missing_ok=True)


def _rows_file(page: str, delta: bool = False) -> str:
    return f"rows-{page.replace('/', '-')}{'.delta' if delta else ''}.pickle"


def _read_part(path: Path, version: str) -> dict:
    """Read a part of the cache saved with _save_versioned; empty if absent, unreadable or from other code."""
    try:
        return _versioned(path, version)
    except Exception:  # as in load_cache
        return {}


def _read_shard(folder: Path, name: Callable[[int], str], version: str, number: int) -> dict:
    """Read a shard of parses or notes (name gives its file's name); a shard never saved holds none
    (every parse and note is checked by its digest)."""
    try:
        return _versioned(folder / name(number), version)
    except FileNotFoundError:
        return {}


def _versioned(path: Path, version: str) -> dict:
    """Read a file of the cache saved with _save_versioned; raise unless the version matches."""
    saved = _load(path)
    if not isinstance(saved, tuple) or saved[0] != version or not isinstance(saved[1], dict):
        raise ValueError(f"{path} is not from this version of netsite")
    return saved[1]


def save_cache(root: Path, cache: BuildCache) -> None:
    """Write the cache (and the parse shards that changed); failing to write only slows the next build."""
    folder = root / CACHE_DIR
    parts: list[dict[tuple[str, str], ParseResult]] = [{} for _ in range(SHARDS)]
    for key, result in cache.parses.items():
        if shard(key[0]) in cache.dirty:
            parts[shard(key[0])][key] = result
    for number in sorted(cache.dirty):
        _save_versioned(folder / _shard_file(number), cache.version, parts[number], repeats=True)
    if cache.notes_held:  # a shard is 0.15 MB at 10,000 contacts: written only when it changed
        cache.notes.save(folder, cache.version)
    cache.notes_size = len(cache.notes) if cache.notes_held else cache.notes_size
    parts = getattr(cache.basis, "parts", None)
    if parts is not None:
        save_shape(folder, cache.version, cache.basis.shape, parts)
    if cache.forest is not None and cache.forest_dirty:
        cache.forest_dirty = not _save_versioned(folder / FOREST_FILE, cache.version, dict([cache.forest]))
    # What is kept in files of its own, or only for one build, is left out of the main file (and the
    # basis pickles without its parts).
    if cache.spans_dropped or len(cache.spans) > SPANS_KEPT:
        spans = {} if cache.spans_dropped else {**cache.written_spans(folder), **cache.spans}
        if _save_versioned(folder / SPANS_FILE, cache.version, spans):
            cache.spans, cache.spans_file, cache.spans_dropped = {}, spans, False
    main = replace(
        cache, parses={}, notes=NotesMemo({}), folder=None, note_keys={}, forest=None, spans_file=None
    )
    _save(folder / CACHE_FILE, main)
    cache.dirty = set()


def save_shape(folder: Path, version: str, shape: str, parts: Any) -> None:
    """Keep the parts of a shape of the network (pagekeys.ShapeParts) in a file named for the shape
    and the code, unless kept already; the files of other shapes are removed. Failing to write only
    slows a build."""
    target = folder / _shape_file(version, shape)
    if target.exists():
        return
    if _save_versioned(target, version, {"parts": parts}, repeats=True):  # ids and names, again and again
        for other in folder.glob("shape-*.pickle"):
            if other != target:
                other.unlink(missing_ok=True)


def load_shape(root: Path, version: str, shape: str) -> Any:
    """Read the parts of a shape kept by save_shape; None if absent, unreadable or from other code."""
    return _read_part(root / CACHE_DIR / _shape_file(version, shape), version).get("parts")


def _shape_file(version: str, shape: str) -> str:
    """Name the file of a shape's parts; by the code too, so that other code's file is never taken as
    this code's (it would be kept, and never read)."""
    return f"shape-{version[:16]}-{shape}.pickle"


def _shard_file(number: int) -> str:
    return f"parses-{number:02d}.pickle"


def _save_versioned(target: Path, version: str, value: dict, repeats: bool = False) -> bool:
    """Write a part of the cache marked with the code version that made it (_versioned checks it)."""
    return _save(target, (version, value), repeats)


def _load(path: Path) -> object:
    with open(path, "rb") as handle:
        return pickle.load(handle)


@dataclass(frozen=True)
class Stamp:
    """What the last successful build saw and said: enough to repeat it without doing it again."""

    seen: Inputs  # what the build saw of its input files
    output: StatKey  # the stat of the manifest the build wrote
    problems: tuple[Any, ...]
    contacts: int
    paths: tuple[str, ...]


def load_stamp(root: Path, version: str) -> Stamp | None:
    """Read the stamp the last build of this code left, if any (one from other code has other fields)."""
    try:
        stamp = _load(root / CACHE_DIR / STAMP_FILE)
        return stamp if isinstance(stamp, Stamp) and stamp.seen.context[0] == version else None
    except Exception:  # an unreadable or foreign stamp only means the build runs
        return None


def stamp_size(root: Path) -> int:
    """Return the size of the stamp's file in bytes (0 if there is none): about 100 per input file."""
    try:
        return os.stat(root / CACHE_DIR / STAMP_FILE).st_size
    except OSError:
        return 0


def save_stamp(root: Path, stamp: Stamp | None) -> None:
    """Write (or, given None, remove) the stamp."""
    target = root / CACHE_DIR / STAMP_FILE
    if stamp is None:
        target.unlink(missing_ok=True)
        return
    _save(target, stamp)


def _make_folder(folder: Path) -> None:
    """Make the cache folder, telling git to ignore it (as pytest and ruff do with theirs)."""
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# netsite's build cache: safe to delete, never to commit\n*\n", encoding="utf-8")


def _save(target: Path, value: object, repeats: bool = False) -> bool:
    """Write value to target in one step; False if it could not be written.

    repeats: value holds the same objects many times over, as parses do (see workers.pickled);
    5 MB of notes, which do not, are written in 3 ms instead of 20.
    """
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        _make_folder(target.parent)
        data = pickled(value, repeats)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except Exception:  # the cache is only a shortcut: failing to write it must never fail a build
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    return True
