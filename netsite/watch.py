"""Watch a journal and rebuild after each burst of changes: the file-watching half of `netsite serve`.

The watchdog callback only records which paths changed and wakes the rebuild thread. That thread
waits for a quiet period (so a `git checkout` of hundreds of files is one rebuild), then runs the
rebuild callable it was given, which tests can replace with a fake. The quiet period is short when
the last event finished saving a file or two (closed after writing, or renamed into place): an
editor's save is then built at once, while a burst of many files waits until it is over.
"""

from __future__ import annotations

import contextlib
import fnmatch
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

CONFIG_FILE = "netsite.toml"
WATCHED_DIRS = ("contacts", "templates")
QUIET = 0.08  # seconds without events before a rebuild starts
QUICK = 0.02  # ... when the last event completed the save of at most QUICK_PATHS files
QUICK_PATHS = 3
MAX_WAIT = 1.0  # a continuous stream of events still rebuilds this often
POLL_INTERVAL = 0.5

# Editor droppings that are not hidden files (hidden ones, such as .x.md.swp and .#x.md, are ignored anyway).
DROPPINGS = (
    "*~",
    "4913",
    "*___jb_tmp___",
    "*___jb_old___",
    "*.bck",
    "*.crdownload",
    "*.part",
    "*.swp",
    "*.swo",
    "*.swx",
    "*.tmp",
    "#*#",
    "*.kate-swp",
)

# Only these reach the handler; with inotify the kernel is not even asked for the rest (notably the
# open and close-without-write events every build causes by reading every contact file).
EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]


@dataclass
class Changes:
    """What changed since the last rebuild: absolute paths, and whether to rebuild everything."""

    paths: set[Path] = field(default_factory=set)
    full: bool = False


def is_dropping(name: str) -> bool:
    """Tell whether a file name is an editor's swap, backup or temporary file."""
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, p) for p in DROPPINGS)


def relevant(root: Path, path: str | Path, is_directory: bool = False) -> Path | None:
    """Return path relative to root when a change there can change the site, else None."""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        return None
    parts = rel.parts
    if rel.as_posix() == CONFIG_FILE:
        return rel
    if not parts or parts[0] not in WATCHED_DIRS or any(is_dropping(p) for p in parts):
        return None
    if parts[0] == "contacts" and len(parts) > 1 and not is_directory and not parts[-1].endswith(".md"):
        return None
    return rel


class JournalEventHandler(FileSystemEventHandler):
    """Turn watchdog events into calls of record(absolute paths, structural, settled)."""

    def __init__(self, root: Path, record: Callable[[set[Path], bool, bool], None]) -> None:
        self.root = root
        self.record = record

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Record the paths of an event that can change the site; ignore the rest."""
        if event.is_directory and event.event_type == "modified":
            return  # a folder's entries changed: the entries' own events say which
        if event.event_type not in {"created", "modified", "closed", "deleted", "moved"}:
            return
        paths = [p for p in (event.src_path, event.dest_path) if p]
        found = {rel for p in paths if (rel := relevant(self.root, str(p), event.is_directory))}
        if found:
            structural = event.is_directory and any(len(rel.parts) == 1 for rel in found)
            self.record({self.root / rel for rel in found}, structural, self._settles(event))

    def _settles(self, event: FileSystemEvent) -> bool:
        """Tell whether an event completes a save: a file closed after writing, or renamed into place."""
        if event.event_type == "moved" and not event.is_directory:
            return relevant(self.root, str(event.dest_path)) is not None
        return event.event_type == "closed"


class ChangeQueue:
    """Collect changes from the watcher and hand them over once no new ones came for a quiet period."""

    def __init__(self, quiet: float = QUIET, max_wait: float = MAX_WAIT, quick: float = QUICK) -> None:
        self.quiet = quiet
        self.quick = min(quick, quiet)
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._pending = Changes()
        self._has_pending = False
        self._settled = False
        self._first = self._last = 0.0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, paths: Iterable[Path], full: bool = False, settled: bool = False) -> None:
        """Add changed paths (full: rebuild everything; settled: this event completed a save)."""
        with self._cond:
            now = time.monotonic()
            first = not self._has_pending
            if first:
                self._first = now
                self._has_pending = True
            self._settled = settled
            self._last = now
            self._pending.paths.update(paths)
            self._pending.full |= full
            if first or settled:
                self._cond.notify_all()  # a first change, or the wait may now be shorter

    def take(self, timeout: float | None = None) -> Changes | None:
        """Wait for changes and then for quiet; return them, or None on close or timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._has_pending or self._closed, timeout):
                return None
            while not self._closed and (delay := self._settle_delay()) > 0:
                self._cond.wait(delay)
            if self._closed:
                return None
            changes, self._pending, self._has_pending = self._pending, Changes(), False
            return changes

    def _settle_delay(self) -> float:
        few = len(self._pending.paths) <= QUICK_PATHS and not self._pending.full
        quiet = self.quick if self._settled and few else self.quiet
        return min(self._last + quiet, self._first + self.max_wait) - time.monotonic()

    def close(self) -> None:
        """Wake every waiter; take() returns None from now on."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class RebuildLoop:
    """Run rebuild(changes) on a thread after each burst; a rebuild that raises never stops the loop."""

    def __init__(
        self,
        queue: ChangeQueue,
        rebuild: Callable[[Changes], object],
        tick: Callable[[], bool] | None = None,
        tick_every: float = 30.0,
    ) -> None:
        self.queue = queue
        self.rebuild = rebuild
        self.tick = tick
        self.tick_every = tick_every
        self.thread = threading.Thread(target=self._run, name="netsite-rebuild", daemon=True)

    def start(self) -> None:
        """Start the rebuild thread."""
        self.thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Close the queue and wait for the current rebuild, if any, to finish."""
        self.queue.close()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.queue.closed:
            changes = self.queue.take(timeout=self.tick_every)
            if changes is None and not self.queue.closed and self.tick is not None and self.tick():
                changes = Changes(full=True)  # e.g. the date moved on past midnight
            if changes is not None and not self.queue.closed:
                self._safely(changes)

    def _safely(self, changes: Changes) -> None:
        try:
            self.rebuild(changes)
        except Exception:
            traceback.print_exc()


class JournalWatcher:
    """Watch netsite.toml, contacts/ and templates/ of a journal and put each change in a queue."""

    def __init__(self, root: Path, queue: ChangeQueue, poll: bool = False) -> None:
        self.root = root
        self.queue = queue
        self.observer: BaseObserver = PollingObserver(timeout=POLL_INTERVAL) if poll else Observer()
        self.handler = JournalEventHandler(root, self._record)
        self._watches: dict[str, ObservedWatch] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start watching (raises OSError when the system refuses, e.g. out of inotify watches)."""
        self._schedule(".", self.root, recursive=False)
        self.sync()
        self.observer.start()

    def stop(self) -> None:
        """Stop watching and join the watchdog threads."""
        if self.observer.is_alive():
            self.observer.stop()
            self.observer.join()

    def sync(self, force: bool = False) -> None:
        """Watch each of contacts/ and templates/ that exists now (force: renew the watches)."""
        with self._lock:
            for name in WATCHED_DIRS:
                folder = self.root / name
                if name in self._watches and (force or not folder.is_dir()):
                    self._unschedule(name)
                if name not in self._watches and folder.is_dir():
                    self._schedule(name, folder, recursive=True)

    def _schedule(self, name: str, folder: Path, recursive: bool) -> None:
        self._watches[name] = self.observer.schedule(
            self.handler, str(folder), recursive=recursive, event_filter=EVENT_TYPES
        )

    def _unschedule(self, name: str) -> None:
        watch = self._watches.pop(name)
        with contextlib.suppress(KeyError, ValueError, OSError):  # its folder went away: already stopped
            self.observer.unschedule(watch)

    def _record(self, paths: set[Path], structural: bool, settled: bool) -> None:
        self.queue.put(paths, full=structural, settled=settled)
