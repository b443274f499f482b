"""The watcher and debounce of `netsite serve`, on real temporary journals with a fake builder."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    DirModifiedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from netsite.watch import (
    QUICK_PATHS,
    ChangeQueue,
    Changes,
    JournalEventHandler,
    JournalWatcher,
    RebuildLoop,
    relevant,
)

QUIET_SPELL = 0.4  # how long "nothing more happened" is watched for


def contact(name: str, note: str = "") -> str:
    return f"---\nname: {name}\n---\n{note}\n"


def journal(root: Path, count: int = 3) -> Path:
    (root / "contacts").mkdir(parents=True)
    for i in range(count):
        (root / "contacts" / f"p{i}.md").write_text(contact(f"Person {i}"))
    (root / "netsite.toml").write_text('[site]\ntitle = "T"\n')
    return root


class Recorder:
    """A fake rebuild: remembers each call's changes."""

    def __init__(self) -> None:
        self.calls: list[Changes] = []
        self.cond = threading.Condition()

    def __call__(self, changes: Changes) -> None:
        with self.cond:
            self.calls.append(changes)
            self.cond.notify_all()

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[Changes]:
        """Wait until count rebuilds happened; return them all."""
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.calls) >= count, timeout), f"calls: {self.calls}"
            return list(self.calls)

    def quiet(self) -> list[Changes]:
        """Return the rebuilds once nothing new has happened for a while."""
        time.sleep(QUIET_SPELL)
        with self.cond:
            return list(self.calls)

    def paths(self, root: Path) -> set[str]:
        with self.cond:
            return {p.relative_to(root).as_posix() for c in self.calls for p in c.paths}

    def clear(self) -> None:
        with self.cond:
            self.calls.clear()


@contextmanager
def watching(root: Path, poll: bool = False) -> Iterator[Recorder]:
    recorder = Recorder()
    queue = ChangeQueue()  # the defaults serve uses
    watcher = JournalWatcher(root, queue, poll=poll)
    loop = RebuildLoop(queue, recorder)
    watcher.start()
    loop.start()
    time.sleep(0.1 if not poll else 0.7)  # a polling observer takes its first snapshot
    try:
        yield recorder
    finally:
        loop.stop(timeout=5)
        watcher.stop()
        assert not loop.thread.is_alive() and not watcher.observer.is_alive()


# --- which paths matter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "contacts/jane.md",
        "contacts/sub/jane.md",
        "templates/contact.html",
        "templates/assets/style.css",
        "netsite.toml",
    ],
)
def test_relevant_paths(tmp_path: Path, path: str) -> None:
    assert relevant(tmp_path, tmp_path / path) == Path(path)


@pytest.mark.parametrize(
    "path",
    [
        "contacts/.jane.md.swp",
        "contacts/.jane.md.swx",
        "contacts/jane.md~",
        "contacts/.#jane.md",
        "contacts/4913",
        "contacts/jane.md___jb_tmp___",
        "contacts/jane.md___jb_old___",
        "contacts/jane.bck",
        "contacts/jane.md.crdownload",
        "contacts/notes.txt",
        "contacts/.git/index",
        "templates/.base.html.swp",
        "templates/4913",
        "templates/base.html~",
        "output/index.html",
        ".git/HEAD",
        ".netsite/cache",
        ".output.staging/index.html",
        "README.md",
        "netsite.toml~",
    ],
)
def test_ignored_paths(tmp_path: Path, path: str) -> None:
    assert relevant(tmp_path, tmp_path / path) is None


def test_paths_outside_the_journal_are_ignored(tmp_path: Path) -> None:
    assert relevant(tmp_path / "j", tmp_path / "other" / "contacts" / "x.md") is None


def handled(root: Path, *events: object) -> list[tuple[set[str], bool]]:
    got: list[tuple[set[str], bool]] = []
    handler = JournalEventHandler(root, lambda paths, full, _: got.append(({str(p) for p in paths}, full)))
    for event in events:
        handler.dispatch(event)  # type: ignore[arg-type]
    return got


def test_handler_records_the_target_of_a_rename_over(tmp_path: Path) -> None:
    move = FileMovedEvent(str(tmp_path / "contacts/jane.md.tmp"), str(tmp_path / "contacts/jane.md"))
    assert handled(tmp_path, move) == [({str(tmp_path / "contacts/jane.md")}, False)]


def test_handler_marks_events_that_complete_a_save(tmp_path: Path) -> None:
    got: list[bool] = []
    handler = JournalEventHandler(tmp_path, lambda paths, full, settled: got.append(settled))
    contacts = tmp_path / "contacts"
    handler.dispatch(FileCreatedEvent(str(contacts / "a.md")))
    handler.dispatch(FileClosedEvent(str(contacts / "a.md")))
    handler.dispatch(FileMovedEvent(str(contacts / "a.md"), str(contacts / "a.md~")))  # vim's backup
    handler.dispatch(FileMovedEvent(str(contacts / "a.md.tmp"), str(contacts / "a.md")))
    assert got == [False, True, False, True]


def test_handler_ignores_reads_and_folder_mtime(tmp_path: Path) -> None:
    events = [
        FileOpenedEvent(str(tmp_path / "contacts/jane.md")),
        FileClosedNoWriteEvent(str(tmp_path / "contacts/jane.md")),
        DirModifiedEvent(str(tmp_path / "contacts")),
        FileCreatedEvent(str(tmp_path / "contacts/.jane.md.swp")),
    ]
    assert handled(tmp_path, *events) == []


def test_a_watched_folder_appearing_asks_for_a_full_rebuild(tmp_path: Path) -> None:
    assert handled(tmp_path, DirCreatedEvent(str(tmp_path / "templates"))) == [
        ({str(tmp_path / "templates")}, True)
    ]


# --- debounce -----------------------------------------------------------------------------------


def test_queue_merges_a_burst_and_waits_for_quiet() -> None:
    queue = ChangeQueue(quiet=0.1, max_wait=5)
    last_put: list[float] = []

    def burst() -> None:
        for i in range(5):
            queue.put({Path(f"/j/contacts/{i}.md")})
            last_put.append(time.monotonic())
            time.sleep(0.03)

    feeder = threading.Thread(target=burst)
    feeder.start()
    changes = queue.take(timeout=5)
    taken = time.monotonic()
    feeder.join()
    assert changes is not None and len(changes.paths) == 5 and not changes.full
    assert taken - last_put[-1] >= 0.1 - 0.005  # handed over only after a quiet period


def test_a_completed_save_of_one_file_is_handed_over_sooner_than_a_burst() -> None:
    queue = ChangeQueue(quiet=0.5, quick=0.02)
    path = Path("/j/contacts/a.md")
    threading.Timer(0.05, lambda: queue.put({path})).start()  # created: the editor is still writing
    threading.Timer(0.1, lambda: queue.put({path}, settled=True)).start()  # closed after writing
    started = time.monotonic()
    assert queue.take(timeout=5) is not None
    assert time.monotonic() - started < 0.4
    for i in range(QUICK_PATHS + 1):
        queue.put({Path(f"/j/contacts/{i}.md")}, settled=True)
    started = time.monotonic()
    assert queue.take(timeout=5) is not None
    assert time.monotonic() - started >= 0.5 - 0.01  # many files: wait for the burst to end


def test_queue_hands_over_a_continuous_stream_after_max_wait() -> None:
    queue = ChangeQueue(quiet=0.1, max_wait=0.3)
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            queue.put({Path("/j/contacts/x.md")})
            time.sleep(0.01)

    feeder = threading.Thread(target=stream)
    feeder.start()
    try:
        started = time.monotonic()
        assert queue.take(timeout=5) is not None
        assert time.monotonic() - started < 2.0
    finally:
        stop.set()
        feeder.join()


def test_queue_take_times_out_and_close_wakes_it() -> None:
    queue = ChangeQueue()
    assert queue.take(timeout=0.05) is None
    threading.Timer(0.1, queue.close).start()
    assert queue.take(timeout=5) is None and queue.closed


def test_loop_survives_a_failing_rebuild(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[Changes] = []

    def rebuild(changes: Changes) -> None:
        calls.append(changes)
        if len(calls) == 1:
            raise RuntimeError("boom")

    queue = ChangeQueue(quiet=0.01)
    loop = RebuildLoop(queue, rebuild)
    loop.start()
    queue.put({Path("/a")})
    deadline = time.monotonic() + 5
    while len(calls) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    queue.put({Path("/b")})
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    loop.stop(timeout=5)
    assert [c.paths for c in calls] == [{Path("/a")}, {Path("/b")}]
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_loop_rebuilds_everything_when_the_tick_says_the_date_moved() -> None:
    recorder = Recorder()
    ticks = iter([False, True])
    loop = RebuildLoop(ChangeQueue(), recorder, tick=lambda: next(ticks, False), tick_every=0.05)
    loop.start()
    try:
        assert recorder.wait(1)[0].full
    finally:
        loop.stop(timeout=5)


# --- a real journal, real file events -----------------------------------------------------------


def test_create_edit_and_delete_each_rebuild_once(tmp_path: Path) -> None:
    root = journal(tmp_path)
    with watching(root) as rec:
        (root / "contacts/new.md").write_text(contact("New"))
        rec.wait(1)
        assert rec.paths(root) == {"contacts/new.md"} and len(rec.quiet()) == 1
        rec.clear()
        (root / "contacts/p1.md").write_text(contact("Person 1", "edited"))
        rec.wait(1)
        assert rec.paths(root) == {"contacts/p1.md"} and len(rec.quiet()) == 1
        rec.clear()
        (root / "contacts/p2.md").unlink()
        rec.wait(1)
        assert rec.paths(root) == {"contacts/p2.md"} and len(rec.quiet()) == 1


def test_rename_over_save_rebuilds_the_target(tmp_path: Path) -> None:
    root = journal(tmp_path)
    with watching(root) as rec:
        tmp = root / "contacts/p1.md.tmp"
        tmp.write_text(contact("Person 1", "saved by rename"))
        os.replace(tmp, root / "contacts/p1.md")
        rec.wait(1)
        assert "contacts/p1.md" in rec.paths(root) and len(rec.quiet()) == 1


def test_vim_style_save_is_one_rebuild(tmp_path: Path) -> None:
    root = journal(tmp_path)
    target = root / "contacts/p1.md"
    with watching(root) as rec:
        swap = root / "contacts/.p1.md.swp"
        swap.write_bytes(b"swap")
        probe = root / "contacts/4913"  # vim checks it may create files here
        probe.write_bytes(b"")
        probe.unlink()
        os.rename(target, root / "contacts/p1.md~")  # backupcopy=no: the old file becomes the backup
        target.write_text(contact("Person 1", "saved by vim"))
        (root / "contacts/p1.md~").unlink()
        swap.unlink()
        rec.wait(1)
        assert rec.paths(root) == {"contacts/p1.md"} and len(rec.quiet()) == 1


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
@pytest.mark.parametrize("backupcopy", ["auto", "yes", "no"])
def test_real_vim_save_is_one_rebuild(tmp_path: Path, backupcopy: str) -> None:
    root = journal(tmp_path)
    target = root / "contacts/p1.md"
    with watching(root) as rec:
        # backupskip= : vim makes no backup of files under /tmp by default, so it would write in place
        settings = f"set backupskip= backupcopy={backupcopy} writebackup"
        command = ["vim", "-E", "-s", "-N", "-i", "NONE", "-c", settings]
        command += ["-c", "%s/Person 1/Person One/", "-c", "wq", str(target)]
        subprocess.run(command, check=True, timeout=30, stdin=subprocess.DEVNULL)
        rec.wait(1)
        assert rec.paths(root) == {"contacts/p1.md"} and len(rec.quiet()) == 1
    assert "Person One" in target.read_text()
    assert sorted(p.name for p in (root / "contacts").iterdir()) == ["p0.md", "p1.md", "p2.md"]


def test_jetbrains_safe_write_is_one_rebuild(tmp_path: Path) -> None:
    root = journal(tmp_path)
    target = root / "contacts/p1.md"
    with watching(root) as rec:
        tmp = root / "contacts/p1.md___jb_tmp___"
        tmp.write_text(contact("Person 1", "saved by an IDE"))
        os.rename(target, root / "contacts/p1.md___jb_old___")
        os.rename(tmp, target)
        (root / "contacts/p1.md___jb_old___").unlink()
        rec.wait(1)
        assert rec.paths(root) == {"contacts/p1.md"} and len(rec.quiet()) == 1


def test_editor_droppings_alone_never_rebuild(tmp_path: Path) -> None:
    root = journal(tmp_path)
    (root / "templates").mkdir()
    with watching(root) as rec:
        for name in [".p1.md.swp", "p1.md~", ".#p1.md", "4913", "x___jb_tmp___", "a.bck", "b.crdownload"]:
            (root / "contacts" / name).write_bytes(b"x")
            (root / "templates" / name).write_bytes(b"x")
        (root / "contacts/notes.txt").write_text("not a contact")
        (root / "output").mkdir()
        (root / "output/index.html").write_text("built")
        (root / "README.md").write_text("hi")
        (root / "contacts/p1.md").read_text()  # reading is not a change
        assert rec.quiet() == []


def test_burst_of_500_files_is_one_rebuild(tmp_path: Path) -> None:
    root = journal(tmp_path)
    texts = {root / "contacts" / f"b{i:03d}.md": contact(f"Burst {i}") for i in range(500)}
    with watching(root) as rec:
        for path, text in texts.items():
            path.write_text(text)
        calls = rec.wait(1)
        calls = rec.quiet()
        assert len(calls) == 1, [len(c.paths) for c in calls]
        assert len(calls[0].paths) == 500


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_checkout_of_500_files_is_one_rebuild(tmp_path: Path) -> None:
    root = journal(tmp_path, count=500)

    def git(*args: str) -> None:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
        env["GIT_COMMITTER_EMAIL"] = "t@t"
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "one")
    git("checkout", "-q", "-b", "other")
    for i in range(500):
        (root / "contacts" / f"p{i}.md").write_text(contact(f"Person {i}", "on the other branch"))
    git("commit", "-q", "-am", "two")
    git("checkout", "-q", "main")
    with watching(root) as rec:
        git("checkout", "-q", "other")
        rec.wait(1)
        calls = rec.quiet()
        assert len(calls) == 1 and len(calls[0].paths) == 500


def test_a_contacts_folder_appearing_is_a_full_rebuild(tmp_path: Path) -> None:
    with watching(tmp_path) as rec:
        (tmp_path / "contacts").mkdir()
        changes = rec.wait(1)[0]
        assert changes.full and changes.paths == {tmp_path / "contacts"}


def test_sync_watches_a_folder_that_appeared(tmp_path: Path) -> None:
    root = journal(tmp_path)
    recorder = Recorder()
    queue = ChangeQueue()
    watcher = JournalWatcher(root, queue)

    def rebuild(changes: Changes) -> None:
        if changes.full:
            watcher.sync(force=True)
        recorder(changes)

    loop = RebuildLoop(queue, rebuild)
    watcher.start()
    loop.start()
    try:
        (root / "templates").mkdir()
        recorder.wait(1)
        recorder.quiet()
        recorder.clear()
        (root / "templates/base.html").write_text("<html></html>")
        recorder.wait(1)
        assert recorder.paths(root) == {"templates/base.html"}
    finally:
        loop.stop(timeout=5)
        watcher.stop()


def test_config_edit_rebuilds(tmp_path: Path) -> None:
    root = journal(tmp_path)
    with watching(root) as rec:
        (root / "netsite.toml").write_text('[site]\ntitle = "Changed"\n')
        rec.wait(1)
        assert rec.paths(root) == {"netsite.toml"}


def test_polling_observer_sees_edits(tmp_path: Path) -> None:
    root = journal(tmp_path)
    with watching(root, poll=True) as rec:
        (root / "contacts/p0.md").write_text(contact("Person 0", "polled and found, with more text"))
        rec.wait(1, timeout=10)
        assert rec.paths(root) == {"contacts/p0.md"}
