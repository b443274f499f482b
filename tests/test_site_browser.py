"""The built site in headless Debian Chromium, opened from file:// as a user would."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from netsite.build import build

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("journal")
    shutil.copytree(REPO / "contacts", root / "contacts")
    shutil.copy(REPO / "netsite.toml", root / "netsite.toml")
    assert build(root, date(2026, 11, 25)).ok
    return root / "output"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[*args, "--disable-component-update"])
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    page.foreign = []  # requests to anything but local files
    page.errors = []
    page.on("request", lambda r: None if r.url.startswith("file:") else page.foreign.append(r.url))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def test_dashboard_renders_styled_with_no_foreign_requests(site: Path, page) -> None:
    page.goto((site / "index.html").as_uri())
    assert page.title() == "Dashboard · Alex's network"
    assert page.locator("table.due tbody tr").count() > 10
    weight = page.eval_on_selector(".late", "el => getComputedStyle(el).fontWeight")
    assert weight == "600"  # the stylesheet loaded from file:// despite the CSP
    assert page.foreign == [] and page.errors == []


def test_contact_filters_work_from_file_url(site: Path, page) -> None:
    page.goto((site / "contacts" / "index.html").as_uri())
    rows = page.locator("#contact-table tbody tr")
    total = rows.count()
    page.select_option("select[name=status]", "identified")
    visible = page.locator("#contact-table tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all(t.strip() == "identified" for t in visible.locator("td:nth-child(4) .badge").all_inner_texts())
    page.fill("input[name=q]", "acme")
    assert visible.count() == 1  # the cold VP at Acme
    assert page.errors == []


def test_sorting_by_degree(site: Path, page) -> None:
    page.goto((site / "contacts" / "index.html").as_uri())
    page.click("th:has-text('Degree')")
    page.click("th:has-text('Degree')")
    first = page.locator("#contact-table tbody tr").first.locator("td").nth(4).inner_text()
    assert first == "5"


def test_navigation_between_pages_by_relative_links(site: Path, page) -> None:
    page.goto((site / "index.html").as_uri())
    page.click("nav >> text=Referral tree")
    page.click(".tree >> text=Julia Romero")
    assert page.locator("h1").inner_text().startswith("Julia Romero")
    page.click(".breadcrumb >> text=Dana Whitfield")
    assert page.locator("h1").inner_text().startswith("Dana Whitfield")
    assert page.foreign == []


def test_pages_are_readable_without_javascript(site: Path, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((site / "contacts" / "index.html").as_uri())
    assert page.locator("#contact-table tbody tr").count() >= 40
    assert not page.locator("#filters").is_visible()  # filter controls need JS, so they stay hidden
    context.close()
