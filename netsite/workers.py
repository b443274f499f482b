"""Run a function over chunks of work in this process and forked helpers (Linux, macOS), in order.

Helpers are forked, so they start with the caller's memory: the function and everything it
reaches (the model, the templates) are never pickled; only results cross processes, once, at the
end. The calling process works too, taking chunks from the same tickets, so two CPUs
mean two processes, not an idle parent and two workers copying its memory.

A forked helper must not need a lock another thread held at the fork: the work it runs does not
import, log or print.

The processes take chunks from a pipe of tickets, one per chunk, written before the fork: a read of
four bytes from a pipe is never split between readers. (multiprocessing's shared counter would do
as well, but importing multiprocessing costs every `netsite` command 5 ms.)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


class WorkerError(Exception):
    """A helper process died or could not report its results."""


def cpu_count() -> int:
    """Return how many CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Tell whether helper processes can be forked here."""
    return hasattr(os, "fork")


@contextmanager
def settled_heap() -> Iterator[None]:
    """Keep the cyclic garbage collector off the objects made so far, then restore it.

    A build makes its model once and keeps it to the end: collecting would rescan it again and
    again, and in forked helpers would touch (and so copy) every inherited page of memory.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    # Pages are made and dropped by the thousand, in no cycles: collect the young ones seldom.
    gc.set_threshold(max(threshold[0], 10_000), max(threshold[1], 100), *threshold[2:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def keep_freed_memory() -> None:
    """Have glibc's malloc keep the memory a one-shot command frees, to use it again (where it can).

    A build makes and drops big strings and buffers (a list of everyone is 6 MB, made and copied a
    few times over); by default each comes from the kernel afresh, one page fault for every 4 KB,
    and goes back when freed. At 10,000 contacts a logged call took 75,000 faults (1.5 us each);
    kept, 10,000 fewer, for 15 MB more at the peak. Elsewhere (macOS, musl) nothing changes.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's highest: blocks up to 32 MB come from the heap
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)  # and the heap is not given back while the command runs


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def collect_no_cycles() -> None:
    """Turn the cyclic garbage collector off for a one-shot command, to its end.

    A build makes next to no reference cycles (a logged call at 10,000 contacts: 14 collections in
    the building process found 9 objects, a cold build's peak memory is the same without them), yet
    each collection walks the young objects, and in a forked helper writes to the pages it shares
    with its parent, which the kernel must then copy: about 20 ms of a logged call (0.523 -> 0.505 s
    in turns, sixteen rounds), 3 % of a cold build.
    What cycles there are go with the process, which ends as soon as the command is done.
    """
    gc.disable()


_left: list[Any] | None = None  # what leave_to_exit keeps, once the process is to end at once


def ending_at_once() -> None:
    """Say that this process ends with os._exit as soon as its command is done (cli.run)."""
    global _left
    _left = []


def leave_to_exit(*objects: Any) -> None:
    """Keep objects alive to the end of a process that ends at once (ending_at_once).

    Freed one by one, a build's cache of 10,000 contacts costs 0.04 s that nobody needs. Elsewhere
    (serve, tests) objects are freed as usual.
    """
    if _left is not None:
        _left.append(objects)


@contextmanager
def no_collection(settle: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector (loading makes many objects and no cycles).

    With settle, inside settled_heap(), what was made is frozen before the collector resumes: it
    lives to the end of the build, and the first collection would otherwise scan all of it (about
    0.1 s for a model of 10,000 contacts).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if settle:
            gc.freeze()
        if was:
            gc.enable()


def map_chunks(
    work: Callable[[Any], Any], chunks: Sequence[Any], jobs: int, repeats: bool = False
) -> list[Any]:
    """Return [work(c) for c in chunks], shared by this process and jobs - 1 forked helpers.

    Chunks are taken in order from shared tickets, so the processes finish together. An exception
    in a helper is raised here; a helper that dies makes a WorkerError. repeats: the results hold
    the same objects many times over (see pickled).
    """
    return map_chunks_beside(None, work, chunks, jobs, repeats)[1]


def map_chunks_beside(
    first: Callable[[], Any] | None,
    work: Callable[[Any], Any],
    chunks: Sequence[Any],
    jobs: int,
    repeats: bool = False,
) -> tuple[Any, list[Any]]:
    """Return (first(), [work(c) for c in chunks]): this process runs first, then joins the helpers.

    So a helper's core does chunks while this process does something only it can (first may
    change this process's memory; the helpers, forked before, never see it).
    """
    helpers = min(jobs, len(chunks)) - 1 if first is None else min(jobs - 1, len(chunks))
    if helpers < 1 or not can_fork() or len(chunks) > MAX_CHUNKS:
        return (first() if first is not None else None), [work(chunk) for chunk in chunks]
    tickets = _tickets(len(chunks))
    started: list[tuple[int, int]] = []
    try:
        started += [_fork(work, chunks, tickets, repeats) for _ in range(helpers)]
        ahead = first() if first is not None else None
        done = dict(_take(work, chunks, tickets))
        for _, reader in started:
            done.update(_collect(reader))
    finally:
        os.close(tickets)
        for pid, reader in started:
            _stop(pid, reader)
    return ahead, [done[i] for i in range(len(chunks))]


MAX_CHUNKS = 16_384  # the tickets a pipe holds (64 KiB); netsite hands out a few hundred chunks at most
_TICKET = 4  # bytes


def _tickets(count: int) -> int:
    """Return the reading end of a pipe that holds the tickets of count chunks, in order, and no more."""
    reader, writer = os.pipe()
    try:
        os.write(writer, b"".join(i.to_bytes(_TICKET, "little") for i in range(count)))
    finally:
        os.close(writer)
    return reader


class Helper:
    """A task run in a forked helper process while this process goes on (where it can fork; else at
    once, here). The task must not import, log or print (see above); an error only fails it."""

    def __init__(self, task: Callable[[], None]) -> None:
        self.pid: int | None = None
        self.ok = True
        if not can_fork():
            try:
                task()
            except Exception:
                self.ok = False
            return

        def run() -> bool:
            task()
            return True

        self.pid = _forked(run)

    def wait(self) -> bool:
        """Wait for the task to end; tell whether it succeeded."""
        if self.pid is not None:
            _, status = os.waitpid(self.pid, 0)
            self.pid, self.ok = None, os.waitstatus_to_exitcode(status) == 0
        return self.ok

    def stop(self) -> None:
        """End the task now if it has not ended (a task that may be cut short anywhere)."""
        if self.pid is not None:
            _stop_process(self.pid)
            self.pid = None


def _take(work: Callable[[Any], Any], chunks: Sequence[Any], tickets: int) -> list[tuple[int, Any]]:
    """Work on chunks taken one by one from the tickets until none is left."""
    done = []
    while ticket := os.read(tickets, _TICKET):
        index = int.from_bytes(ticket, "little")
        done.append((index, work(chunks[index])))
    return done


def _forked(child: Callable[[], bool]) -> int:
    """Fork a helper that runs child and leaves without running the parent's clean-up: with exit
    code 0 if child returned true, else (false, or an exception) 1. Return its pid."""
    pid = os.fork()
    if pid == 0:
        _default_signals()
        ok = False
        try:
            ok = child()
        finally:
            os._exit(0 if ok else 1)
    return pid


def _fork(work: Callable[[Any], Any], chunks: Sequence[Any], tickets: int, repeats: bool) -> tuple[int, int]:
    """Start a helper; return its pid and the pipe its results will come through."""
    reader, writer = os.pipe()

    def child() -> bool:
        os.close(reader)
        return _report(writer, work, chunks, tickets, repeats)

    pid = _forked(child)
    os.close(writer)
    return pid, reader


def _report(
    writer: int, work: Callable[[Any], Any], chunks: Sequence[Any], tickets: int, repeats: bool
) -> bool:
    """Work on chunks, and send the parent the outcome; tell whether it could be sent."""
    try:
        try:
            outcome: tuple[str, Any] = ("done", _take(work, chunks, tickets))
        except BaseException as exc:  # reported to the parent, which raises it
            outcome = ("failed", exc)
        try:
            data = pickled(outcome, repeats)
        except Exception as exc:  # an exception that cannot be pickled: send its words
            data = pickle.dumps(("failed", WorkerError(f"{type(exc).__name__}: {outcome[1]}")))
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        return False
    return True


def pickled(value: Any, repeats: bool = False) -> bytes:
    """Pickle value; with repeats, remembering each object written, to write it once if met again.

    That memo makes a smaller pickle, quicker to read, of values that hold the same objects many
    times over (parses: the same dates, kinds and strings in entry after entry). Values that hold
    nothing twice (notes, rows, page keys) are written several times quicker without it (3.4 MB of
    notes: 9 ms instead of 25). Without it, a cycle is refused at once (there is none to write).
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = not repeats
    pickler.dump(value)
    return buffer.getvalue()


def _default_signals() -> None:
    """Let Ctrl-C and SIGTERM end a helper plainly, whatever handlers its parent had set."""
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(number, signal.SIG_DFL)


def _collect(reader: int) -> list[tuple[int, Any]]:
    """Read a helper's results, raising its exception if it had one."""
    with os.fdopen(reader, "rb", closefd=False) as pipe:
        data = pipe.read()
    if not data:
        raise WorkerError("a worker process died before reporting its results")
    kind, value = pickle.loads(data)
    if kind == "failed":
        raise value
    return value


def _stop(pid: int, reader: int) -> None:
    """Make sure a helper has ended and is reaped, and close its pipe."""
    with contextlib.suppress(OSError):
        os.close(reader)
    _stop_process(pid)


def _stop_process(pid: int) -> None:
    """End a helper if it is still running, and reap it."""
    with contextlib.suppress(ChildProcessError):
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == 0:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
