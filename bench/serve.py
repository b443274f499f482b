"""Benchmark `netsite serve`: how long from saving one contact to the new page, at 100 to 10,000 contacts.

    python bench/serve.py                      # 100, 1,000 and 10,000 contacts, 7 edits each
    python bench/serve.py --sizes 1000 --edits 20

For each size it generates a journal in a temporary folder, starts `netsite serve` in a subprocess,
and then, edit after edit, saves one contact (first adding to its notes, which the server splices
into the page it has; then logging a call, which makes it build the model again) and measures from
the save until
  - page: GET of that contact's page returns the new text,
  - reload: the long poll every open page holds (/__netsite/wait) answers,
  - output: output/ on disk holds the new page too (the server writes it after publishing).
The build time is what the server itself reports. Times are the median and the worst of the edits.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from journal_gen import TODAY, generate

BUILT = re.compile(r"built in (\d+) ms")


@dataclass
class Figures:
    contacts: int
    edit: str
    startup: float = 0.0
    builds: list[float] = field(default_factory=list)
    page: list[float] = field(default_factory=list)
    reload: list[float] = field(default_factory=list)
    output: list[float] = field(default_factory=list)


class Server:
    """A `netsite serve` subprocess whose build times are read from its output."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "netsite", "serve", "--journal", str(root)]
        command += ["--port", str(self.port), "--today", TODAY.isoformat()]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.builds: list[float] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            found = BUILT.search(line)
            if found:
                self.builds.append(int(found.group(1)) / 1000)

    def get(self, path: str, timeout: float = 120) -> bytes:
        """Return the body at path."""
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return response.read()

    def status(self) -> dict[str, object]:
        """Return the server's build status."""
        return json.loads(self.get("/__netsite/status"))

    def wait_ready(self, timeout: float = 600) -> None:
        """Wait for the first good build."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.status()["site"]:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError("the server never finished its first build")

    def stop(self) -> None:
        """Stop the server as Ctrl-C does."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=120)


def free_port() -> int:
    """Return a port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(n: int, edits: int) -> list[Figures]:
    """Serve a generated journal of n contacts and time edits of one contact, of each kind."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="netsite-bench-") as folder:
        root = Path(folder)
        generate(root, n)
        started = time.perf_counter()
        server = Server(root)
        try:
            server.wait_ready()
            startup = time.perf_counter() - started
            for kind, edit in EDITS.items():
                figures = Figures(n, kind, startup)
                for k in range(edits + 1):
                    marker = f"edit-{kind}-{k}-marker"
                    page, reload, output = edit_once(server, root, middle_contact(root), edit, marker)
                    if k:  # the first edit only warms up
                        figures.page.append(page)
                        figures.reload.append(reload)
                        figures.output.append(output)
                figures.builds = server.builds[-edits:]
                rows.append(figures)
        finally:
            server.stop()
    return rows


def add_note(text: str, marker: str) -> str:
    """Put marker at the end of the notes (in place of the last edit's)."""
    kept = text.split("\nedit-")[0].rstrip("\n")
    return f"{kept}\n{marker}\n"


def log_call(text: str, marker: str) -> str:
    """Log a call today whose note is marker (in place of the last edit's)."""
    head, fence, body = text.partition("\n---\n")
    head = re.sub(r"\n  - \S+ call: edit-\S+", "", head)
    entry = f"  - {TODAY.isoformat()} call: {marker}"
    head = head + "\n" + entry if "\nlog:" in head else head + "\nlog:\n" + entry
    return head + fence + body


EDITS = {"notes": add_note, "call": log_call}


def middle_contact(root: Path) -> Path:
    """Pick the contact file in the middle of the journal (by path), the one every edit saves."""
    files = sorted((root / "contacts").rglob("*.md"))
    return files[len(files) // 2]


def edit_once(
    server: Server, root: Path, file: Path, edit: Callable[[str, str], str], marker: str
) -> tuple[float, float, float]:
    """Save file edited to show marker; return seconds until page, reload and output."""
    epoch = server.status()["epoch"]
    reloaded: list[float] = []

    def wait_for_reload() -> None:
        server.get(f"/__netsite/wait?epoch={epoch}")
        reloaded.append(time.perf_counter())

    poll = threading.Thread(target=wait_for_reload)
    poll.start()
    time.sleep(0.05)  # let the long poll reach the server
    page_path = f"/contacts/{file.stem}.html"
    text = edit(file.read_text("utf-8"), marker)
    saved = time.perf_counter()
    file.write_text(text, "utf-8")
    page = until(lambda: marker.encode() in server.get(page_path), saved)
    poll.join(timeout=120)
    on_disk = root / "output" / page_path.lstrip("/")
    output = until(lambda: marker.encode() in on_disk.read_bytes(), saved)
    time.sleep(0.2)  # let the server settle before the next save
    return page, reloaded[0] - saved, output


def until(done: object, since: float, timeout: float = 120.0) -> float:
    """Poll done() every few milliseconds; return the seconds from since to when it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if done():  # type: ignore[operator]
                return time.perf_counter() - since
        except FileNotFoundError:
            pass  # output/ is being swapped
        time.sleep(0.003)
    raise TimeoutError("the change never showed")


def table(rows: list[Figures]) -> str:
    """Format the figures as a Markdown table (milliseconds: median / worst)."""
    titles = ["contacts", "first build", "edit", "rebuild (server)", "save → page served"]
    lines = ["| " + " | ".join([*titles, "save → reload sent", "save → output/"]) + " |"]
    lines.append("| ---: | ---: | --- |" + " ---: |" * 4)
    for f in rows:
        cells = [f"{f.contacts:,}", f"{f.startup:.1f} s", f.edit, spread(f.builds), spread(f.page)]
        lines.append("| " + " | ".join([*cells, spread(f.reload), spread(f.output)]) + " |")
    return "\n".join(lines)


def spread(values: list[float]) -> str:
    """Return `median / worst` in milliseconds."""
    if not values:
        return "–"
    return f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f} ms"


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        rows += measure(n, args.edits)
        print(f"{n} contacts done", file=sys.stderr, flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
