"""`netsite serve`: serve the last good build from memory, rebuild on change, reload open pages.

One rebuild thread (see watch.py) renders the journal and publishes the result to a LiveSite: the
{path: bytes} of the last good build, a build epoch and the latest failure. HTTP requests read only
from it, so nothing outside the site can be served and a half-built site never is. Open pages
long-poll /__netsite/wait and reload when the site changes; a failed build shows as an overlay.
"""

from __future__ import annotations

import contextlib
import errno
import html
import ipaddress
import json
import mimetypes
import os
import re
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, unquote

from . import cache as caching
from .build import OUTPUT_DIR, Builder, BuildResult
from .digests import digest
from .output import OutputError, set_aside_sites, sweep_sites, write_site
from .problems import counts_text
from .watch import MAX_WAIT, QUIET, ChangeQueue, Changes, JournalWatcher, RebuildLoop
from .words import plural

PREFIX = "/__netsite/"
RELOAD_JS_URL = PREFIX + "reload.js"
WAIT_TIMEOUT = 25.0  # a long poll answers after this long even if nothing changed; the page polls again
REQUEST_WAIT = 15.0  # a page request waits this long at most for a build in progress
PORT_TRIES = 10
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
BASE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
TEXT_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".vcf": "text/vcard",
}
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
# A relative link in the 404 page: not absolute, not a fragment, no scheme.
RELATIVE_LINK = re.compile(rb"""(\s(?:href|src)=["'])(?![a-zA-Z][a-zA-Z0-9+.\-]*:|/|#)""")

RELOAD_JS = """\
// netsite serve: reload this page when the site is rebuilt; show a failed build over it.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="netsite-site"]');
  var site = meta ? meta.getAttribute("content") : "";
  var epoch = -1, errors = 0, controller = null, timer = null, box = null;

  function overlay(text) {
    if (!text) {
      if (box) { box.remove(); box = null; }
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "netsite-overlay";
      box.setAttribute("role", "alert");
      var s = box.style;
      s.position = "fixed"; s.left = "0"; s.right = "0"; s.bottom = "0"; s.zIndex = "2147483647";
      s.maxHeight = "60vh"; s.overflow = "auto"; s.margin = "0"; s.padding = "1em 1.5em";
      s.background = "#3a0b0b"; s.color = "#fff"; s.whiteSpace = "pre-wrap";
      s.font = "14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
      s.boxShadow = "0 -4px 16px rgba(0, 0, 0, 0.4)";
      document.body.appendChild(box);
    }
    box.textContent = "netsite: the build failed, so this is the last good site.\\n\\n" + text +
      "\\n\\nFix the file and save it: this message goes away by itself.";
  }

  function stop() {
    if (controller) { controller.abort(); controller = null; }
    clearTimeout(timer);
  }

  function poll() {
    stop();
    if (document.visibilityState === "hidden") return;
    controller = new AbortController();
    fetch("/__netsite/wait?epoch=" + epoch, { cache: "no-store", signal: controller.signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        if (status.site !== site) { location.reload(); return; }
        errors = 0;
        epoch = status.epoch;
        overlay(status.failure);
        timer = setTimeout(poll, 0);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        errors += 1;  // the server is restarting or gone: try again, more slowly
        timer = setTimeout(poll, Math.min(5000, 200 * errors));
      });
  }

  document.addEventListener("visibilitychange", poll);
  window.addEventListener("pagehide", stop);
  poll();
})();
"""


class ServeError(Exception):
    """The server cannot start (port in use, address refused, no file watching)."""


# --- the live site ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the server shows: the last good site, its version, and the latest failure."""

    files: Mapping[str, bytes]
    site: str  # version of files; "" until the first good build
    epoch: int  # moves on whenever what a page shows should change
    failure: str | None
    problems: int

    def status(self) -> dict[str, Any]:
        """Return the JSON the reload script reads."""
        return {"epoch": self.epoch, "site": self.site, "failure": self.failure, "problems": self.problems}


class LiveSite:
    """The snapshot being served, swapped whole after each build, with waits for builds and changes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._snapshot = Snapshot({}, "", 0, None, 0)
        self._building = True  # requests wait for the first build
        self._closed = False
        self._boot = secrets.token_hex(4)  # a restarted server never reuses a version: pages reload
        self._versions = 0

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def begin(self) -> None:
        """Mark a build in progress: page requests wait for it."""
        with self._cond:
            self._building = True

    def publish(self, result: BuildResult) -> Snapshot:
        """End the build: serve its files if it succeeded (else keep the last good ones) and notify."""
        old = self._snapshot  # only the rebuild thread replaces it, so compare outside the lock
        fresh = result.ok and not (old.site and same_files(old.files, result.files))
        with self._cond:
            files, site = old.files, old.site
            if fresh:
                self._versions += 1
                files, site = result.files, f"{self._boot}-{self._versions}"
            self._swap(files, site, result.failure, len(result.problems))
            self._building = False
            self._cond.notify_all()
            return self._snapshot

    def set_failure(self, failure: str | None) -> None:
        """Show a failure that came after publishing (output/ could not be written)."""
        with self._cond:
            old = self._snapshot
            self._swap(old.files, old.site, failure, old.problems)
            self._cond.notify_all()

    def _swap(self, files: Mapping[str, bytes], site: str, failure: str | None, problems: int) -> None:
        old = self._snapshot
        moved = (site, failure, problems) != (old.site, old.failure, old.problems)
        self._snapshot = Snapshot(files, site, old.epoch + moved, failure, problems)

    def current(self, timeout: float) -> Snapshot:
        """Return the snapshot, after the build in progress (if any) ends or timeout passes."""
        with self._cond:
            self._cond.wait_for(lambda: not self._building or self._closed, timeout)
            return self._snapshot

    def wait_change(self, epoch: int, timeout: float) -> Snapshot:
        """Return the snapshot once its epoch differs from epoch (or on timeout or close)."""
        with self._cond:
            self._cond.wait_for(lambda: self._snapshot.epoch != epoch or self._closed, timeout)
            return self._snapshot

    def close(self) -> None:
        """Release every waiting request."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def same_files(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> bool:
    """Tell whether two rendered sites are byte for byte the same."""
    return len(old) == len(new) and all((v := new.get(k)) is data or v == data for k, data in old.items())


# --- responses (pure: request target and snapshot in, response out) ----------------------------


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def site_path(target: str) -> str | None:
    """Map a request path to a key of the site ('/' and '/dir/' are index.html); None if unsafe."""
    try:
        path = unquote(target.split("?", 1)[0].split("#", 1)[0], errors="strict")
    except UnicodeDecodeError:
        return None
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return None
    parts = path[1:].split("/")
    if parts[-1] == "":
        parts[-1] = "index.html"
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    return "/".join(parts)


def content_type(path: str) -> str:
    """Return the Content-Type for a site file."""
    suffix = path[path.rfind(".") :].lower() if "." in path else ""
    if suffix in TEXT_TYPES:
        kind = TEXT_TYPES[suffix]
        return kind if kind.startswith("image/") else f"{kind}; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def inject(page: bytes, site: str) -> bytes:
    """Insert the reload script (an external file: pages forbid inline scripts) before </head>."""
    tag = f'<meta name="netsite-site" content="{site}"><script src="{RELOAD_JS_URL}" defer></script>'
    found = HEAD_END.search(page)
    at = found.start() if found else len(page)
    return page[:at] + tag.encode() + page[at:]


def site_response(target: str, snapshot: Snapshot) -> Response:
    """Answer a request for a page or asset of the site."""
    if not snapshot.site:
        return placeholder(snapshot)
    key = site_path(target)
    if key is None:
        return not_found(snapshot)
    if key in snapshot.files:
        body = snapshot.files[key]
        html_page = key.endswith(".html")
        return Response(200, inject(body, snapshot.site) if html_page else body, content_type(key))
    if f"{key}/index.html" in snapshot.files:
        return Response(301, b"", "text/plain", {"Location": f"/{quote(key)}/"})
    return not_found(snapshot)


def not_found(snapshot: Snapshot) -> Response:
    """Return the site's 404 page with its links made absolute, so they work at any depth."""
    page = snapshot.files.get("404.html")
    if page is None:
        page = _page("Not found", "<p>There is no page here. <a href='/'>Back to the dashboard</a></p>")
    return Response(404, inject(RELATIVE_LINK.sub(rb"\1/", page), snapshot.site), content_type(".html"))


def placeholder(snapshot: Snapshot) -> Response:
    """Answer while no build has succeeded yet: say why; the page reloads once one does."""
    if snapshot.failure:
        text = f"<p>The build failed:</p><pre>{html.escape(snapshot.failure)}</pre><p>Fix it and save.</p>"
    else:
        text = "<p>The site is still being built; this page reloads when it is ready.</p>"
    return Response(503, inject(_page("Not built yet", text), snapshot.site), content_type(".html"))


def _page(title: str, body: str) -> bytes:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title} · netsite</title>'
        f"</head>\n<body><h1>{title}</h1>{body}</body></html>\n"
    ).encode()


def json_response(data: object) -> Response:
    """Return data as a JSON response."""
    return Response(200, json.dumps(data).encode(), "application/json")


def requested_epoch(query: str) -> int:
    """Read ?epoch=N (anything unreadable means -1, which is always out of date)."""
    try:
        return int(parse_qs(query).get("epoch", ["-1"])[0])
    except ValueError:
        return -1


def host_allowed(header: str, bound: str) -> bool:
    """Tell whether a Host header names this loopback server (refuses DNS-rebinding pages)."""
    if not header or not is_loopback(bound):
        return True
    name = header if header.endswith("]") else header.rpartition(":")[0] or header
    return name.strip("[]").lower() in LOOPBACK_NAMES | {bound.strip("[]").lower()}


def is_loopback(host: str) -> bool:
    """Tell whether host is only reachable from this machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


# --- HTTP ------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Answer GET and HEAD from the live site; every other method gets 501."""

    server: LiveServer
    server_version = "netsite"
    sys_version = ""
    timeout = 60  # a connection that never sends a request (a browser's preconnect) is dropped

    def do_GET(self) -> None:
        """Send the response with its body."""
        self._send(self.server.respond(self.path, self.headers.get_all("Host", [])), body=True)

    def do_HEAD(self) -> None:
        """Send the response without its body."""
        self._send(self.server.respond(self.path, self.headers.get_all("Host", [])), body=False)

    def _send(self, response: Response, body: bool) -> None:
        self.send_response(response.status)
        headers = {**BASE_HEADERS, "Content-Type": response.content_type, **response.headers}
        headers["Content-Length"] = str(len(response.body))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the terminal for build messages."""


class LiveServer(ThreadingHTTPServer):
    """A threading HTTP server over a LiveSite that can end its open connections on shutdown."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], live: LiveSite, poll_timeout: float = WAIT_TIMEOUT) -> None:
        self.live = live
        self.poll_timeout = poll_timeout
        self._active: dict[threading.Thread, socket.socket] = {}
        self._active_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in str(host) else host}:{port}/"

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup HTTPServer does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def respond(self, target: str, hosts: list[str]) -> Response:
        """Answer one GET: the reload endpoints, or a file of the site."""
        if not all(host_allowed(host, str(self.server_address[0])) for host in hosts):
            return Response(403, b"netsite serves only http://127.0.0.1 and http://localhost\n", "text/plain")
        path, _, query = target.partition("?")
        if path.startswith(PREFIX):
            return self._internal(path[len(PREFIX) :], query)
        return site_response(target, self.live.current(REQUEST_WAIT))

    def _internal(self, name: str, query: str) -> Response:
        if name == "reload.js":
            return Response(200, RELOAD_JS.encode(), content_type(".js"))
        if name == "status":
            return json_response(self.live.snapshot.status())
        if name == "wait":
            return json_response(self.live.wait_change(requested_epoch(query), self.poll_timeout).status())
        return Response(404, b"not found\n", "text/plain")

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle a connection on a thread of its own, remembered so shutdown can end it."""
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), name="netsite-request"
        )
        thread.daemon = True
        with self._active_lock:
            self._active[thread] = request
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Handle a connection, then forget it."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._active_lock:
                self._active.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away (a reloading page drops its long poll); report the rest."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def close(self, timeout: float = 2.0) -> None:
        """End open connections, wait for their threads, and close the listening socket."""
        with self._active_lock:
            active = dict(self._active)
        for sock in active.values():
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in active:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.server_close()


def bind(host: str, port: int, live: LiveSite, poll_timeout: float = WAIT_TIMEOUT) -> LiveServer:
    """Listen on host:port, or on the next free port up to PORT_TRIES higher (port 0: any free port)."""
    last = port + PORT_TRIES if port else port
    for candidate in range(port, last + 1):
        try:
            return LiveServer((host, candidate), live, poll_timeout)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ServeError(f"cannot listen on {host}:{candidate}: {exc.strerror or exc}") from exc
    raise ServeError(f"ports {port} to {last} on {host} are all in use; choose a free one with --port")


# --- building --------------------------------------------------------------------------------


class SiteBuild(Protocol):
    """What the server needs from the build side (a fake in tests)."""

    def render(self, changes: Changes) -> BuildResult: ...

    def write(self, result: BuildResult) -> str | None: ...

    def date_moved(self) -> bool: ...


class JournalBuild:
    """Render a journal with one long-lived Builder, computing TODAY afresh for every build."""

    def __init__(self, root: Path, today: Callable[[], date]) -> None:
        self.root = root
        self.today = today
        self.builder = Builder(root)
        self.last_today: date | None = None
        self.sums: dict[str, tuple[bytes, str]] = {}  # path -> the bytes last written there, and their digest

    def render(self, changes: Changes) -> BuildResult:
        """Render in memory (the builder finds what changed by itself; changes only name it)."""
        self.last_today = today = self.today()
        return self.builder.build(today, write=False)

    def write(self, result: BuildResult) -> str | None:
        """Write output/ as `netsite build` does; return why not, if it could not."""
        try:
            spare = caching.spare_site(self.root)
            result.stats = write_site(self.root / OUTPUT_DIR, result.files, spare, self._sums(result.files))
        except OutputError as exc:
            return f"output/ was not updated: {exc}"
        retired = set_aside_sites(spare)  # a new day's write set the last site aside: delete it meanwhile
        if retired:
            threading.Thread(target=sweep_sites, args=(retired,), name="netsite-sweep", daemon=True).start()
        return None

    def _sums(self, files: Mapping[str, bytes]) -> dict[str, str]:
        """Digest files, reusing the digest of each page that is the very bytes object written last time
        (a rebuild hands on the pages it did not render again)."""
        sums = {}
        for path, data in files.items():
            known = self.sums.get(path)
            sums[path] = known[1] if known is not None and known[0] is data else digest(data)
        self.sums = {path: (files[path], sums[path]) for path in files}
        return sums

    def date_moved(self) -> bool:
        """Tell whether TODAY changed since the last build (a server left running past midnight)."""
        return self.last_today is not None and self.today() != self.last_today


# --- the session -----------------------------------------------------------------------------


def say(text: str) -> None:
    """Print a timestamped line for the person watching the terminal."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Session:
    """A running server: watcher, rebuild thread and HTTP server around one live site."""

    def __init__(
        self,
        root: Path,
        build: SiteBuild,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        poll: bool = False,
        quiet: float = QUIET,
        max_wait: float = MAX_WAIT,
        poll_timeout: float = WAIT_TIMEOUT,
        log: Callable[[str], None] = say,
    ) -> None:
        self.root = root
        self.build = build
        self.log = log
        self.live = LiveSite()
        self.server = bind(host, port, self.live, poll_timeout)
        self.queue = ChangeQueue(quiet, max_wait)
        self.watcher = JournalWatcher(root, self.queue, poll)
        self.loop = RebuildLoop(self.queue, self.rebuild, tick=build.date_moved)
        self.http = threading.Thread(target=self._serve, name="netsite-http", daemon=True)
        self._shown: set[object] = set()

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> Session:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start watching, serving, and the first build."""
        try:
            self.watcher.start()
        except OSError as exc:
            self.server.server_close()
            raise ServeError(f"cannot watch {self.root} for changes ({exc}); try --poll") from exc
        self.http.start()
        self.loop.start()
        self.queue.put((), full=True)

    def _serve(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Finish the build in progress, then stop watching and serving, and join every thread."""
        self.loop.stop()
        self.watcher.stop()
        self.live.close()
        if self.http.is_alive():
            self.server.shutdown()
            self.http.join()
        self.server.close()

    def rebuild(self, changes: Changes) -> None:
        """Build once, publish the result, report it, and write output/ if the site changed."""
        if changes.full:
            self._rewatch()
        self.live.begin()
        started = time.perf_counter()
        result = self._render(changes)
        before = self.live.snapshot
        after = self.live.publish(result)
        self._report(result, before, after, changes, time.perf_counter() - started)
        if result.ok and after.site != before.site:
            self.live.set_failure(self.build.write(result))

    def _rewatch(self) -> None:
        """Watch contacts/ and templates/ afresh (one appeared, went or was replaced)."""
        try:
            self.watcher.sync(force=True)
        except OSError as exc:
            self.log(f"cannot watch {self.root} for changes ({exc}); restart with --poll")

    def _render(self, changes: Changes) -> BuildResult:
        try:
            result = self.build.render(changes)
        except Exception as exc:  # a bug must not take the server down with it
            traceback.print_exc()
            return BuildResult(failure=f"internal error while building: {type(exc).__name__}: {exc}")
        result.failure = explain(self.root, result)
        return result

    def _report(
        self, result: BuildResult, before: Snapshot, after: Snapshot, changes: Changes, took: float
    ) -> None:
        what = f" ({describe(self.root, changes)})" if changes.paths else ""
        if not result.ok:
            self.log(f"build failed{what}: {result.failure}\n  still serving the last good site")
            return
        pages = changed_count(before.files, after.files) if after.site != before.site else 0
        fixed = " – fixed" if before.failure else ""
        self.log(f"built in {took * 1000:.0f} ms{what}: {plural(pages, 'page')} changed{fixed}")
        self._print_problems(result)

    def _print_problems(self, result: BuildResult) -> None:
        fresh = [p for p in result.problems if p not in self._shown]
        for problem in fresh:
            print(problem, file=sys.stderr, flush=True)
        if fresh or len(self._shown) != len(result.problems):
            self.log(f"{counts_text(result.problems)} in contact files (see the Problems page)")
        self._shown = set(result.problems)


def explain(root: Path, result: BuildResult) -> str | None:
    """Word a failure for the overlay: paths relative to the journal, with the problems behind it."""
    if result.failure is None:
        return None
    text = result.failure.replace(f"{root}{os.sep}", "")
    behind = [str(p) for p in result.problems if not p.path.startswith("contacts/") and str(p) not in text]
    return "\n".join([text, *behind])


def describe(root: Path, changes: Changes, most: int = 3) -> str:
    """Name the changed paths briefly."""
    names = sorted(_shown_path(root, p) for p in changes.paths)
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _shown_path(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def changed_count(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> int:
    """Count files added, changed or removed between two builds."""
    return sum(old.get(k) != v for k, v in new.items()) + len(old.keys() - new.keys())


def run(root: Path, host: str, port: int, poll: bool, today: Callable[[], date]) -> int:
    """Serve the journal at root until Ctrl-C; return the exit code."""
    session = Session(root, JournalBuild(root, today), host=host, port=port, poll=poll)
    actual = int(session.server.server_address[1])
    if port and actual != port:
        say(f"port {port} is already in use (another server?), so serving on port {actual} instead")
    if not is_loopback(host):
        say(f"warning: listening on {host}: other machines on the network can read your contacts")
    session.start()
    say(f"serving {root} at {session.url} – watching for changes (Ctrl-C to stop)")
    try:
        _wait_for_interrupt()
    except KeyboardInterrupt:
        say("stopping after the build in progress, if any (Ctrl-C again to quit at once)")
    finally:
        session.stop()
    return 0


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM (even when started with SIGINT ignored, as `cmd &` does)."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    os.register_at_fork(after_in_child=_worker_signals)
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            time.sleep(3600)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _worker_signals() -> None:
    """In a process forked by the build (a worker), undo the server's handlers.

    A pool is stopped with SIGTERM and must die of it; Ctrl-C is the server's to handle.
    """
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
