"""The contact page made in Python (contact_page.py) is the page Jinja makes of contact.html, and
the pages framed in Python (frame.py: company and tag pages) are the pages Jinja makes of theirs."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from netsite import contact_page
from netsite.build import render
from netsite.contact_page import NOTES_CLOSE, NOTES_OPEN, notes_place, notes_spliced
from netsite.journal import load_journal
from netsite.layout import default_templates
from netsite.model import build_network
from netsite.site import FRAMED, SiteRenderer, site_pages

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from helpers import journal_copy
from journal_gen import generate

TODAY = date(2026, 11, 25)
SAMPLE = Path(__file__).resolve().parent.parent
HOSTILE = """---
name: <b>Ann</b> & "Co" 'x'
company: A&B <Labs>
role: Head of <i>things</i>
location: Zürich & "Bern"
email: ann@example.com
phone: +41 <22> & 1
linkedin: https://example.com/in/ann?x=1&y="2"
website: javascript:alert('x')
how_met: at <script>alert(1)</script>
referred_by: Nobody & <Co>
tags: [a&b, "<t>"]
strength: strong
added: 2026-02-30
next_follow_up: 2026-12-01
follow_up_days: 1
pronouns: <they> & "them"
meta: {a: [1, 2], b: x}
log:
  - 2026-11-20 call: said <hi> & "bye"
  - 2026-11-21 lunch: odd kind
---
Notes with <em>html</em> & [[Nobody]] and **bold**.
"""
PLAIN = "---\nname: Bo\nemail: not an address\nlinkedin: example.com/bo\n---\n"


def jinja_and_python(root: Path) -> list[tuple[str, bytes, bytes]]:
    """Render every contact, company and tag page of a journal both ways: (path, Python's bytes,
    Jinja's bytes)."""
    network = build_network(load_journal(root), TODAY)
    site = SiteRenderer(network, root)
    assert site.fast, "the default templates are in use: contact pages should be made in Python"
    pages = [p for p in site_pages(network) if p.template == "contact.html" or p.template in FRAMED]
    fast = [site.render(p) for p in pages]
    site.fast = False
    return [(p.path, a, site.render(p)) for p, a in zip(pages, fast, strict=True)]


def assert_same(root: Path) -> None:
    rendered = jinja_and_python(root)
    assert rendered
    differing = [path for path, python, jinja in rendered if python != jinja]
    assert differing == [], f"{len(differing)} contact pages differ from Jinja's, first {differing[0]}"


def test_the_module_follows_the_default_templates() -> None:
    assert contact_page.templates_digest(default_templates()) == contact_page.TEMPLATES, (
        "base.html or contact.html changed: make contact_page.py show what they show (this file's "
        "other tests compare the two), then set contact_page.TEMPLATES to the new digest"
    )


def test_the_sample_journal(tmp_path: Path) -> None:
    assert_same(SAMPLE)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_journals(tmp_path: Path, seed: int) -> None:
    generate(tmp_path, 150, seed=seed)
    assert_same(tmp_path)


def test_hand_written_fixture_journal(tmp_path: Path) -> None:
    assert_same(journal_copy(tmp_path))


def test_a_deep_referral_trail(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    for i in range(30):  # chains of 1 to 30 people: whole, and by their ends
        referrer = f"referred_by: p{i - 1}\n" if i else ""
        text = f"---\nname: P{i}\ncompany: Acme\ntags: [t]\n{referrer}---\n"
        (contacts / f"p{i}.md").write_text(text, encoding="utf-8")
    assert_same(tmp_path)


def test_every_field_with_markup_in_it(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    (contacts / "ann.md").write_text(HOSTILE, encoding="utf-8")
    (contacts / "bo.md").write_text(PLAIN, encoding="utf-8")
    (contacts / "cy.md").write_text("---\nname: Cy\nreferred_by: ann\n---\n", encoding="utf-8")
    assert_same(tmp_path)
    page = render(tmp_path, TODAY).files["contacts/ann.html"].decode()
    assert "<script>alert" not in page and "&lt;b&gt;Ann&lt;/b&gt; &amp; &#34;Co&#34;" in page


def test_a_journal_with_its_own_contact_template_gets_jinja(tmp_path: Path) -> None:
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "bo.md").write_text(PLAIN, encoding="utf-8")
    own = tmp_path / "templates"
    own.mkdir()
    (own / "contact.html").write_text(
        '{% extends "base.html" %}{% block main %}MINE {{ contact.name }}{% endblock %}', encoding="utf-8"
    )
    network = build_network(load_journal(tmp_path), TODAY)
    assert not SiteRenderer(network, tmp_path).fast
    assert "MINE Bo" in render(tmp_path, TODAY).files["contacts/bo.html"].decode()


def test_edited_default_templates_turn_the_python_page_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact_page, "TEMPLATES", "another digest")
    from netsite import site

    monkeypatch.setattr(site, "TEMPLATES", "another digest")
    network = build_network(load_journal(SAMPLE), TODAY)
    assert not SiteRenderer(network, SAMPLE).fast


def test_notes_are_put_in_and_taken_out_where_the_page_keeps_them() -> None:
    bare = b"<main>\n<section>log</section>\n\n</main>\n<footer>x</footer>"
    place = notes_place(bare, b"", shown=False)
    assert place == (bare.index(b"</main>"),) * 2
    added = notes_spliced(bare, place, b"<p>hi</p>", shown=True)
    assert added is not None
    page, span = added
    assert page == bare.replace(b"</main>", f"{NOTES_OPEN}<p>hi</p>{NOTES_CLOSE}</main>".encode())
    assert page[slice(*span)] == b"<p>hi</p>" and notes_place(page, b"<p>hi</p>", shown=True) == span
    assert notes_spliced(page, span, b"", shown=False) == (bare, place)


def test_notes_are_not_spliced_into_a_page_unlike_its_span() -> None:
    page = b"<main>\n" + b"x" * len(NOTES_OPEN) + b"<p>hi</p>" + b"y" * len(NOTES_CLOSE) + b"</main>"
    start = page.index(b"<p>hi</p>")
    assert notes_spliced(page, (start, start + 9), b"<p>new</p>", shown=True) is None  # no section around
    opened = page.replace(b"x" * len(NOTES_OPEN), NOTES_OPEN.encode())
    assert notes_spliced(opened, (start, start + 9), b"<p>new</p>", shown=True) is None  # not closed
    assert notes_spliced(page, (0, 0), b"<p>new</p>", shown=True) is None  # not where main ends
    assert notes_place(page + page, b"", shown=False) is None  # two ends of main
