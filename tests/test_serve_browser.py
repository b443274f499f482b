"""`netsite serve` in headless Debian Chromium: a saved edit shows without a manual refresh."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from netsite.serve import JournalBuild, Session

CHROMIUM = "/usr/bin/chromium"
TODAY = date(2026, 11, 21)
ADA = "---\nname: Ada Lovelace\ncompany: Acme Corp\n---\nNotes: the {word} engine.\n"
BROKEN = '{% extends "base.html" %}\n{% block main %}\n{{ contact.name ( }}\n{% endblock %}\n'
WAIT_MS = 15_000
expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        args += ["--disable-component-update", "--disable-sync"]
        launched = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "journal"
    (root / "contacts").mkdir(parents=True)
    (root / "contacts/ada.md").write_text(ADA.format(word="analytical"))
    with Session(root, JournalBuild(root, lambda: TODAY), port=0, log=lambda _: None) as session:
        deadline = time.monotonic() + 30
        while not session.live.snapshot.site:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        yield session.url, root


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.problems = []
    page.foreign = []
    page.on(
        "console",
        lambda m: page.problems.append(m.text) if m.type == "error" and "404" not in m.text else None,
    )
    page.on(
        "response",
        lambda r: page.problems.append(r.url) if r.status == 404 and "favicon" not in r.url else None,
    )
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on(
        "request", lambda r: None if r.url.startswith("http://127.0.0.1:") else page.foreign.append(r.url)
    )
    yield page
    context.close()


def save(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_saved_edit_appears_without_a_manual_refresh(served: tuple[str, Path], page) -> None:
    url, root = served
    page.goto(url + "contacts/ada.html")
    assert "the analytical engine" in page.inner_text("main")
    page.wait_for_timeout(300)  # the reload script is polling now
    save(root / "contacts/ada.md", ADA.format(word="difference"))
    page.get_by_text("the difference engine").wait_for(timeout=WAIT_MS)  # no eval: the CSP forbids it
    assert page.problems == [] and page.foreign == []  # the script obeyed the pages' CSP


def test_a_new_contact_page_appears_where_there_was_a_404(served: tuple[str, Path], page) -> None:
    url, root = served
    response = page.goto(url + "contacts/bob.html")
    assert response.status == 404 and "Not found" in page.inner_text("h1")
    page.wait_for_timeout(300)
    (root / "contacts/bob.md").write_text("---\nname: Bob Babbage\n---\nNew here.\n")
    page.locator("h1", has_text="Bob Babbage").wait_for(timeout=WAIT_MS)


def test_error_overlay_appears_and_clears(served: tuple[str, Path], page) -> None:
    url, root = served
    page.goto(url + "contacts/ada.html")
    page.wait_for_timeout(300)
    (root / "templates").mkdir()
    (root / "templates/contact.html").write_text(BROKEN)
    overlay = page.locator("#netsite-overlay")
    overlay.wait_for(state="visible", timeout=WAIT_MS)
    assert "templates/contact.html:3" in overlay.inner_text()
    assert "the analytical engine" in page.inner_text("main")  # the last good page stays
    (root / "templates/contact.html").unlink()
    overlay.wait_for(state="detached", timeout=WAIT_MS)
    assert page.problems == []


def test_overlay_shows_on_pages_opened_while_broken(served: tuple[str, Path], page) -> None:
    url, root = served
    (root / "netsite.toml").write_text("[site\n")
    deadline = time.monotonic() + 15
    while True:
        page.goto(url)
        if page.locator("#netsite-overlay").count():
            break
        assert time.monotonic() < deadline
        page.wait_for_timeout(100)
    assert "netsite.toml:1" in page.locator("#netsite-overlay").inner_text()
    (root / "netsite.toml").write_text('[site]\ntitle = "Fixed"\n')
    expect(page).to_have_title(re.compile("Fixed"), timeout=WAIT_MS)
    assert page.locator("#netsite-overlay").count() == 0
