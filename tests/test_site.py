"""The rendered site: every link resolves, nothing loads from another host, values are escaped."""

from __future__ import annotations

import posixpath
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markupsafe
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from netsite import escaping
from netsite.build import build, render
from netsite.output import MANIFEST

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)


class _Refs(HTMLParser):
    """Collect (tag, attribute, value) for every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "srcset", "poster", "data") and value is not None:
                self.refs.append((tag, name, value))


def refs_of(html: bytes) -> list[tuple[str, str, str]]:
    parser = _Refs()
    parser.feed(html.decode("utf-8"))
    return parser.refs


def write_journal(root: Path, files: dict[str, str], config: str = "") -> Path:
    for rel, text in files.items():
        path = root / "contacts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if config:
        (root / "netsite.toml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sample_files() -> dict[str, bytes]:
    result = render(REPO, TODAY)
    assert result.ok, result.failure
    return result.files


def test_sample_site_has_every_section(sample_files: dict[str, bytes]) -> None:
    for page in ["index.html", "due.html", "tree.html", "problems.html", "contacts/index.html"]:
        assert page in sample_files
    for folder in ["weeks", "companies", "tags"]:
        assert f"{folder}/index.html" in sample_files
    contact_pages = [p for p in sample_files if p.startswith("contacts/") and p != "contacts/index.html"]
    assert len(contact_pages) == len(list((REPO / "contacts").rglob("*.md")))
    first_week = min(p for p in sample_files if p.startswith("weeks/2026-W"))
    assert first_week == "weeks/2026-W42.html"
    assert "weeks/2026-W48.html" in sample_files


def test_every_internal_link_resolves(sample_files: dict[str, bytes]) -> None:
    assert broken_links(sample_files) == []


def test_names_whose_lower_case_is_not_their_case_fold_build_and_link(tmp_path: Path) -> None:
    """`ß`.lower() is `ß` but its case fold is `ss`: groups are keyed by case fold, so must be pages."""
    files = {"jo.md": "---\nname: Jo\ncompany: Straße GmbH\ntags: [Groß, ΣΊΣΥΦΟΣ]\n---\n"}
    result = render(write_journal(tmp_path, files), TODAY)
    assert result.ok, result.failure
    assert broken_links(result.files) == []
    page = result.files["contacts/jo.html"].decode()
    assert page.count('class="tag" href="../tags/') == 2 and 'href="../companies/' in page


def broken_links(files: dict[str, bytes]) -> list[str]:
    """List every internal link (page: href) whose target is not among files, or whose #fragment is
    no id on its target page."""
    broken = []
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        for _tag, _attr, value in refs_of(data):
            parts = urlsplit(value)
            if parts.scheme in ("http", "https", "mailto") or not parts.path:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(parts.path)))
            anchor = f'id="{parts.fragment}"'.encode()
            if target not in files or (parts.fragment and anchor not in files[target]):
                broken.append(f"{path}: {value}")
    return broken


def test_nothing_loads_from_another_host(sample_files: dict[str, bytes]) -> None:
    for path, data in sample_files.items():
        if path.endswith(".html"):
            for tag, attr, value in refs_of(data):
                if tag != "a":
                    assert not re.match(r"(?i)\s*(https?:)?//", value), f"{path}: <{tag} {attr}={value}>"
        if path.endswith(".css"):
            assert b"url(" not in data and b"@import" not in data


def test_wikilinks_link_to_contact_pages(sample_files: dict[str, bytes]) -> None:
    page = sample_files["contacts/julia-romero.html"].decode()
    assert '<a class="wikilink" href="victor-lindqvist.html">Victor</a>' in page
    assert '<a class="wikilink" href="hailey-park.html">Hailey Park</a>' in page


def test_contact_page_shows_chain_referrals_and_log(sample_files: dict[str, bytes]) -> None:
    page = sample_files["contacts/julia-romero.html"].decode()
    chain = re.search(r'<span class="chain">(.*?)</span>\s*</nav>', page, re.S)
    assert chain is not None
    names = re.findall(r">([^<>]+)</a>", chain.group(1))
    assert names == ["Dana Whitfield", "Raj Patel", "Julia Romero"]
    assert "Referred me to" in page and "hailey-park.html" in page
    assert page.count('<li class="kind-') == 7


HOSTILE = """---
name: "<script>alert('name')</script>"
company: "Acme & <b>Sons</b>"
role: '"><img src=x onerror=alert(1)>'
linkedin: "javascript:alert(1)"
website: "https://example.com/?q=<x>"
email: "x@example.com\\"><script>"
tags: ["<i>tag</i>"]
odd_key: "<svg onload=alert(1)>"
log:
  - "2026-11-02 call: <script>alert('log')</script>"
---
<script>alert('notes')</script>
<div onclick="x()">raw html</div>
[click](javascript:alert(1)) [ok](https://example.com) [mail](mailto:a@example.com)
![tracker](https://tracker.example/pixel.png)
<b>bold</b> and [[<script>]]
"""


def test_hostile_values_are_escaped(tmp_path: Path) -> None:
    write_journal(tmp_path, {"evil.md": HOSTILE})
    result = render(tmp_path, TODAY)
    assert result.ok, result.failure
    for path, data in result.files.items():
        if path.endswith(".html"):
            text = data.decode()
            assert "<script>alert" not in text, path
            assert "<img" not in text and "<svg" not in text and "<i>tag" not in text, path
            assert 'href="javascript:' not in text.lower()
            assert 'src="https://tracker' not in text
    page = result.files["contacts/evil.html"].decode()
    assert "&lt;script&gt;alert('notes')&lt;/script&gt;" in page
    assert '<a href="https://example.com">ok</a>' in page
    assert '<a href="mailto:a@example.com">mail</a>' in page
    assert "<a>click</a>" in page
    assert 'href="https://tracker.example/pixel.png"' in page  # an image becomes a plain link


def test_allow_html_lets_raw_html_through_but_not_bad_links(tmp_path: Path) -> None:
    note = "---\nname: A\n---\n<b>bold</b> [x](javascript:alert(1))\n"
    write_journal(tmp_path, {"a.md": note}, "[site]\nallow_html = true\n")
    page = render(tmp_path, TODAY).files["contacts/a.html"].decode()
    assert "<b>bold</b>" in page
    assert "javascript:" not in page


def test_journal_template_overrides_one_default(tmp_path: Path) -> None:
    write_journal(tmp_path, {"a.md": "---\nname: Ann\n---\n"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "tag.html").write_text("unused")
    (tmp_path / "templates" / "contact.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="mine">{{ contact.name }}</p>{% endblock %}'
    )
    files = render(tmp_path, TODAY).files
    assert '<p class="mine">Ann</p>' in files["contacts/a.html"].decode()
    assert "Dashboard" in files["index.html"].decode()  # other pages still use the defaults


def test_broken_template_fails_with_file_and_line(tmp_path: Path) -> None:
    write_journal(tmp_path, {"a.md": "---\nname: Ann\n---\n"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "due.html").write_text("line one\n{% if %}\n")
    result = build(tmp_path, TODAY)
    assert not result.ok
    assert (result.failure or "").startswith("templates/due.html:2: error:")
    assert not (tmp_path / "output").exists()


def test_unreadable_config_fails_the_build_with_its_line(tmp_path: Path) -> None:
    write_journal(tmp_path, {"a.md": "---\nname: Ann\n---\n"}, "[site]\ntitle = = 1\n")
    result = build(tmp_path, TODAY)
    assert not result.ok
    assert (result.failure or "").startswith("netsite.toml:2: error: invalid TOML")


def test_template_runtime_error_names_the_line(tmp_path: Path) -> None:
    write_journal(tmp_path, {"a.md": "---\nname: Ann\n---\n"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "tags.html").write_text("ok\n\n{{ no_such_name.attr }}\n")
    result = render(tmp_path, TODAY)
    assert not result.ok
    assert (result.failure or "").startswith("templates/tags.html:3: error:")


def test_one_broken_file_never_takes_the_site_down(tmp_path: Path) -> None:
    files = {
        "good.md": "---\nname: Good Person\nreferred_by: bad-yaml\n---\n",
        "bad-yaml.md": "---\nname: [unclosed\n---\n",
        "not-utf8.md": "placeholder",
        "no-front-matter.md": "just text\n",
        "list.md": "---\n- a\n- b\n---\n",
    }
    write_journal(tmp_path, files)
    (tmp_path / "contacts" / "not-utf8.md").write_bytes(b"---\nname: Caf\xe9\n---\n")
    result = build(tmp_path, TODAY)
    assert result.ok, result.failure
    problems = result.files["problems.html"].decode()
    for name in ["bad-yaml.md:2", "not-utf8.md:2", "no-front-matter.md:1", "list.md:2", "good.md:3"]:
        assert f"contacts/{name}" in problems, name
    assert "contacts/good.html" in result.files
    assert "contacts/bad-yaml.html" not in result.files
    assert (tmp_path / "output" / MANIFEST).is_file()


def test_strict_build_fails_on_warnings_and_keeps_old_output(tmp_path: Path) -> None:
    write_journal(tmp_path, {"a.md": "---\nname: Ann\n---\n"})
    assert build(tmp_path, TODAY).ok
    before = (tmp_path / "output" / "index.html").read_bytes()
    write_journal(tmp_path, {"b.md": "---\nname: Bo\nreferred_by: nobody\n---\n"})
    result = build(tmp_path, TODAY, strict=True)
    assert not result.ok and "--strict" in (result.failure or "")
    assert (tmp_path / "output" / "index.html").read_bytes() == before
    assert not (tmp_path / "output" / "contacts" / "b.html").exists()


def test_a_company_has_a_page_if_two_people_work_there_or_it_is_a_target(tmp_path: Path) -> None:
    """A one-person company's links lead to its row of the companies list; a second person there
    gives it a page, and the first person's links lead to it."""
    files = {
        "ann.md": "---\nname: Ann\ncompany: Solo Labs\n---\n",
        "bo.md": "---\nname: Bo\ncompany: Duo Inc\n---\n",
        "cy.md": "---\nname: Cy\ncompany: duo inc\n---\n",
    }
    config = '[targets]\ncompanies = ["Globex"]\n'
    site = render(write_journal(tmp_path, files, config), TODAY).files
    assert {p for p in site if p.startswith("companies/")} == {
        "companies/index.html",
        "companies/duo-inc.html",
        "companies/globex.html",
    }
    assert 'href="../companies/index.html#solo-labs">Solo Labs</a>' in site["contacts/ann.html"].decode()
    assert 'href="../companies/duo-inc.html">Duo Inc</a>' in site["contacts/bo.html"].decode()
    listed = site["companies/index.html"].decode()
    assert '<tr id="solo-labs"><td>Solo Labs</td>' in listed
    assert '<tr id="duo-inc"><td><a href="duo-inc.html">Duo Inc</a></td>' in listed
    assert broken_links(site) == []
    (tmp_path / "contacts" / "dee.md").write_text("---\nname: Dee\ncompany: Solo Labs\n---\n")
    site = render(tmp_path, TODAY).files
    assert 'href="../companies/solo-labs.html">Solo Labs</a>' in site["contacts/ann.html"].decode()
    assert "companies/solo-labs.html" in site and broken_links(site) == []


def test_target_company_with_no_path_says_so(sample_files: dict[str, bytes]) -> None:
    page = sample_files["companies/globex.html"].decode()
    assert "No path yet" in page
    acme = sample_files["companies/acme-corp.html"].decode()
    assert acme.count('<span class="chain">') == 5


def test_pages_say_whether_there_are_problems_and_only_two_count_them(tmp_path: Path) -> None:
    """A new warning (a call logged before a planned follow-up) must not change every page."""
    ann = "---\nname: Ann\nnext_follow_up: 2026-11-24\nlog:\n  - 2026-11-20 call\n---\n"
    write_journal(tmp_path, {"ann.md": ann, "bo.md": "---\nname: Bo\n---\n"})
    files = render(tmp_path, TODAY).files
    flag = '<a href="../problems.html">Problems <span class="count warn" title="warnings to fix">!</span></a>'
    assert flag in files["contacts/bo.html"].decode()
    assert (
        "1 problem" in files["index.html"].decode()
        and '<span class="count">1</span>' in files["problems.html"].decode()
    )
    (tmp_path / "contacts" / "bo.md").write_text(
        "---\nname: Bo\nnext_follow_up: 2026-11-24\nlog:\n  - 2026-11-23 call\n---\n"
    )
    again = render(tmp_path, TODAY).files
    assert "2 problems" in again["index.html"].decode()
    assert again["contacts/ann.html"] == files["contacts/ann.html"]  # nor the footer: no count of contacts


def test_no_page_grows_with_the_depth_of_a_referral_trail(tmp_path: Path) -> None:
    """One trail of 400 referrals, all at one company: each page shows at most ten people of a chain."""
    trail = {
        f"p{i:03}.md": f"---\nname: P{i}\ncompany: Acme\nreferred_by: p{i - 1:03}\n---\n"
        for i in range(1, 400)
    }
    write_journal(tmp_path, {"p000.md": "---\nname: P0\ncompany: Acme\n---\n", **trail})
    result = render(tmp_path, TODAY)
    assert result.ok, result.failure
    deepest = result.files["contacts/p399.html"].decode()
    assert deepest.count('class="arrow"') == 10 and "… 391 more …" in deepest
    assert "<dd>400</dd>" in deepest  # its degree
    assert 'Referred by</dt><dd><a href="../contacts/p398.html">P398</a>' in deepest
    acme = result.files["companies/acme.html"].decode()
    assert acme.count('<span class="chain">') == 400 and acme.count('class="arrow"') <= 400 * 10
    # Before, the chains were whole: 80,000 links, 20 MB, on this one page.
    assert max(map(len, result.files.values())) < 1_000_000


@settings(max_examples=300, deadline=None)
@given(
    value=st.text()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.dates()
    | st.text().map(Markup)
    | st.text().map(lambda t: type("Html", (), {"__html__": lambda self, t=t: t})())
)
def test_fast_escaping_gives_what_markupsafe_gives(value: object) -> None:
    fast, slow = escaping.escape(value), markupsafe.escape(value)
    assert fast == slow and type(fast) is Markup
    text = escaping.escape_text(value)
    assert text == str(slow) and type(text) is str
