"""Builds that need no model: nothing changed since the last build, or nothing but some notes.

The last successful `netsite build` leaves a stamp (cache.Stamp): the stat of every input file, what
the build was for (code, TODAY, --strict), the stat of the manifest it wrote and the problems it
reported. When every input is as the stamp says, the build repeats that report and stops
(`unchanged`).

When each file that differs has changed in its notes alone (everything before the notes is the same
bytes), no page but those contacts' own can change: no other page shows a contact's notes (see
pagekeys). The cache knows where each contact page holds its notes HTML, or where its notes section
would go if it shows none (cache.NotesSpan, contact_page.notes_place), so the new notes are spliced
into those pages (a section added or taken out as notes come and go) and nothing else is
loaded, modelled or rendered (`notes_only`, for output/; `splice_notes` serves `netsite serve`'s
Builder too, with the pages it holds in memory). Anything else, and any doubt, is left to the full
build.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache as cache_once
from functools import partial
from pathlib import Path
from typing import NamedTuple

from . import cache as caching
from .cache import DIGEST, FRONT, STAT, BuildCache, Known, Stamp, StatKey
from .config import CONFIG_NAME
from .contact import Contact
from .digests import digest
from .journal import CONTACTS_DIR, contact_id, contact_names, parse_bytes, read_bytes, relative_path
from .layout import TEMPLATES_DIR
from .output import MANIFEST, SiteFiles, Staging, WriteStats, present_files, read_manifest
from .problems import Problem
from .result import BuildResult

OUTPUT_DIR = "output"
_UNREADABLE: StatKey = -1  # the stat of a listed file that could not be stat-ed


@dataclass(frozen=True)
class Inputs:
    """What a build saw of its input files before reading any of them."""

    context: tuple[str, str, bool]  # code version, TODAY, --strict
    # Each input file's stat, by relative path; None for a contact file left to the parser (filled).
    stats: dict[str, StatKey | None]
    unsettled: frozenset[str]  # inputs changed too recently for their stat to vouch for their bytes
    others: dict[str, str]  # the digest of each input but the contact files (whose digests the cache has)
    taken: int = 0  # when the files were listed (time.time_ns()), before any was read

    @property
    def names(self) -> list[str]:
        """List the contact files, below contacts/, as contact_names lists them."""
        prefix = len(CONTACTS_DIR) + 1
        return [rel[prefix:] for rel in self.stats if rel not in self.others]

    def filled(self, files: Mapping[str, Known]) -> Inputs:
        """Return these inputs with the stats left to the parser taken from what the cache learnt of
        the files it read (cache.BuildCache.files); one it could not read counts as unreadable."""
        left = [rel for rel, key in self.stats.items() if key is None]
        if not left:
            return self
        stats = {**self.stats, **{rel: files[rel][STAT] if rel in files else _UNREADABLE for rel in left}}
        fresh = {rel for rel in left if not caching.settled(stats[rel], self.taken)}  # type: ignore[arg-type]
        return replace(self, stats=stats, unsettled=self.unsettled | fresh)

    def same_files(self, other: Inputs) -> bool:
        """Tell whether other was taken for the same code, TODAY and flags, of the same files, with
        the same config and templates."""
        return (self.context, self.stats.keys(), self.others) == (
            other.context,
            other.stats.keys(),
            other.others,
        )


def take_inputs(root: Path, today: date, strict: bool, version: str, contacts: bool = True) -> Inputs:
    """List and stat every input file: the contacts, the config and the journal's own templates.

    The few files that are not contacts are read too (before the build reads them: a change in
    between is seen next time). Without contacts, contact files are listed but left for the parser
    to stat as it reads them (Inputs.filled): a first build has no stamp to compare stats with,
    and stat-ing 10,000 files here took it 0.1 s before anything else could start.
    """
    now = time.time_ns()
    names = contact_names(root)
    files = _input_files(root, names)
    stats: dict[str, StatKey | None] = dict.fromkeys(files[: len(names)])
    if contacts:
        stats.update(zip(stats, _stats_in(root / CONTACTS_DIR, names), strict=True))
    stats.update((rel, _stat_key(os.path.join(root, rel))) for rel in files[len(names) :])
    unsettled = frozenset(
        rel for rel, key in stats.items() if key is not None and not caching.settled(key, now)
    )
    others = {rel: _digest_of(root, rel) for rel in files[len(names) :]}
    return Inputs((version, today.isoformat(), strict), stats, unsettled, others, now)


def _stats_in(folder: Path, names: list[str]) -> list[StatKey]:
    """Stat files by their paths below folder, each looked up from the open folder where the system
    can (a third quicker than from the root at 10,000 contacts)."""
    if os.stat not in os.supports_dir_fd:
        return [_stat_key(os.path.join(folder, name)) for name in names]
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return [_UNREADABLE] * len(names)
    try:
        return [_stat_key(name, handle) for name in names]
    finally:
        os.close(handle)


def _stat_key(path: str, folder: int | None = None) -> StatKey:
    try:
        return caching.stat_key(os.stat(path, dir_fd=folder))
    except OSError:
        return _UNREADABLE


def _digest_of(root: Path, rel: str) -> str:
    """Digest a file's bytes; an empty string when it cannot be read."""
    try:
        return digest(read_bytes(os.path.join(root, rel)))
    except OSError:
        return ""


def _input_files(root: Path, names: list[str]) -> list[str]:
    files = [f"{CONTACTS_DIR}/{name}" for name in names]
    own = root / TEMPLATES_DIR  # even a copy of the defaults: it may be edited
    templates = sorted(relative_path(root, f) for f in own.rglob("*") if f.is_file()) if own.is_dir() else []
    config = [CONFIG_NAME] if (root / CONFIG_NAME).exists() else []
    return [*files, *config, *templates]


def stamp(root: Path, inputs: Inputs, result: BuildResult) -> Stamp | None:
    """Record a successful build, so that the next one can tell what changed since."""
    if not result.ok or result.stats is None:
        return None
    try:
        output = caching.stat_key(os.stat(root / OUTPUT_DIR / MANIFEST))
    except OSError:
        return None
    return Stamp(inputs, output, tuple(result.problems), result.contacts, tuple(result.files))


def unchanged(root: Path, inputs: Inputs, last: Stamp | None) -> BuildResult | None:
    """Return the last build's result when its inputs and output are as that build left them."""
    if last is None or last.seen.unsettled or last.seen.stats != inputs.stats:
        return None
    if not _comparable(root, inputs, last) or not _intact(root, last):
        return None
    return _result(root, last, WriteStats(0, len(last.paths), 0))


def rewrites_all(inputs: Inputs, last: Stamp | None) -> bool:
    """Tell whether a build may change every page: its code, TODAY, flags, config or templates are not
    the last build's (or there was none)."""
    return last is None or (inputs.context, inputs.others) != (last.seen.context, last.seen.others)


def _comparable(root: Path, inputs: Inputs, last: Stamp) -> bool:
    """Tell whether the last build had the same code, TODAY, flags, input files, config and
    templates, and wrote the manifest now in its output."""
    if not inputs.same_files(last.seen):
        return False
    try:
        return caching.stat_key(os.stat(root / OUTPUT_DIR / MANIFEST)) == last.output
    except OSError:
        return False


def _intact(root: Path, last: Stamp) -> bool:
    """Tell whether every file the last build wrote is still in its output (one listing: 13 ms at
    10,000 contacts, so asked last)."""
    return present_files(root / OUTPUT_DIR).issuperset(last.paths)


def _result(root: Path, last: Stamp, stats: WriteStats) -> BuildResult:
    files = SiteFiles(root / OUTPUT_DIR, list(last.paths))
    return BuildResult(list(last.problems), files, None, stats=stats, contacts=last.contacts)


# --- only notes changed ------------------------------------------------------------------------------


class _Person(NamedTuple):
    """What notes' wikilinks need of a contact."""

    id: str
    name: str


@dataclass(frozen=True)
class _Edit:
    """A contact file whose notes alone changed."""

    rel: str
    new: Contact
    problems: tuple[Problem, ...]  # the file's own, the same before and after
    shown: bool  # whether the page showed notes before


def notes_only(root: Path, inputs: Inputs, last: Stamp | None, cache: BuildCache) -> BuildResult | None:
    """Splice new notes into their pages in output/ when the files that changed since the last build
    changed in their notes alone; None when anything else may have changed (the full build is needed).

    cache is the build cache, read in part (cache.load_cache(whole=False)); it learns what was
    read, and the full build goes on with it.
    """
    if last is None or not _comparable(root, inputs, last):
        return None
    out = root / OUTPUT_DIR
    manifest = cache_once(partial(read_manifest, out))  # read, as output/ is listed, only for notes edits
    pages = splice_notes(root, inputs, last.seen, cache, partial(_page_in, out, manifest))
    if pages is None or not _intact(root, last):  # so a logged call, say, is told apart in a millisecond
        return None
    stats = WriteStats(0, len(last.paths), 0) if pages == {} else _swap_in(root, manifest(), pages)
    if stats is None:
        return None
    caching.save_cache(root, cache)
    result = _result(root, last, stats)
    caching.save_stamp(root, stamp(root, inputs, result))
    return result


def splice_notes(
    root: Path,
    inputs: Inputs,
    before: Inputs,
    cache: BuildCache,
    page: Callable[[str, str], bytes | None],
    shards: set[int] | None = None,
) -> dict[str, bytes] | None:
    """Return the pages whose contacts' notes alone changed, with the new notes in place; None when
    anything else may have changed.

    before is what the last build saw of the same files (inputs.same_files(before) is the caller's
    to check); page(path, digest) returns a page of the last build's site if it has that digest.
    shards are the parse shards the cache holds already (by default, none: each is loaded as
    needed). The cache learns the files' new stats, parses and notes spans.
    """
    suspects = [
        rel
        for rel, key in inputs.stats.items()
        if (key != before.stats[rel] or rel in before.unsettled) and rel not in inputs.others
    ]
    edits = _notes_edits(root, inputs, cache, suspects, set() if shards is None else set(shards))
    return None if edits is None else _spliced(root, cache, edits, page)


def _page_in(out: Path, manifest: Callable[[], Mapping[str, str]], path: str, sum_: str) -> bytes | None:
    """Return a page of the site in out if both its manifest (read when first needed) and its bytes
    say it has digest sum_."""
    if manifest().get(path) != sum_:
        return None
    try:
        return read_bytes(os.path.join(out, path))
    except OSError:
        return None


def _notes_edits(
    root: Path, inputs: Inputs, cache: BuildCache, suspects: list[str], shards: set[int]
) -> list[_Edit] | None:
    """Read the suspect files; return those whose notes alone changed, None if any other did.

    The cache learns each file's new stat and, for an edit, its new parse; shards are the parse
    shards it holds, and grow as more are loaded.
    """
    edits: list[_Edit] = []
    for rel in suspects:
        known = cache.files.get(rel)
        try:
            data = read_bytes(os.path.join(root, rel))
        except OSError:
            return None
        sum_ = digest(data)
        if known is None:
            return None
        if sum_ != known[DIGEST]:
            edit = _notes_edit(root, cache, shards, rel, data, known)
            if edit is None:
                return None
            edits.append(edit)
            cache.replace_parse(rel, known[DIGEST], sum_, (edit.new, edit.problems))
        cache.remember(rel, inputs.stats[rel], sum_, known[FRONT])
    return edits


def _notes_edit(
    root: Path, cache: BuildCache, shards: set[int], rel: str, data: bytes, known: Known
) -> _Edit | None:
    """Return how a file changed when it changed in its notes alone (shown before and after), else None.

    Everything before the notes must be the same bytes, and parse to the same contact and problems.
    The file's parse shard is loaded into the cache unless it is in shards, the shards loaded already.
    """
    new, problems = parse_bytes(contact_id(rel), rel, data)
    if new is None or caching.front_digest(data, (new, ())) != known[FRONT]:
        return None
    if caching.shard(rel) not in shards:
        if not caching.load_shard(root, cache, rel):
            return None
        shards.add(caching.shard(rel))
    old, old_problems = cache.parses.get((rel, known[DIGEST])) or (None, ())
    if old is None or tuple(problems) != tuple(old_problems):
        return None
    if new._replace(notes=old.notes, notes_line=old.notes_line) != old:  # where notes start: shown nowhere
        return None
    return _Edit(rel, new, tuple(problems), bool(old.notes.strip()))


def _spliced(
    root: Path, cache: BuildCache, edits: list[_Edit], page: Callable[[str, str], bytes | None]
) -> dict[str, bytes] | None:
    """Return the pages of the edited contacts with their new notes; None if one is not as the cache says.

    The cache learns where the new pages hold their notes.
    """
    from .contact_page import notes_spliced
    from .notes import NotesRenderer, contact_resolver

    people = cache.people(root)
    if people is None:
        return None
    renderer = NotesRenderer(contact_resolver(_Person(*p) for p in people), cache.allow_html)
    pages = {}
    for edit in edits:
        span = cache.span(root, edit.rel)
        data = None if span is None else page(span[0], span[1])
        if span is None or data is None or digest(data) != span[1] or (span[2] < span[3]) != edit.shown:
            return None
        shown = bool(edit.new.notes.strip())
        html = renderer.render(edit.new.notes).encode("utf-8") if shown else b""
        done = notes_spliced(data, span[2:], html, shown)
        if done is None:
            return None
        path = span[0]
        pages[path], place = done
        cache.spans[edit.rel] = (path, digest(pages[path]), *place)
        cache.pages[path] = ("", "", cache.spans[edit.rel][1])  # keys unknown: a full build checks again
    return pages


def _swap_in(root: Path, manifest: dict[str, str], pages: dict[str, bytes] | None) -> WriteStats | None:
    """Write the new pages into the spare site, carry the rest over, and swap it in.

    None when there are no pages, or they cannot be written (the full build then says why).
    """
    if pages is None:
        return None
    out = root / OUTPUT_DIR
    digests = {**manifest, **{path: digest(data) for path, data in pages.items()}}
    kept = caching.page_store(root)
    staging = Staging(out, caching.spare_site(root))
    try:
        for path, data in pages.items():
            kept.add(staging.put(path, data), digests[path])
        stats = staging.commit(manifest, digests, set(pages), kept)
    except OSError:
        staging.discard()
        return None
    except BaseException:
        staging.discard()
        raise
    kept.remember(out, digests)
    return stats
