"""Benchmark `netsite build` at 100, 1,000 and 10,000 contacts, beside Hugo when it is installed.

    python bench/build.py                      # all three sizes
    python bench/build.py --sizes 1000 --runs 5
    python bench/build.py --journal PATH       # a copy of a journal of your own instead

For each size it generates a deterministic journal (bench/journal_gen.py), then times, each in a
fresh process as a user would run it:

- cold build: no output/ and no .netsite/ cache, best of --runs (the last run's folders are set aside,
  not deleted, and so are Hugo's: see _set_aside), each run in turn with one of Hugo's;
- rebuild with nothing changed (and checks that no file in output/ was rewritten);
- rebuild into an empty output/, with the .netsite/ cache of parses and notes kept;
- rebuild after editing one contact's notes, and after logging a call on one contact (also as the
  first build after a cold one);
- rebuild after adding a contact (referred by one, with a call logged and a note naming the
  referrer; the files added are removed afterwards);
- peak memory: the largest resident set (RSS) of any one process, and the memory of all of a
  build's processes together (PSS, which counts pages forked workers share once; sampled every
  20 ms during one more cold build, not timed, as sampling slows it);
- Hugo (`hugo` on PATH, e.g. Debian's package) building the same contact files with a minimal
  theme (one page per contact with name, company, referrer, log and notes; one list page), best
  of --runs, and netsite's best cold time as a multiple of Hugo's best, with the range of the
  ratios of the runs made in turn.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from journal_gen import generate

TODAY = "2026-11-21"
HUGO_CONFIG = """\
baseURL = "http://localhost/"
title = "contacts"
contentDir = "{content}"
publishDir = "{public}"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "section", "404"]
"""
HUGO_SINGLE = """\
<!doctype html><html><head><meta charset="utf-8"><title>{{ .Params.name }}</title></head><body>
<h1>{{ .Params.name }}</h1>
<p>{{ with .Params.company }}{{ . }}{{ end }} ·
referred by {{ with .Params.referred_by }}{{ . }}{{ else }}me{{ end }}</p>
<ol>{{ range .Params.log }}<li>{{ . }}</li>{{ end }}</ol>
<section>{{ .Content }}</section>
</body></html>
"""
HUGO_LIST = """\
<!doctype html><html><head><meta charset="utf-8"><title>Contacts</title></head><body>
<h1>Contacts</h1>
<ul>{{ range .Site.RegularPages }}
<li><a href="{{ .RelPermalink }}">{{ .Params.name }}</a> {{ .Params.company }}</li>{{ end }}</ul>
</body></html>
"""


@dataclass
class Run:
    """One timed process: wall time, peak RSS of its largest process and of all of them (MB)."""

    seconds: float
    rss_mb: float
    total_mb: float
    out: str


def main() -> int:
    args = _arguments()
    netsite = _netsite_command()
    _byte_compile()
    hugo = shutil.which("hugo")
    print(_machine(hugo))
    print(f"netsite: {' '.join(netsite)}; TODAY {TODAY}; best of {args.runs} runs\n")
    colds: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="netsite-bench-") as scratch:
        if args.journal is not None:
            root = Path(scratch) / "journal"
            _copy_journal(args.journal, root)
            _bench(root, str(args.journal.resolve()), netsite, hugo, args.runs)
            return 0
        for size in args.sizes:
            root = Path(scratch) / f"journal-{size}"
            generate(root, size)
            colds[size] = _bench(root, f"{size:,} contacts", netsite, hugo, args.runs)
    _linearity(colds)
    return 0


def _copy_journal(source: Path, root: Path) -> None:
    """Copy what a build reads of a journal (its contacts, config and templates): the edits go there."""
    shutil.copytree(source / "contacts", root / "contacts")
    if (source / "netsite.toml").is_file():
        shutil.copy2(source / "netsite.toml", root / "netsite.toml")
    if (source / "templates").is_dir():
        shutil.copytree(source / "templates", root / "templates")


def _arguments() -> argparse.Namespace:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--sizes", default="100,1000,10000", help="contact counts (default: 100,1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is shown")
    parser.add_argument("--journal", type=Path, help="time a copy of this journal instead of generated ones")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    return args


def _byte_compile() -> None:
    """Byte-compile netsite's modules once, as `pip install` does.

    An editable install under PYTHONDONTWRITEBYTECODE (set on some CI machines and sandboxes)
    would otherwise compile every module again in every timed run.
    """
    spec = importlib.util.find_spec("netsite")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def _netsite_command() -> list[str]:
    """Return the installed `netsite` script beside this Python, as a user's shell would run it.

    It is looked for there first: a version manager's shim on PATH (pyenv's is a shell script that
    starts pyenv) would add its own 0.05-0.1 s to every timing.
    """
    beside = Path(sys.executable).with_name("netsite")
    found = str(beside) if beside.is_file() else shutil.which("netsite")
    return [found] if found else [sys.executable, "-m", "netsite"]


def _machine(hugo: str | None) -> str:
    cpu = [
        line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines() if "model name" in line
    ]
    model = cpu[0] if cpu else platform.processor() or "unknown CPU"
    memory = next(
        (line.split()[1] for line in _read("/proc/meminfo").splitlines() if "MemTotal" in line), "0"
    )
    hugo_version = _version([hugo, "version"]) if hugo else "not installed (no comparison)"
    return (
        f"machine: {model}, {os.cpu_count()} cores, {int(memory) // 1024 // 1024 + 1} GB RAM, "
        f"{platform.system()} {platform.release()}\n"
        f"python {platform.python_version()}; hugo: {hugo_version}"
    )


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(command: list[str]) -> str:
    said = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    return said.strip().split(" BuildDate")[0]


def _bench(root: Path, title: str, netsite: list[str], hugo: str | None, runs: int) -> float:
    """Measure one journal and print its table; return the cold build time."""
    time.sleep(2.2)  # let the files settle: the cache trusts a file's stat only once it is 2 s old
    build = [*netsite, "build", "--journal", str(root), "--today", TODAY]
    hugo_build = _hugo_site(root, hugo)
    cold, hugo_cold, ratios = _cold_in_turns(root, build, hugo_build, runs)
    _run(build)  # fill the cache, then let the output settle too
    time.sleep(2.2)
    same = _best(runs, lambda: None, build)
    fresh = _best(runs, lambda: _clear(root / "output"), build)
    rewritten = _rewritten(root, build)
    notes = _best(runs, _editor(root, _edit_notes), build)
    bare = _bare(root)
    first_note = _best(runs, _editor(root, _edit_notes, bare), build) if bare else None
    logged = _best(runs, _editor(root, _log_call), build)
    first = _best(runs, _built_cold_then(root, build, _editor(root, _log_call)), build)
    _run(build)
    time.sleep(2.2)
    added = _best(runs, _editor(root, _add_contact), build)
    for newcomer in (root / "contacts").rglob(f"{NEWCOMER}*.md"):  # the journal as generated again
        newcomer.unlink()
    _clean(root)
    sampled = _run(build, sample=True)  # one more cold build, for the memory of all its processes
    measured = [run for run in (cold, same, fresh, notes, first_note, logged, first, added, sampled) if run]
    rows = [
        ("cold build (no output/, no cache)", f"{cold.seconds:.2f} s"),
        ("rebuild, nothing changed", f"{same.seconds:.2f} s ({rewritten})"),
        ("rebuild into an empty output/ (cache kept)", f"{fresh.seconds:.2f} s"),
        ("rebuild, one contact's notes edited", f"{notes.seconds:.2f} s"),
        (
            "the same, a first note on a contact with none",
            f"{first_note.seconds:.2f} s" if first_note else "-",
        ),
        ("rebuild, a call logged on one contact", f"{logged.seconds:.2f} s"),
        ("the same, the first build after a cold one", f"{first.seconds:.2f} s"),
        ("rebuild, a new contact added", f"{added.seconds:.2f} s"),
        ("peak memory, largest process (RSS)", f"{max(r.rss_mb for r in measured):.0f} MB"),
        ("peak memory, all processes (PSS)", f"{max(r.total_mb for r in measured):.0f} MB"),
    ]
    rows += _hugo_rows(hugo_build, hugo_cold, cold.seconds, ratios)
    _table(f"{title} ({_count_files(root / 'output')} files in output/)", rows)
    return cold.seconds


def _hugo_site(root: Path, hugo: str | None) -> tuple[list[str], Path] | None:
    """Set up a minimal Hugo site over the journal's contact files; return its build command and
    its output folder (None without Hugo)."""
    if hugo is None:
        return None
    site = root.parent / f"{root.name}-hugo"
    public = site / "public"
    (site / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    config = HUGO_CONFIG.format(content=root / "contacts", public=public)
    (site / "hugo.toml").write_text(config)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    return [hugo, "--quiet", "--source", str(site)], public


def _cold_in_turns(
    root: Path, build: list[str], hugo: tuple[list[str], Path] | None, runs: int
) -> tuple[Run, Run | None, list[float]]:
    """Time cold builds of netsite and Hugo in turns, so that a slower spell of the machine weighs
    on both alike; return the best of each and the ratio of each round's pair."""
    ours: list[Run] = []
    theirs: list[Run] = []
    for _ in range(runs):
        ours.append(_best(1, lambda: _clean(root), build))
        if hugo is not None:
            theirs.append(_best(1, lambda: _clear(hugo[1]), hugo[0]))
    ratios = [a.seconds / b.seconds for a, b in zip(ours, theirs, strict=False)]
    return _fastest(ours), (_fastest(theirs) if theirs else None), ratios


def _hugo_rows(
    site: tuple[list[str], Path] | None, hugo: Run | None, cold: float, ratios: list[float]
) -> list[tuple[str, str]]:
    """Return Hugo's rows of the table: its best cold build (site: what _hugo_site returned) and the
    ratio of netsite's best cold build to it."""
    if site is None or hugo is None:
        return [("hugo", "not installed")]
    pages = _count_files(site[1])
    spread = f" (round by round: {min(ratios):.2f}–{max(ratios):.2f}×)" if len(ratios) > 1 else ""
    return [
        (f"hugo cold build ({pages} files)", f"{hugo.seconds:.2f} s"),
        ("netsite cold ÷ hugo cold", f"{cold / hugo.seconds:.2f}×{spread}"),
    ]


def _best(runs: int, prepare: Callable[[], None], command: list[str]) -> Run:
    """Run command runs times, each after prepare, and keep the fastest run (and the largest memory)."""
    results = []
    for _ in range(runs):
        prepare()
        results.append(_run(command))
    return _fastest(results)


def _fastest(results: list[Run]) -> Run:
    """Return the fastest run, with the largest memory of them all."""
    fastest = min(results, key=lambda r: r.seconds)
    fastest.rss_mb = max(r.rss_mb for r in results)
    fastest.total_mb = max(r.total_mb for r in results)
    return fastest


def _run(command: list[str], sample: bool = False) -> Run:
    """Run one process to its end (sampling its memory, which slows it, only if asked); fail if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sampler = _TreeSampler(process.pid)
    if sample:
        sampler.start()
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if sample:
        sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024, sampler.peak_kb / 1024, out)


class _TreeSampler(threading.Thread):
    """Sum the memory (PSS) of a process and its descendants every few milliseconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _tree(self.pid)))

    def stop(self) -> None:
        self.done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(c) for c in _read(str(task)).split())
    return found


def _pss_kb(pid: int) -> int:
    """Return a process's proportional set size: its own pages, plus its share of pages shared by fork."""
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _clean(root: Path) -> None:
    _clear(root / "output", root / ".netsite")


def _clear(*folders: Path) -> None:
    for folder in folders:
        _set_aside(folder)
    os.sync()  # the last run's writes reach the disk now, not during the next timed run


def _set_aside(folder: Path) -> None:
    """Move a folder out of the way, into the scratch folder's trash, deleted only when the run ends.

    Deleting thousands of files just before a timed build would slow that build: for a minute or
    more after a file is deleted, ext4 will not reuse its inode, and skips over it, one check each,
    every time it allocates a new one (seen here as seconds of kernel time in the next build).
    Hugo's runs and netsite's are prepared the same way.
    """
    if folder.exists():
        trash = folder.parent.parent / "trash"
        trash.mkdir(exist_ok=True)
        folder.rename(trash / f"{len(list(trash.iterdir()))}-{folder.name}")


def _rewritten(root: Path, build: list[str]) -> str:
    """Build once more with nothing changed and say whether any output file was touched."""
    before = _inodes(root / "output")
    run = _run(build)
    after = _inodes(root / "output")
    touched = sum(before.get(p) != s for p, s in after.items()) + len(before.keys() - after.keys())
    said = run.out.strip().rsplit("(", 1)[-1].rstrip(")")
    return f"{touched} files rewritten; netsite: {said}"


def _inodes(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _built_cold_then(root: Path, build: list[str], edit: Callable[[], None]) -> Callable[[], None]:
    """Return a prepare step that builds the journal cold, then edits it: the first edit after a
    cold build (after an upgrade of netsite, say) finds fewer keys and rows kept than later ones."""

    def prepare() -> None:
        _clean(root)
        _run(build)
        edit()

    return prepare


def _editor(
    root: Path, edit: Callable[[Path, int], None], files: list[Path] | None = None
) -> Callable[[], None]:
    """Return a prepare step that edits a different contact file each time it is called (one of
    files, if given: else of all the journal's)."""
    files = files or sorted((root / "contacts").rglob("*.md"))
    count = iter(range(1, 1_000_000))

    def prepare() -> None:
        n = next(count)
        edit(files[(n * 7919) % len(files)], n)

    return prepare


def _bare(root: Path) -> list[Path]:
    """List the contact files without notes."""
    files = sorted((root / "contacts").rglob("*.md"))
    return [file for file in files if not file.read_text(encoding="utf-8").partition("\n---\n")[2].strip()]


def _edit_notes(file: Path, n: int) -> None:
    with file.open("a", encoding="utf-8") as handle:
        handle.write(f"\nBenchmark edit {n}: asked about the team's roadmap.\n")


def _log_call(file: Path, n: int) -> None:
    """Log a call: an entry first in the file's block list of entries, as indented as the others
    (the log need not be the last key: PyYAML and python-frontmatter sort the keys)."""
    head, fence, body = file.read_text(encoding="utf-8").partition("\n---\n")
    entry = f"- {TODAY} call: benchmark call {n}, talked about hiring"
    lines = head.split("\n")
    if "log:" in lines:
        at = lines.index("log:") + 1
        below = lines[at] if at < len(lines) else ""
        indent = len(below) - len(below.lstrip(" ")) if below.lstrip(" ").startswith("- ") else 2
        lines.insert(at, " " * indent + entry)
    else:
        lines += ["log:", f"  {entry}"]
    file.write_text("\n".join(lines) + fence + body, encoding="utf-8")


NEWCOMER = "bench-newcomer-"


def _add_contact(file: Path, n: int) -> None:
    """Add a contact referred by the one in file, with a call logged and a note naming them: the
    edit coaches ask for ten to fifteen times a week (a new file changes the shape of the network)."""
    referrer = file.stem
    file.with_name(f"{NEWCOMER}{n}.md").write_text(
        f"---\nname: Bench Newcomer {n}\ncompany: Newcomer Labs\nreferred_by: {referrer}\n"
        f"added: {TODAY}\nlog:\n  - {TODAY} call: introduced by {referrer}\n---\n"
        f"Met through [[{referrer}]]; asked for two more names.\n",
        encoding="utf-8",
    )


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(title)
    print("-" * len(title))
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
    print()


def _linearity(colds: dict[int, float]) -> None:
    if 1000 in colds and 10000 in colds:
        print(f"growth: a cold build of 10,000 contacts takes {colds[10000] / colds[1000]:.1f}× one of 1,000")


if __name__ == "__main__":
    sys.exit(main())
