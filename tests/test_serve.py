"""`netsite serve`: what it serves, the reload endpoint, the error overlay, and what it refuses to serve."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from netsite import cache as caching
from netsite import output
from netsite.build import BuildResult, build
from netsite.digests import digest
from netsite.serve import (
    JournalBuild,
    LiveSite,
    ServeError,
    Session,
    Snapshot,
    bind,
    content_type,
    host_allowed,
    inject,
    not_found,
    site_path,
    site_response,
)
from netsite.watch import Changes

TODAY = date(2026, 11, 21)
ADA = "---\nname: Ada Lovelace\ncompany: Acme Corp\ntags: [math]\n---\nAda's first notes.\n"
BOB = "---\nname: Bob Smith\nreferred_by: ada\nlog:\n  - 2026-11-02 call: engines\n---\nBob's notes.\n"
BROKEN_CONTACT_TEMPLATE = (
    '{% extends "base.html" %}\n{% block main %}\n<p>\n{{ contact.name ( }}\n{% endblock %}\n'
)


def make_journal(root: Path) -> Path:
    (root / "contacts").mkdir(parents=True)
    (root / "contacts/ada.md").write_text(ADA)
    (root / "contacts/bob.md").write_text(BOB)
    (root / "netsite.toml").write_text('[site]\ntitle = "Test network"\n')
    return root


class Client:
    """Raw HTTP against a running session: paths go out exactly as written."""

    def __init__(self, url: str) -> None:
        self.host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        self.port = int(port)

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = headers or {}
            conn.putrequest("GET", path, skip_host="Host" in headers, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def body(self, path: str) -> bytes:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:300])
        return body

    def status(self) -> dict:
        return json.loads(self.body("/__netsite/status"))


def eventually(condition: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Session, Client, Path]]:
    root = make_journal(tmp_path / "journal")
    session = Session(root, JournalBuild(root, lambda: TODAY), port=0, poll_timeout=2.0, log=lambda _: None)
    session.start()
    client = Client(session.url)
    try:
        eventually(lambda: client.status()["site"])
        yield session, client, root
    finally:
        session.stop()


def save(path: Path, text: str) -> None:
    """Save as many editors do: write a temporary file, then rename it over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# --- paths and responses (no server) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ("/", "index.html"),
        ("/contacts/", "contacts/index.html"),
        ("/contacts/ada.html", "contacts/ada.html"),
        ("/contacts/jos%C3%A9.html?x=1#top", "contacts/josé.html"),
        ("/weeks/2026-W47.html", "weeks/2026-W47.html"),
    ],
)
def test_site_path_maps_urls_to_site_files(target: str, key: str) -> None:
    assert site_path(target) == key


@pytest.mark.parametrize(
    "target",
    [
        "/../netsite.toml",
        "/%2e%2e/netsite.toml",
        "/%2E%2E%2Fnetsite.toml",
        "/contacts/../../netsite.toml",
        "/contacts/..%2f..%2fnetsite.toml",
        "/./index.html",
        "/contacts//ada.html",
        "//etc/passwd",
        "/..\\netsite.toml",
        "/%5c..%5cnetsite.toml",
        "/index.html%00.css",
        "/.netsite-manifest.json",
        "/%ff%fe",
        "contacts/ada.html",
        "http://127.0.0.1/../netsite.toml",
    ],
)
def test_site_path_refuses_traversal(target: str) -> None:
    assert site_path(target) is None


def test_content_types() -> None:
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("assets/style.css") == "text/css; charset=utf-8"
    assert content_type("assets/netsite.js") == "text/javascript; charset=utf-8"
    assert content_type("export/contacts.vcf") == "text/vcard; charset=utf-8"
    assert content_type("assets/logo.png") == "image/png"
    assert content_type("LICENSE") == "application/octet-stream"


def test_inject_puts_an_external_script_before_head_end() -> None:
    page = b"<html><head><title>x</title></head><body>x</body></html>"
    out = inject(page, "v1")
    assert out.index(b'<script src="/__netsite/reload.js" defer></script>') < out.index(b"</head>")
    assert b'<meta name="netsite-site" content="v1">' in out
    assert b"<script>" not in out  # the pages' CSP forbids inline scripts


def snapshot(files: dict[str, bytes], failure: str | None = None) -> Snapshot:
    return Snapshot(files, "v1", 1, failure, 0)


def test_directories_redirect_and_unknown_paths_get_the_404_page() -> None:
    page404 = b'<html><head><link href="assets/style.css"></head><a href="index.html">home</a>'
    snap = snapshot({"index.html": b"<html>", "contacts/index.html": b"x", "404.html": page404})
    redirect = site_response("/contacts", snap)
    assert redirect.status == 301 and redirect.headers["Location"] == "/contacts/"
    missing = site_response("/contacts/nobody/deep.html", snap)
    assert missing.status == 404
    assert b'href="/assets/style.css"' in missing.body and b'href="/index.html"' in missing.body
    assert b"/__netsite/reload.js" in missing.body


def test_404_without_a_404_page() -> None:
    assert not_found(snapshot({})).status == 404


def test_host_header_must_name_this_machine() -> None:
    assert host_allowed("127.0.0.1:8000", "127.0.0.1")
    assert host_allowed("localhost:8000", "127.0.0.1")
    assert host_allowed("[::1]:8000", "::1")
    assert not host_allowed("evil.example:8000", "127.0.0.1")
    assert host_allowed("my-laptop.lan:8000", "0.0.0.0")  # told to listen on the network: allowed


# --- the live site ------------------------------------------------------------------------------


def test_live_site_serves_only_good_builds_and_bumps_versions() -> None:
    live = LiveSite()
    first = live.publish(BuildResult(files={"index.html": b"one"}))
    assert first.site and first.epoch == 1 and first.failure is None
    same = live.publish(BuildResult(files={"index.html": b"one"}))
    assert same == first  # nothing changed: pages are not told to reload
    failed = live.publish(BuildResult(failure="templates/x.html:3: error: nope"))
    assert failed.files == first.files and failed.site == first.site and failed.epoch == 2
    fixed = live.publish(BuildResult(files={"index.html": b"one"}))
    assert fixed.failure is None and fixed.site == first.site and fixed.epoch == 3
    changed = live.publish(BuildResult(files={"index.html": b"two"}))
    assert changed.site != first.site and changed.files["index.html"] == b"two"


def test_requests_wait_for_the_build_in_progress() -> None:
    live = LiveSite()
    live.publish(BuildResult(files={"index.html": b"old"}))
    live.begin()
    threading.Timer(0.2, lambda: live.publish(BuildResult(files={"index.html": b"new"}))).start()
    assert live.current(timeout=10).files["index.html"] == b"new"


def test_long_poll_returns_on_change_timeout_and_close() -> None:
    live = LiveSite()
    live.publish(BuildResult(files={"index.html": b"a"}))
    assert live.wait_change(1, timeout=0.05).epoch == 1
    threading.Timer(0.1, lambda: live.publish(BuildResult(files={"index.html": b"b"}))).start()
    assert live.wait_change(1, timeout=10).epoch == 2
    threading.Timer(0.1, live.close).start()
    started = time.monotonic()
    live.wait_change(2, timeout=10)
    assert time.monotonic() - started < 5


# --- a running server ---------------------------------------------------------------------------


def test_serves_the_site_with_the_reload_script_injected(served) -> None:
    _, client, root = served
    status, headers, body = client.get("/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert b"<title>Dashboard" in body and b"/__netsite/reload.js" in body
    assert b"Ada Lovelace" in client.body("/contacts/ada.html")
    assert client.get("/assets/style.css")[1]["Content-Type"].startswith("text/css")
    script = client.get("/__netsite/reload.js")
    assert script[0] == 200 and b"/__netsite/wait" in script[2]
    eventually(lambda: (root / "output/index.html").exists())
    for page in (root / "output").rglob("*.html"):
        assert b"__netsite" not in page.read_bytes()  # built files never carry the script


def test_edit_rebuilds_and_the_long_poll_answers(served) -> None:
    _, client, root = served
    before = client.status()
    answer: list[dict] = []
    poll = threading.Thread(
        target=lambda: answer.append(json.loads(client.get(f"/__netsite/wait?epoch={before['epoch']}")[2]))
    )
    poll.start()
    time.sleep(0.1)
    untouched = eventually(lambda: stat_of(root / "output/contacts/bob.html"))
    save(root / "contacts/ada.md", ADA.replace("first notes", "second notes"))
    poll.join(timeout=20)
    assert answer and answer[0]["epoch"] > before["epoch"] and answer[0]["site"] != before["site"]
    assert b"second notes" in client.body("/contacts/ada.html")
    eventually(lambda: b"second notes" in read(root / "output/contacts/ada.html"))
    assert stat_of(root / "output/contacts/bob.html") == untouched  # unchanged pages are not rewritten


def read(path: Path) -> bytes:
    """Read a file of output/, which is briefly missing while a build swaps folders."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def stat_of(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns


def test_long_poll_without_changes_answers_after_its_timeout(served) -> None:
    _, client, _ = served
    epoch = client.status()["epoch"]
    started = time.monotonic()
    status, _, body = client.get(f"/__netsite/wait?epoch={epoch}")
    assert status == 200 and json.loads(body)["epoch"] == epoch
    assert 1.5 < time.monotonic() - started < 10  # poll_timeout is 2 s in these tests


def test_result_is_byte_identical_to_a_clean_build(served, tmp_path: Path) -> None:
    session, client, root = served
    save(root / "contacts/ada.md", ADA.replace("first notes", "edited notes"))
    (root / "contacts/cy.md").write_text("---\nname: Cy Young\nreferred_by: bob\n---\nNew.\n")
    (root / "contacts/bob.md").unlink()
    eventually(
        lambda: (
            b"Cy Young" in client.body("/contacts/index.html") and client.get("/contacts/bob.html")[0] == 404
        )
    )
    eventually(
        lambda: (
            (root / "output/contacts/cy.html").exists() and not (root / "output/contacts/bob.html").exists()
        )
    )
    clean = tmp_path / "clean"
    shutil.copytree(root / "contacts", clean / "contacts")
    shutil.copy(root / "netsite.toml", clean / "netsite.toml")
    assert build(clean, TODAY).ok
    assert tree(root / "output") == tree(clean / "output")
    served_files = session.live.snapshot.files
    assert {k: v for k, v in served_files.items()} == {
        k: v for k, v in tree(clean / "output").items() if not k.startswith(".")
    }


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_a_broken_template_keeps_the_last_good_site_and_reports_file_and_line(served) -> None:
    _, client, root = served
    good = client.body("/contacts/ada.html")
    (root / "templates").mkdir()
    (root / "templates/contact.html").write_text(BROKEN_CONTACT_TEMPLATE)
    failure = eventually(lambda: client.status()["failure"])
    assert failure.startswith("templates/contact.html:4: error")  # relative to the journal, with the line
    assert client.body("/contacts/ada.html") == good  # still the last good page
    (root / "templates/contact.html").unlink()
    eventually(lambda: client.status()["failure"] is None)


def test_a_config_that_will_not_parse_names_its_line(served) -> None:
    _, client, root = served
    good = client.body("/")
    (root / "netsite.toml").write_text('[site]\ntitle = "Test network"\noops [[[\n')
    failure = eventually(lambda: client.status()["failure"])
    assert "netsite.toml:3" in failure
    assert client.body("/") == good
    (root / "netsite.toml").write_text('[site]\ntitle = "Fixed network"\n')
    eventually(lambda: client.status()["failure"] is None)
    assert b"Fixed network" in client.body("/")


def test_contact_problems_show_on_the_site_as_in_a_build(served) -> None:
    _, client, root = served
    (root / "contacts/bad.md").write_text("---\nname: [unclosed\n---\n")
    eventually(lambda: client.status()["problems"] > 0)
    assert client.status()["failure"] is None
    assert b"contacts/bad.md" in client.body("/problems.html")


def test_path_traversal_over_http_never_leaves_the_site(served) -> None:
    _, client, root = served
    secret = b"netsite-secret-marker"
    (root / "netsite.toml").write_text(f'# {secret.decode()}\n[site]\ntitle = "Test network"\n')
    (root.parent / "outside.txt").write_bytes(secret)
    eventually(lambda: (root / "output/.netsite-manifest.json").exists())
    attempts = [
        "/../netsite.toml",
        "/../../outside.txt",
        "/%2e%2e/netsite.toml",
        "/%2e%2e%2f%2e%2e%2foutside.txt",
        "/contacts/..%2f..%2fnetsite.toml",
        "/..%5cnetsite.toml",
        "/contacts/ada.md",
        "/netsite.toml",
        "/output/index.html",
        "/.netsite-manifest.json",
        "//etc/passwd",
        "/%00",
        "/" + str(root / "netsite.toml"),
        "/__netsite/../netsite.toml",
        "/__netsite/../../outside.txt",
    ]
    for target in attempts:
        status, _, body = client.get(target)
        assert status == 404, target
        assert secret not in body and b"root:" not in body, target


def test_other_hosts_are_refused(served) -> None:
    _, client, _ = served
    assert client.get("/", headers={"Host": "attacker.example"})[0] == 403
    assert client.get("/", headers={"Host": f"localhost:{client.port}"})[0] == 200


def test_a_failing_builder_never_kills_the_server(tmp_path: Path) -> None:
    class Exploding:
        calls = 0

        def render(self, changes: Changes) -> BuildResult:
            self.calls += 1
            if self.calls == 1:
                return BuildResult(files={"index.html": b"<html><head></head>first</html>"})
            raise RuntimeError("kaboom")

        def write(self, result: BuildResult) -> str | None:
            return None

        def date_moved(self) -> bool:
            return False

    root = make_journal(tmp_path)
    with Session(root, Exploding(), port=0, log=lambda _: None) as session:
        client = Client(session.url)
        eventually(lambda: client.status()["site"])
        (root / "contacts/ada.md").write_text(ADA + "more\n")
        assert "kaboom" in eventually(lambda: client.status()["failure"])
        assert b"first" in client.body("/")


def test_no_good_build_yet_explains_itself(tmp_path: Path) -> None:
    class Failing:
        def render(self, changes: Changes) -> BuildResult:
            return BuildResult(failure="templates/base.html:1: error: broken <here>")

        def write(self, result: BuildResult) -> str | None:
            return None

        def date_moved(self) -> bool:
            return False

    with Session(make_journal(tmp_path), Failing(), port=0, log=lambda _: None) as session:
        client = Client(session.url)
        eventually(lambda: client.status()["failure"])
        status, _, body = client.get("/")
        assert status == 503 and b"broken &lt;here&gt;" in body and b"/__netsite/reload.js" in body


def test_stop_leaves_no_threads_or_files(tmp_path: Path) -> None:
    root = make_journal(tmp_path / "j")
    before = set(threading.enumerate())
    session = Session(root, JournalBuild(root, lambda: TODAY), port=0, log=lambda _: None)
    session.start()
    client = Client(session.url)
    eventually(lambda: client.status()["site"])
    epoch = client.status()["epoch"]
    waiting = threading.Thread(target=lambda: client.get(f"/__netsite/wait?epoch={epoch}"))
    waiting.start()
    idle = socket.create_connection((client.host, client.port))  # a connection that never sends a request
    time.sleep(0.2)
    (root / "contacts/ada.md").write_text(ADA + "again\n")
    session.stop()
    waiting.join(timeout=5)
    idle.close()
    assert not waiting.is_alive()
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leftover == [], leftover
    # Nothing half-made is left: only output/ and the cache netsite build keeps too (the long pages' rows).
    assert sorted(p.name for p in root.iterdir()) == [".netsite", "contacts", "netsite.toml", "output"]


def test_a_port_in_use_moves_to_the_next_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = bind("127.0.0.1", port, LiveSite())
        try:
            assert server.server_address[1] not in (port, 0)
        finally:
            server.server_close()


def test_no_free_port_is_a_plain_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("netsite.serve.PORT_TRIES", 0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"ports {port} to {port} .* in use"):
            bind("127.0.0.1", port, LiveSite())


# --- the command --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_serves_reports_a_taken_port_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    root = make_journal(tmp_path / "j")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "netsite", "serve", "--journal", str(root), "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--today", "2026-11-21"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            lines: list[str] = []
            while not any("serving" in line and "http://" in line for line in lines):
                line = process.stdout.readline()
                assert line, process.stderr.read()
                lines.append(line)
            text = "".join(lines)
            assert f"port {port} is already in use" in text
            url = text.split("at http://", 1)[1].split("/", 1)[0]
            client = Client("http://" + url)
            assert client.port != port
            eventually(lambda: client.status()["site"])
            assert b"Ada Lovelace" in client.body("/contacts/ada.html")
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    # Nothing half-made is left: only output/ and the cache netsite build keeps too (the long pages' rows).
    assert sorted(p.name for p in root.iterdir()) == [".netsite", "contacts", "netsite.toml", "output"]


def test_cli_rejects_a_bad_port_and_a_bad_today(run_cli, tmp_path: Path) -> None:
    root = make_journal(tmp_path)
    assert run_cli("serve", "--journal", root, "--port", "70000").code == 2
    result = run_cli("serve", "--journal", root, "--today", "tomorrow")
    assert result.code == 2 and "YYYY-MM-DD" in result.err


def test_output_written_by_serve_has_the_digest_of_every_file(tmp_path: Path) -> None:
    """serve reuses the digest of pages handed on unchanged (the same bytes object); the rest it digests."""
    (tmp_path / "contacts").mkdir()
    writer = JournalBuild(tmp_path, lambda: TODAY)
    home, a = b"<p>home</p>", b"<p>A</p>"
    for files in [{"index.html": home, "a.html": a}, {"index.html": home, "a.html": b"<p>A, edited</p>"}]:
        assert writer.write(BuildResult(files=files)) is None
        manifest = json.loads((tmp_path / "output" / ".netsite-manifest.json").read_text())
        assert manifest == {path: digest(data) for path, data in files.items()}
        assert {p: (tmp_path / "output" / p).read_bytes() for p in files} == files


def test_a_site_serve_sets_aside_is_swept_in_the_background(tmp_path: Path) -> None:
    (tmp_path / "contacts").mkdir()
    (tmp_path / caching.CACHE_DIR).mkdir()  # where `netsite build` keeps the spare site
    writer = JournalBuild(tmp_path, lambda: TODAY)
    spare = caching.spare_site(tmp_path)
    for version in (b"one", b"two", b"three"):  # every write changes every file: a new day's build
        assert writer.write(BuildResult(files={"index.html": version, "a.html": version})) is None
    deadline = time.monotonic() + 10
    while output.set_aside_sites(spare) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert output.set_aside_sites(spare) == []
    assert (tmp_path / "output" / "a.html").read_bytes() == b"three"
