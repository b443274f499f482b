"""The build pipeline: load → model → render → write, as one function the CLI and server call.

Caches are an implementation detail of load and render: a BuildCache (parses, notes, page keys)
is passed in, kept on disk in `.netsite/` by `build()` and in memory by a `Builder`. Large journals
are parsed and rendered by forked worker processes, which write pages straight into the staging
folder. Before any of that, shortcuts.py may find that nothing changed, or only notes did (then
it splices them into their pages). Every path gives the bytes `render()` gives, which uses no
cache at all.

The second core is not left idle before rendering either: for a large journal a helper stats the
input files while the cache is read (`_take_inputs`), and after a first build one copies `output/`
into the spare site the write will stage in (`cache.spare_ahead`). Helpers are forked while this
process is small: forked once it holds the model, a helper costs it copied pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from . import cache as caching
from .cache import BuildCache, NotesSpan
from .config import CONFIG_NAME
from .digests import digest
from .journal import Journal, ParseCache, load_journal
from .layout import default_templates
from .model import ModelMemo, Network, build_network
from .output import (
    OutputError,
    PageStore,
    SiteFiles,
    Staging,
    WriteStats,
    check_paths,
    present_files,
    read_manifest,
)
from .problems import Problem, has_errors
from .result import BuildResult
from .shortcuts import (
    OUTPUT_DIR,
    Inputs,
    notes_only,
    rewrites_all,
    splice_notes,
    stamp,
    take_inputs,
    unchanged,
)
from .workers import (
    can_fork,
    cpu_count,
    leave_to_exit,
    map_chunks,
    map_chunks_beside,
    no_collection,
    settled_heap,
)

POOL_FILES = 1000  # parse in worker processes from this many changed files on
POOL_PAGES = 400  # render in worker processes from this many pages to render on
KEY_CHECKS = 8  # checking a known page's keys costs about an eighth of rendering it
# A page that lists everyone costs about one contact page for every BIG_PAGE pages of the site, its
# rows kept (rowmemo.py). Counted as costlier (5), a logged call at 1,000 contacts forked a render
# helper, which in serve's large process paid more in copied memory than it saved (20 ms of 80).
BIG_PAGE = 50
POOL_NOTES = 1000  # render notes beside the model from this many notes to render on
CHUNK = 250  # contact pages handed to a worker at a time
WEEK_CHUNK = 16  # week pages handed to a worker at a time (each worker makes the weekly reports once)
# Log entries from which week pages, each slow to check and render, may be shared out (see _run):
# at 10,000 contacts, kept together a logged call is 0.06 s quicker with 27,000 entries, the same
# with 100,000, and 0.4 s slower with 300,000.
LONG_LOG = 100_000
STAT_BESIDE = 200_000  # stat the inputs in a helper from a stamp this large on (about 2,000 files)


class Builder:
    """Build one journal again and again, keeping what a rebuild can reuse (used by serve and bench)."""

    def __init__(self, root: Path, jobs: int | None = None) -> None:
        self.root = root
        self.jobs = jobs or cpu_count()
        self.version = _code_version()
        self.cache, self.held = _warm_start(root, self.version)  # held: page path -> keys, bytes
        # The long pages keep their rows in the cache folder (see rowmemo.py), from the first rebuild on.
        caching.make_cache_folder(root)
        self.basis = self.cache.basis  # what the held pages' keys were made of (pagekeys.Basis)
        # A long-lived process may have threads, and a forked helper must not import (see workers.py):
        # load now what rendering a note may load later.
        from .notes_markdown import load_extensions
        from .site import MemoryBytecode

        load_extensions()
        self.compiled = MemoryBytecode()  # templates compiled once, not on every rebuild
        # The last good render in memory, with its inputs and the digest of the default templates.
        self.last: tuple[Inputs, str, BuildResult] | None = None
        self.model = ModelMemo()  # what the last model derived of each contact, reused for the same ones

    def build(self, today: date, strict: bool = False, write: bool = True) -> BuildResult:
        """Render the journal and (when write) swap the result into output/.

        No hint of which files changed is needed: every input file's size and times are checked
        anyway (about 30 ms for 10,000 contacts). In memory, when only notes changed since the last
        render, the new notes are spliced into that render's pages (see shortcuts.py).
        """
        with settled_heap():
            if write:
                self.last = None
                kept = caching.page_store(self.root)
                return _build(self.root, today, strict, self.cache, self.jobs, kept=kept)
            inputs = take_inputs(self.root, today, strict, self.version)
            defaults = caching.folder_digest([default_templates()])  # netsite's own may be edited too
            result = self._notes_only(inputs, defaults)
            if result is None:
                result, self.basis = _render_held(
                    self.root,
                    today,
                    self.cache,
                    (self.held, self.basis),
                    self.jobs,
                    self.compiled,
                    inputs,
                    self.model,
                )
            self.last = (inputs, defaults, result) if result.ok else None
            return result

    def _notes_only(self, inputs: Inputs, defaults: str) -> BuildResult | None:
        """Splice new notes into the last render's pages when nothing but notes changed since."""
        if self.last is None:
            return None
        before, was, last = self.last
        if not inputs.same_files(before) or was != defaults:
            return None

        def page(path: str, _: str) -> bytes | None:
            return last.files.get(path)  # the splice checks its digest

        every_shard = set(range(caching.SHARDS))  # every parse is in memory
        pages = splice_notes(self.root, inputs, before, self.cache, page, every_shard)
        if pages is None:
            return None
        for path, data in pages.items():
            self.held[path] = ("", "", data)  # keys unknown: the next full render checks it again
        return BuildResult(list(last.problems), {**last.files, **pages}, None, contacts=last.contacts)


def _warm_start(root: Path, version: str) -> tuple[BuildCache, dict[str, tuple[str, str, bytes]]]:
    """Start from what the last `netsite build` of this code left: its cache, and the pages it wrote
    (if intact)."""
    with no_collection():
        store = caching.load_cache(root, version)
    try:
        old = read_manifest(root / OUTPUT_DIR)
    except OutputError:
        return store, {}
    held = {}
    for path, (coarse, fine, sum_) in store.pages.items():
        if old.get(path) != sum_:
            continue
        try:
            data = (root / OUTPUT_DIR / path).read_bytes()
        except OSError:
            continue
        if digest(data) == sum_:
            held[path] = (coarse, fine, data)
    return store, held


def render(root: Path, today: date, cache: ParseCache | None = None) -> BuildResult:
    """Load, model and render a journal in memory, without any page cache; nothing is written."""
    from .site import RenderError, render_site

    journal = load_journal(root, cache)
    if not journal.config_ok:
        return BuildResult(list(journal.problems), failure=config_failure(journal.problems))
    network = build_network(journal, today)
    try:
        files = render_site(network, root)
    except RenderError as exc:
        return _failed(network, str(exc))
    return BuildResult(list(network.problems), files, network, contacts=len(network.contacts))


def build(
    root: Path, today: date, strict: bool = False, *, cache: bool = True, jobs: int | None = None
) -> BuildResult:
    """Render a journal and, unless it failed (or --strict found problems), swap it into output/.

    With cache, what earlier builds left in `.netsite/` is reused, and a build whose inputs have not
    changed since the last successful one stops before loading anything.
    """
    version = _code_version()
    jobs = jobs or cpu_count()
    if not cache:
        with settled_heap():
            return _build(root, today, strict, BuildCache(version), jobs)
    with settled_heap():
        inputs, last, store = _take_inputs(root, today, strict, version, jobs)
        leave_to_exit(inputs, last)
        quick = unchanged(root, inputs, last)
        if quick is not None:
            return quick
        caching.spare_ahead(root, root / OUTPUT_DIR, sweep=not rewrites_all(inputs, last))
        try:
            return _cached_build(root, today, strict, (inputs, last, store), jobs)
        finally:
            caching.settle_spares()


def _take_inputs(
    root: Path, today: date, strict: bool, version: str, jobs: int
) -> tuple[Inputs, Any, BuildCache | None]:
    """Stat the input files (shortcuts.take_inputs) and read the stamp the last build left.

    When the stamp is large (STAT_BESIDE), a helper process stats the files while this one reads
    the stamp and the cache, which the build needs next unless nothing changed: the two take about
    as long (0.05 s each at 10,000 contacts). Without a stamp (a first build, or the one after a
    failed build) there is nothing to compare stats with: contact files are stat-ed as they are
    read (Inputs.filled). Return the inputs, the stamp, and the cache if read.
    """

    def take(_: object) -> Inputs:
        return take_inputs(root, today, strict, version)

    size = caching.stamp_size(root)
    if size == 0:
        return take_inputs(root, today, strict, version, contacts=False), None, None
    if jobs < 2 or not can_fork() or size < STAT_BESIDE:
        return take(None), caching.load_stamp(root, version), None

    def read() -> tuple[Any, BuildCache]:
        with no_collection(settle=True):  # unpickling makes many objects and no cycles
            return caching.load_stamp(root, version), caching.load_cache(root, version, whole=False)

    (last, store), [inputs] = map_chunks_beside(read, take, [None], 2)
    return inputs, last, store


def _cached_build(
    root: Path, today: date, strict: bool, seen: tuple[Inputs, Any, BuildCache | None], jobs: int
) -> BuildResult:
    """Build with what earlier builds left in `.netsite/`: seen is what this build took of its
    inputs, the last build's stamp (shortcuts.Stamp) and the cache, if read already."""
    inputs, last, store = seen
    version = inputs.context[0]
    with no_collection(settle=True):  # unpickling makes many objects and no cycles
        store = store or caching.load_cache(root, version, whole=False)
        quick = notes_only(root, inputs, last, store)
        if quick is not None:
            return quick
        store = caching.load_rest(root, store)
    leave_to_exit(store)
    compiled = caching.compiled_templates(root, version)
    store.folder = caching.cache_folder(root) if compiled is not None else None
    kept = caching.page_store(root)
    result = _build(root, today, strict, store, jobs, compiled, kept, inputs)
    caching.save_cache(root, store)
    caching.save_stamp(root, stamp(root, inputs.filled(store.files), result))
    return result


_BAD_CONFIG = "netsite.toml cannot be read; fix it and build again"


def config_failure(problems: Sequence[Problem]) -> str:
    """Say why the config stops the build, with the file and line of its first error."""
    errors = [str(p) for p in problems if p.path == CONFIG_NAME and p.severity == "error"]
    return f"{errors[0]} ({_BAD_CONFIG})" if errors else _BAD_CONFIG


def _code_version() -> str:
    return caching.code_version([default_templates()])


def _failed(network: Network, failure: str) -> BuildResult:
    return BuildResult(
        list(network.problems), network=network, failure=failure, contacts=len(network.contacts)
    )


# --- load and model --------------------------------------------------------------------------------


def _model(
    root: Path,
    today: date,
    store: BuildCache,
    jobs: int,
    taken: Inputs | None = None,
    memo: ModelMemo | None = None,
    cached: bool = False,
) -> tuple[Network | None, BuildResult | None]:
    """Load (reusing parses) and model the journal; a failed BuildResult when the config is unusable.

    taken is what this build already listed and stat-ed, if anything; memo what a long-lived process
    keeps of the last model (model.ModelMemo); cached tells that store is saved for the next build,
    which then finds the referral forest in it. Call it inside settled_heap().
    """
    with no_collection(settle=True):
        store.note_keys = {}  # the texts of this build's notes only
        stats = taken.stats if taken is not None else None
        parse_files = partial(store.parse_files, parse=partial(_parse, jobs), stat_keys=stats)
        journal = load_journal(root, parse_files=parse_files, names=taken.names if taken else None)
        if not journal.config_ok:
            return None, BuildResult(list(journal.problems), failure=config_failure(journal.problems))
        # A build whose cache is saved keeps the forest in it, a first build too: the next, most
        # likely a call logged or a note edited, would make it again (0.04 s at 10,000 contacts).
        keep = memo is None and (cached or bool(store.pages))
        memo = store.forest_memo() if keep else memo
        network = _network_and_notes(journal, today, store, jobs, memo)
        if keep:
            store.keep_forest(memo)  # type: ignore[arg-type]
        store.allow_html = network.config.site.allow_html
        return network, None


def _network_and_notes(
    journal: Journal, today: date, store: BuildCache, jobs: int, memo: ModelMemo | None = None
) -> Network:
    """Build the model; meanwhile a helper process renders the notes not rendered before, if many.

    The helper resolves wikilinks among the journal's contacts, as the model will; the notes memo
    checks every answer again when a page uses a note, so a note is never shown stale.
    """
    from .forest import Resolver
    from .notes import CachedNotes, contact_resolver

    texts = list(dict.fromkeys(c.notes for c in journal.contacts))
    if len(texts) - len(store.notes) < POOL_NOTES:  # too few can be new to be worth a helper
        return build_network(journal, today, memo=memo)
    allow_html = journal.config.site.allow_html
    resolver = Resolver(journal.contacts)  # the model's forest resolves referrers with it too
    resolve = contact_resolver(journal.contacts, resolver)
    notes = CachedNotes(resolve, allow_html, store.notes, store.note_keys)
    todo = [text for text in texts if notes.key(text) not in store.notes]
    if len(todo) < POOL_NOTES:
        return build_network(journal, today, resolver, memo)

    def render(texts: list[str]) -> dict:
        for text in texts:
            notes.render(text)
        return notes.take_added()

    def model() -> Network:
        """Build the model and what pages use of it (while the helper renders notes: not later, with
        the other core idle, nor again in each process that renders pages)."""
        network = build_network(journal, today, resolver, memo)
        network.warm()
        return network

    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    network, rendered = map_chunks_beside(model, render, chunks, jobs)
    for added in rendered:
        store.notes.update(added)
    return network


def _parse(jobs: int, work: Callable[[list[Any]], list[Any]], groups: list[list[Any]]) -> list[list[Any]]:
    """Parse (and read, where given a path) groups of files, in worker processes when there are many."""
    if sum(len(group) for group in groups) < POOL_FILES:
        return [work(group) for group in groups]
    return map_chunks(work, groups, jobs, repeats=True)


# --- render and write --------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The pages of one build, with their keys, and how to render them."""

    site: Any  # site.SiteRenderer
    notes: Any  # notes.CachedNotes
    pages: list[Any]  # site.Page
    keys: Any  # pagekeys.PageKeys; None when the journal has templates of its own: nothing is reused
    moved: set[str] | None = None  # contacts whose page's coarse key may have changed (None: any may)
    # Fine keys worked out, by page: a page whose fine key changed is rendered, then its keys are
    # kept, and the tree's takes 12 to 20 ms at 10,000 contacts.
    fines: dict[int, str] = field(default_factory=dict)

    def coarse(self, index: int) -> str | None:
        """Return the coarse key of a page (None: unknown, check and render it)."""
        return None if self.keys is None else self.keys.coarse(self.pages[index])

    def fine(self, index: int, then: str | None = None) -> str | None:
        """Return the fine key of a page now, notes included (None: unknown, render it); then is its
        fine key of an earlier build, if known."""
        if self.keys is None:
            return None
        fine = self.fines.get(index)
        if fine is None:
            fine = self.keys.fine(self.pages[index], self.notes, then)
            if fine is not None:  # None: notes never rendered, which rendering the page may change
                self.fines[index] = fine
        return fine

    def basis(self) -> Any:
        """Return what this plan's coarse keys of contact pages are made of (None: no keys)."""
        return None if self.keys is None else self.keys.basis()

    def kept_keys(self, index: int, seen: bool) -> tuple[str | None, str | None]:
        """Return the keys to keep of a page just rendered; seen: an earlier build rendered it too.

        The fine key pays only when a later build finds the coarse key changed (the network's shape
        changed, the same day), so a page seen for the first time gets none (""): a first build
        saves that work, a tenth of its rendering, and the first such change after it renders the
        page again instead of checking it. A week page is the exception: any edit of any front
        matter changes its coarse key, so the first logged call after a first build would render
        all of them again (about 0.17 s of CPU at 10,000 contacts; their fine keys cost 0.02 s).
        So are the referral tree and the list of companies, for the same reason (0.09 s and 0.03 s
        against 0.01 s and 0.002 s), and the Problems page (4 ms against 0.3).
        A contact page seen for the first time gets no coarse key either: while the shape is the
        same, the next build knows it unchanged without one (see candidates), and after a
        change of shape that reaches it (pagekeys.PageKeys.reshaped) it is rendered again.
        """
        template = self.pages[index].template
        if seen or (template in _KEYED_AT_ONCE and self.keys is not None):
            return self.coarse(index), self.fine(index)
        contact = self.keys is not None and template == "contact.html"
        return ("" if contact else self.coarse(index)), ""

    def reusable(self, index: int, known: tuple[str, str, Any] | None) -> tuple[str, str] | None:
        """Return the page's (coarse, fine) keys if they show that what is known of it still holds."""
        if known is None or self.keys is None:
            return None
        coarse = self.coarse(index)
        if known[0] == coarse and not self.keys.reached(self.pages[index]):
            return known[0], known[1]
        from .pagekeys import same_week_shown  # imported with page_keys, by _plan

        fine = self.fine(index, known[1])
        if fine is None or (fine != known[1] and not same_week_shown(fine, known[1])):
            return None
        return coarse, fine  # type: ignore[return-value]

    def notes_span(
        self, page: Any, data: bytes, sum_: str | None, shown: dict[str, Any]
    ) -> tuple[str, NotesSpan] | None:
        """Return where a contact page shows its notes (or would: contact_page.notes_place), for a later
        build to replace them in place.

        sum_ is the page's digest (None: digest it here if need be), shown what its template was
        given. Only where the default templates are in use, unedited, and only when the place is found once.
        """
        from .contact_page import notes_place

        contact = page.context.get("contact") if self.keys is not None and self.site.fast else None
        if page.template != "contact.html" or contact is None:
            return None
        place = notes_place(data, str(shown["notes_html"]).encode("utf-8"), bool(contact.notes.strip()))
        return None if place is None else (contact.path, (page.path, sum_ or digest(data), *place))

    def candidates(self, known: Mapping[str, tuple[str, str, Any]]) -> tuple[list[int], int]:
        """List the pages whose coarse key changed (or is unknown): only those may need rendering.

        Also count those of them known from an earlier build, whose fine keys may show them unchanged.
        """
        if self.keys is None:
            return list(range(len(self.pages))), 0
        found, checks = [], 0
        for index in self._unsettled(known):
            entry = known.get(self.pages[index].path)
            if entry is None:
                found.append(index)
            elif entry[0] != self.coarse(index) or self.keys.reached(self.pages[index]):
                found.append(index)
                checks += 1
        return found, checks

    def _unsettled(self, known: Mapping[str, Any]) -> Iterable[int]:
        """List the pages whose keys candidates must look at: all but the pages of contacts known and
        not moved since the build the basis describes (as that build left them, with the key it kept
        then, "" if none). One comprehension: a call for each of 10,000 pages took 5 ms more."""
        moved = self.moved
        if moved is None:
            return range(len(self.pages))
        return [
            i
            for i, page in enumerate(self.pages)
            if page.template != "contact.html"
            or page.path not in known
            or page.context["contact"].id in moved
        ]


def _plan(
    network: Network,
    root: Path,
    store: BuildCache,
    compiled: Any = None,
    keep_rows: bool = False,
    basis: Any = None,
) -> _Plan:
    """Lay out the pages of a build; compiled is where Jinja may keep compiled templates (a folder,
    or a jinja2.BytecodeCache). With keep_rows, the long pages keep their rows in the cache folder.
    basis is what the coarse keys of the contact pages in store.pages were made of (a
    pagekeys.Basis), if known."""
    from .notes import CachedNotes
    from .pagekeys import page_keys
    from .rowmemo import RowMemos
    from .site import SiteRenderer, site_pages, wikilink_resolver

    site = SiteRenderer(network, root, compiled)
    allow_html = network.config.site.allow_html
    notes = CachedNotes(wikilink_resolver(network), allow_html, store.notes, store.note_keys)
    pages = site_pages(network, notes)
    if site.dirs != [default_templates()]:  # keys describe the default templates only
        return _Plan(site, notes, pages, None)
    keys = page_keys(network, store.digests(), caching.folder_digest(site.dirs))
    if basis is not None and basis.parts is None and basis.shape != keys.shape:
        basis = replace(basis, parts=caching.load_shape(root, store.version, basis.shape))
    moved = keys.moved(basis, notes)
    if keep_rows:
        folder = caching.cache_folder(root)
        since = None if basis is None or moved is None else (basis.shape, moved)
        site.rows = RowMemos(folder, store.version, (keys.top, keys.shape), keys.front_digests, since)
    return _Plan(site, notes, pages, keys, moved)


def _build(
    root: Path,
    today: date,
    strict: bool,
    store: BuildCache,
    jobs: int,
    compiled: Path | None = None,
    kept: PageStore | None = None,
    taken: Inputs | None = None,
) -> BuildResult:
    """Load, model, render and write; compiled is where Jinja may keep compiled templates, kept the
    pages of earlier builds, taken what this build already listed and stat-ed of its inputs.

    Call it inside settled_heap(), as every build does.
    """
    from .site import RenderError

    notes = len(store.notes)
    network, failed = _model(root, today, store, jobs, taken, cached=kept is not None)
    if network is None:
        return failed or BuildResult(failure=_BAD_CONFIG)
    if strict and network.problems:
        kind = "errors" if has_errors(list(network.problems)) else "warnings"
        return _failed(
            network, f"--strict: {len(network.problems)} problems ({kind}); output/ left as it was"
        )
    out = root / OUTPUT_DIR
    try:
        old = read_manifest(out)
        plan = _plan(network, root, store, compiled, kept is not None, store.basis)
        leave_to_exit(plan)
        store.basis = None  # store.pages is about to change: unknown until this build succeeds
        stats, paths = _write(out, old, plan, store, jobs, kept)
        store.basis = plan.basis()
        _keep_notes(store, plan, network, notes)
        if kept is not None:  # a build with a cache (an uncached one writes nothing in .netsite/)
            _keep_people(root, store, plan, network)
    except (RenderError, OutputError) as exc:
        return _failed(network, str(exc))
    files = SiteFiles(out, paths)
    return BuildResult(list(network.problems), files, network, stats=stats, contacts=len(network.contacts))


def _keep_notes(store: BuildCache, plan: _Plan, network: Network, before: int) -> None:
    """Drop the notes of texts no contact has any more, if this build rendered notes (the memo held
    before of them): else none is new, and those no longer used wait for one that does. A memo that
    was empty holds only notes of this build's texts (one entry a text), which need no check."""
    if before and len(store.notes) != before:
        store.keep_notes({plan.notes.key(c.notes) for c in network.contacts.values()})


def _keep_people(root: Path, store: BuildCache, plan: _Plan, network: Network) -> None:
    """Keep who the contacts are, for the notes shortcut to find what wikilinks ask for (only where
    notes can be spliced: the default templates, whose pages have keys)."""
    shape = "" if plan.keys is None else plan.keys.shape
    store.keep_people(root, shape, lambda: tuple((c.id, c.name) for c in network.contacts.values()))


def _write(
    out: Path, old: dict[str, str], plan: _Plan, store: BuildCache, jobs: int, kept: PageStore | None
) -> tuple[WriteStats, list[str]]:
    """Render the pages whose keys changed into a staging folder and swap it in, if anything changed."""
    check_paths([*(p.path for p in plan.pages), *plan.site.assets])
    there = present_files(out) if old else set()
    spare = None if kept is None else caching.spare_site(out.parent)  # a cached build keeps the retired site
    staging = Staging(out, spare)
    try:
        digests, written = _render_into(old, there, plan, store, staging, jobs, kept)
        written |= _put_assets(old, there, plan.site.assets, staging, digests)
        store.pages = {p: v for p, v in store.pages.items() if p in digests}
        if plan.keys is None:
            store.drop_spans()
        if not written and old.keys() == digests.keys() and there.issuperset(digests):
            staging.discard()
            return WriteStats(0, len(digests), 0), list(digests)
        stats = staging.commit(old, digests, written, kept, there)
    except BaseException:
        staging.discard()
        raise
    if kept is not None:
        kept.remember(out, digests)
    return stats, list(digests)


def _put_assets(
    old: dict[str, str], there: set[str], assets: dict[str, bytes], staging: Staging, digests: dict[str, str]
) -> set[str]:
    """Stage the assets that changed; record every asset's digest."""
    written = set()
    for path, data in assets.items():
        digests[path] = digest(data)
        if old.get(path) != digests[path] or path not in there:
            staging.put(path, data)
            written.add(path)
    return written


def _render_into(
    old: dict[str, str],
    there: set[str],
    plan: _Plan,
    store: BuildCache,
    staging: Staging,
    jobs: int,
    kept: PageStore | None,
) -> tuple[dict[str, str], set[str]]:
    """Render every page whose key or file changed, writing changed bytes into staging.

    there is the set of files in output/. Return every page's digest and the paths written. Fine
    keys are checked in the workers.
    """

    # What is known of each page from earlier builds and still true of output/ (or of the page store).
    pages = store.pages
    known = {path: entry for path, entry in pages.items() if old.get(path) == entry[2] and path in there}
    if kept is not None:
        known.update((path, e) for path, e in pages.items() if path not in known and kept.intact(e[2]))

    def work(indices: list[int]) -> tuple[list[_Row], dict]:
        rows: list[_Row] = []
        for index in indices:
            page = plan.pages[index]
            entry = known.get(page.path)
            keys = plan.reusable(index, entry)
            if keys is not None and entry is not None:
                rows.append((page.path, entry[2], False, *keys, None))
                continue
            data, shown = plan.site.render_shown(page)
            sum_ = digest(data)
            changed = old.get(page.path) != sum_ or page.path not in there
            if changed:
                written_to = staging.put(page.path, data)
                if kept is not None:
                    kept.add(written_to, sum_)
            span = plan.notes_span(page, data, sum_, shown)
            rows.append((page.path, sum_, changed, *plan.kept_keys(index, page.path in store.pages), span))
        return rows, plan.notes.take_added()

    digests = {page.path: (entry[2] if (entry := known.get(page.path)) else "") for page in plan.pages}
    written: set[str] = set()
    for rows, added in _run(work, plan.candidates(known), plan, jobs):
        store.notes.update(added)
        for path, sum_, changed, coarse, fine, span in rows:
            digests[path] = sum_
            if changed:
                written.add(path)
            if coarse is not None and fine is not None:
                store.pages[path] = (coarse, fine, sum_)
            if span is not None:
                store.spans[span[0]] = span[1]
    return digests, written


# A rendered page: its path, digest, whether it differs from output/, its keys, and where it shows
# its contact's notes (contact file, span) if it does.
_Row = tuple[str, str, bool, str | None, str | None, tuple[str, NotesSpan] | None]
# A page rendered in memory: its index, keys, bytes (None: held ones reused) and notes span.
_HeldRow = tuple[int, str | None, str | None, bytes | None, tuple[str, NotesSpan] | None]


def _run(
    work: Callable[[list[int]], Any], candidates: tuple[list[int], int], plan: _Plan, jobs: int
) -> list[Any]:
    """Run work over the candidate pages in chunks, in helper processes too when there is enough of it.

    Counting the work in contact pages, a page known from an earlier build (candidates[1] of them)
    counts as a fraction of one, for its keys are checked and mostly show it unchanged, and a page
    that lists everyone as many, one for every BIG_PAGE pages of the site. The biggest pages (the
    calendar, the lists of everyone) go first and alone, but for the dashboard, which goes second
    with the week pages and their list: all of them show the weekly reports, which one process
    then makes (0.03 s at 10,000 contacts, made once a logged call rather than in each process).
    Only when few contact pages are to be rendered and the log is long (LONG_LOG entries: each week
    page is then slow to render, and a role edited on a contact whose log reaches forty weeks
    renders forty) do they go WEEK_CHUNK at a time, for any process to take. Company
    and tag pages follow a few at a time, then contact pages, so that the processes finish together.
    """
    todo, checks = candidates
    kinds: dict[str, list[int]] = {"big": [], "weekly": [], "group": [], "contact": []}
    for i in todo:
        kinds[_kind(plan.pages[i].template)].append(i)
    lists = len(kinds["big"]) + sum(plan.pages[i].template != "week.html" for i in kinds["weekly"])
    if len(todo) - checks + checks // KEY_CHECKS + lists * len(plan.pages) // BIG_PAGE < POOL_PAGES:
        return [work(todo)]
    chunks = [[i] for i in kinds["big"]]
    chunks.sort(key=lambda chunk: plan.pages[chunk[0]].make is None)  # the calendar first
    weekly = kinds["weekly"]
    short_log = plan.site.network.log_size < LONG_LOG
    step = (len(weekly) or 1) if len(kinds["contact"]) >= CHUNK or short_log else WEEK_CHUNK
    chunks[1:1] = [weekly[i : i + step] for i in range(0, len(weekly), step)]
    chunks += [kinds["group"][i : i + 8] for i in range(0, len(kinds["group"]), 8)]
    chunks += [kinds["contact"][i : i + CHUNK] for i in range(0, len(kinds["contact"]), CHUNK)]
    return map_chunks(work, chunks, jobs)


def _kind(template: str) -> str:
    """Tell how a page is handed to the processes that render (see _run)."""
    if template == "contact.html":
        return "contact"
    if template in _WEEKLY:
        return "weekly"
    return "group" if template in _GROUPS else "big"


_GROUPS = frozenset({"company.html", "tag.html"})
_KEYED_AT_ONCE = frozenset({"week.html", "tree.html", "companies.html", "problems.html"})  # _Plan.kept_keys
_WEEKLY = frozenset({"index.html", "weeks.html", "week.html"})  # the pages that show weekly reports


def _render_held(
    root: Path,
    today: date,
    store: BuildCache,
    last: tuple[dict[str, tuple[str, str, bytes]], Any],
    jobs: int,
    compiled: Any = None,
    taken: Inputs | None = None,
    memo: ModelMemo | None = None,
) -> tuple[BuildResult, Any]:
    """Render every file in memory, reusing the bytes of pages whose keys are unchanged; compiled is
    where Jinja keeps compiled templates between builds, taken what this build already listed and
    stat-ed of its inputs, memo what the Builder keeps of the last model. Call it inside settled_heap().

    last is the pages held (renewed here) and what their keys were made of (a pagekeys.Basis, or
    None); return the result and what the renewed pages' keys are made of.
    """
    from .site import RenderError

    held, basis = last
    notes = len(store.notes)
    network, failed = _model(root, today, store, jobs, taken, memo)
    if network is None:
        return failed or BuildResult(failure=_BAD_CONFIG), basis
    try:
        keep_rows = caching.cache_folder(root).is_dir()  # the Builder made it, where it could
        plan = _plan(network, root, store, compiled, keep_rows, basis)
        files = _render_all(plan, held, store, jobs)
        _keep_notes(store, plan, network, notes)
        _keep_people(root, store, plan, network)
    except RenderError as exc:
        return _failed(network, str(exc)), None
    result = BuildResult(list(network.problems), files, network, contacts=len(network.contacts))
    return result, plan.basis()


def _render_all(
    plan: _Plan, held: dict[str, tuple[str, str, bytes]], store: BuildCache, jobs: int
) -> dict[str, bytes]:
    """Render the pages whose keys changed; take the others' bytes from held, which is then renewed.

    The store learns where the pages rendered show their notes.
    """
    pages = plan.pages

    def work(indices: list[int]) -> tuple[list[_HeldRow], dict]:
        rows: list[_HeldRow] = []
        for i in indices:
            keys = plan.reusable(i, held.get(pages[i].path))
            if keys is not None:
                rows.append((i, *keys, None, None))
            else:
                data, shown = plan.site.render_shown(pages[i])
                span = plan.notes_span(pages[i], data, None, shown)
                rows.append((i, *plan.kept_keys(i, pages[i].path in held), data, span))
        return rows, plan.notes.take_added()

    if plan.keys is None:
        store.drop_spans()
    files: dict[str, bytes] = {}
    kept: dict[str, tuple[str, str, bytes]] = {}
    for rows, added in _run(work, plan.candidates(held), plan, jobs):
        plan.notes.memo.update(added)
        for i, coarse, fine, data, span in rows:
            path = pages[i].path
            files[path] = held[path][2] if data is None else data
            if coarse is not None and fine is not None:
                kept[path] = (coarse, fine, files[path])
            if span is not None:
                store.spans[span[0]] = span[1]
    for page in pages:
        if page.path not in files:  # its coarse key matched
            files[page.path] = held[page.path][2]
            kept[page.path] = held[page.path]
    held.clear()
    held.update(kept)
    files = {page.path: files[page.path] for page in pages}  # in the site's order
    files.update(plan.site.assets)
    return files
