"""Cached builds give exactly the bytes of an uncached build, whatever changed in between.

Each test builds a generated journal with the cache (output/ written, .netsite/ kept), edits it,
builds again, and compares every file in output/ with `render()`, which uses no cache at all.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import signal
import sys
import time
import weakref
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import build as building
from netsite import cache as caching
from netsite import output, site, workers
from netsite.build import Builder, build, render
from netsite.digests import digest
from netsite.output import MANIFEST

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from journal_gen import generate

TODAY = date(2026, 11, 21)
SIZE = 80


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    generate(tmp_path, SIZE, seed=7)
    return tmp_path


def output_tree(root: Path) -> dict[str, bytes]:
    out = root / "output"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def assert_same_as_uncached(root: Path, today: date = TODAY, after: str = "") -> None:
    """Build with the cache and check output/ against an uncached render, file for file."""
    result = build(root, today)
    assert result.ok, result.failure
    want = render(root, today)
    got = output_tree(root)
    got.pop(MANIFEST)
    assert sorted(got) == sorted(want.files)
    differing = [path for path in want.files if got[path] != want.files[path]]
    assert differing == [], (
        f"after {after}: {len(differing)} files differ from an uncached build: {differing[:3]}"
    )
    assert result.problems == want.problems
    time.sleep(0.02)  # the next edit must not share the clock tick of this build's reads


def contact(root: Path, index: int) -> Path:
    return sorted((root / "contacts").rglob("*.md"))[index]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def referrer_of(root: Path) -> tuple[Path, str]:
    """Find a contact whose referred_by is a plain id, and that id."""
    for path in sorted((root / "contacts").rglob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("referred_by: ") and "[" not in line and " " not in line[13:]:
                target = line[13:]
                if target not in ("me", "someone-we-never-wrote-down"):
                    return path, target
    raise AssertionError("no contact with a plain referrer")


def edit_note(root: Path) -> None:
    with contact(root, 5).open("a", encoding="utf-8") as handle:
        handle.write("\nAsked about the roadmap; see [[Nobody Yet]].\n")


def rename(root: Path) -> None:
    """Rename a referrer: its name shows on the pages of everyone below it and in wikilinks."""
    _, target = referrer_of(root)
    parent = next((root / "contacts").rglob(f"{target}.md"))
    text = parent.read_text(encoding="utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name: "))
    replace(parent, name, "name: Zed Renamed")


def change_referrer(root: Path) -> None:
    path, target = referrer_of(root)
    replace(path, f"referred_by: {target}", f"referred_by: {contact(root, 0).stem}")


def log_call(root: Path) -> None:
    path = contact(root, 9)
    head, fence, body = path.read_text(encoding="utf-8").partition("\n---\n")
    entry = "  - 2026-11-20 call: talked about the team"
    head = head + "\n" + entry if "\nlog:" in head else head + "\nlog:\n" + entry
    path.write_text(head + fence + body, encoding="utf-8")


def delete_file(root: Path) -> None:
    _, target = referrer_of(root)
    next((root / "contacts").rglob(f"{target}.md")).unlink()


def add_file(root: Path) -> None:
    (root / "contacts" / "new-person.md").write_text(
        "---\nname: New Person\ncompany: Fresh Co\nreferred_by: " + contact(root, 3).stem + "\n---\nHi.\n"
    )


def rename_file(root: Path) -> None:
    path = contact(root, 11)
    path.rename(path.with_name("renamed-id.md"))


def break_file(root: Path) -> None:
    replace(contact(root, 12), "name: ", "name: [unclosed ")


def change_company(root: Path) -> None:
    replace(contact(root, 13), "company: ", "company: Acme Newco ")


def staffing(root: Path) -> dict[str, list[Path]]:
    """Map each company (as written: the journal spells each one way) to the files of its people."""
    found: dict[str, list[Path]] = {}
    for path in sorted((root / "contacts").rglob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("company: "):
                found.setdefault(line.removeprefix("company: "), []).append(path)
    return found


def join_a_lone_company(root: Path) -> None:
    """Someone moves to a company one person worked at: it gets a page, which that person's links lead
    to now, and the companies stay the same ones (the network's shape by slugs alone would too)."""
    staff = staffing(root)
    lone = next((name for name, people in staff.items() if len(people) == 1), None)
    crowd = next((people for people in staff.values() if len(people) >= 3), None)
    if lone is None or crowd is None:  # after other edits, in a random run
        return
    text = crowd[-1].read_text(encoding="utf-8")
    company = next(line for line in text.splitlines() if line.startswith("company: "))
    crowd[-1].write_text(text.replace(company, f"company: {lone}", 1), encoding="utf-8")


def leave_a_pair(root: Path) -> None:
    """One of two people at a company moves to a bigger one: the company's page goes, and the one left's
    links lead to its row of the companies list."""
    staff = staffing(root)
    pair = next((people for people in staff.values() if len(people) == 2), None)
    crowd = next((name for name, people in staff.items() if len(people) >= 3), None)
    if pair is None or crowd is None:  # after other edits, in a random run
        return
    text = pair[0].read_text(encoding="utf-8")
    company = next(line for line in text.splitlines() if line.startswith("company: "))
    pair[0].write_text(text.replace(company, f"company: {crowd}", 1), encoding="utf-8")


def change_config(root: Path) -> None:
    replace(root / "netsite.toml", 'title = "Generated network"', 'title = "Renamed network"')


def change_a_goal(root: Path) -> None:
    replace(root / "netsite.toml", "new_contacts = 10", "new_contacts = 12")


EDITS: list[Callable[[Path], None]] = [
    edit_note,
    rename,
    change_referrer,
    log_call,
    delete_file,
    add_file,
    rename_file,
    break_file,
    change_company,
    join_a_lone_company,
    leave_a_pair,
    change_config,
    change_a_goal,
]


def test_joining_and_leaving_companies_makes_and_drops_their_pages(journal: Path) -> None:
    """As EDITS runs them: change_company makes a company of one, which join_a_lone_company gives a
    page and leave_a_pair takes it from again (so the edits test what they mean to)."""

    def company_pages() -> set[str]:
        return {path for path in render(journal, TODAY).files if path.startswith("companies/")}

    change_company(journal)
    before = company_pages()
    join_a_lone_company(journal)
    joined = company_pages()
    assert len(joined - before) == 1 and before <= joined
    leave_a_pair(journal)
    assert company_pages() == before


def test_every_edit_in_turn(journal: Path) -> None:
    assert_same_as_uncached(journal)
    for edit in EDITS:
        edit(journal)
        assert_same_as_uncached(journal, after=edit.__name__)


def test_every_edit_in_turn_trusting_file_stats(journal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no settling time every file's stat is trusted at once: edits are still all seen."""
    monkeypatch.setattr(caching, "SETTLED_NS", 0)
    assert_same_as_uncached(journal)
    for edit in EDITS:
        edit(journal)
        assert_same_as_uncached(journal, after=edit.__name__)


def test_changing_today_renders_again(journal: Path) -> None:
    assert_same_as_uncached(journal)
    assert_same_as_uncached(journal, date(2026, 12, 1))


def test_a_template_of_the_journal_own_is_used_and_then_dropped(journal: Path) -> None:
    assert_same_as_uncached(journal)
    (journal / "templates").mkdir()
    (journal / "templates" / "tag.html").write_text("{{ group.name }} has {{ group.members|length }}\n")
    assert_same_as_uncached(journal)
    assert output_tree(journal)["tags/index.html"]  # the defaults still serve the other pages
    (journal / "templates" / "tag.html").unlink()
    (journal / "templates").rmdir()
    assert_same_as_uncached(journal)


def test_a_copy_of_the_default_templates_counts_as_the_defaults_until_edited(journal: Path) -> None:
    """So the builds made for the defaults (page keys, Python contact pages) still apply to it."""
    from netsite.layout import default_templates, template_dirs

    shutil.copytree(default_templates(), journal / "templates")
    assert template_dirs(journal) == [default_templates()]
    assert_same_as_uncached(journal)
    assert site.SiteRenderer(render(journal, TODAY).network, journal).fast  # type: ignore[arg-type]
    replace(journal / "templates" / "contact.html", "<h1>", '<h1 class="edited">')
    assert template_dirs(journal) == [journal / "templates", default_templates()]
    assert_same_as_uncached(journal, after="editing the copy")
    assert 'class="edited"' in output_tree(journal)["contacts/" + contact(journal, 0).stem + ".html"].decode()


def test_a_corrupt_cache_is_ignored(journal: Path) -> None:
    assert_same_as_uncached(journal)
    folder = journal / caching.CACHE_DIR
    (folder / caching.CACHE_FILE).write_bytes(b"\x80\x05not a pickle at all")
    (folder / caching.STAMP_FILE).write_bytes(b"")
    edit_note(journal)
    assert_same_as_uncached(journal)


def test_a_cache_from_other_code_is_ignored(journal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same_as_uncached(journal)
    poisoned = caching.load_cache(journal, building._code_version())
    assert poisoned.parses, "the cache was saved"
    poisoned.notes = caching.NotesMemo({key: ("<p>stale</p>", ()) for key in poisoned.notes})
    poisoned.notes.dirty = set(range(caching.NOTE_SHARDS))
    poisoned.version = "older code"
    caching.save_cache(journal, poisoned)
    edit_note(journal)
    assert_same_as_uncached(journal)


def test_a_stamp_left_by_other_code_is_ignored(journal: Path) -> None:
    """A stamp of an older netsite, even one with other fields, only means the build runs."""
    assert_same_as_uncached(journal)
    older = object.__new__(caching.Stamp)
    older.__dict__.update(key="older code", problems=(), contacts=1, paths=())
    stamp_file = journal / caching.CACHE_DIR / caching.STAMP_FILE
    stamp_file.write_bytes(pickle.dumps(older))
    assert caching.load_stamp(journal, building._code_version()) is None
    edit_note(journal)
    assert_same_as_uncached(journal, after="an older stamp")


def test_workers_render_what_one_process_renders(journal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(building, "POOL_PAGES", 10)
    monkeypatch.setattr(building, "POOL_FILES", 10)
    monkeypatch.setattr(building, "CHUNK", 7)
    assert_same_as_uncached(journal)
    rename(journal)
    log_call(journal)
    assert_same_as_uncached(journal)


@pytest.mark.parametrize("pool", [False, True])
def test_a_first_build_saves_every_parse_and_the_next_parses_nothing(
    journal: Path, monkeypatch: pytest.MonkeyPatch, pool: bool
) -> None:
    if pool:  # the shards are then saved by the worker processes that parse them
        monkeypatch.setattr(building, "POOL_FILES", 10)
    assert build(journal, TODAY).ok
    saved = caching.load_cache(journal, building._code_version())
    assert len(saved.parses) == len(list((journal / "contacts").rglob("*.md")))
    parsed: list[str] = []
    original = caching._parse_one
    monkeypatch.setattr(caching, "_parse_one", lambda cid, *rest: parsed.append(cid) or original(cid, *rest))
    log_call(journal)  # not notes alone, which would be spliced in without a model (test_notes_only)
    assert build(journal, TODAY).ok
    assert len(parsed) == 1  # only the file edited


@pytest.mark.parametrize("pool", [False, True])
def test_a_first_build_stats_each_contact_file_as_it_reads_it(
    journal: Path, monkeypatch: pytest.MonkeyPatch, pool: bool
) -> None:
    """With no stamp to compare stats with, a first build lists the contact files and has each
    stat-ed as it is opened to be read (in the worker processes, with a pool), not by path first;
    the stamp holds those stats, so the next build with nothing changed stops at once."""
    monkeypatch.setattr(caching, "SETTLED_NS", 0)  # the files were just written: let them vouch
    if pool:
        monkeypatch.setattr(building, "POOL_FILES", 10)
    by_path: list[str] = []
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).endswith(".md"):
            by_path.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    assert build(journal, TODAY).ok
    assert by_path == []  # in this process
    files = sorted((journal / "contacts").rglob("*.md"))
    last = caching.load_stamp(journal, building._code_version())
    assert last is not None and not last.seen.unsettled
    want = {f.relative_to(journal).as_posix(): caching.stat_key(real_stat(f)) for f in files}
    assert {rel: key for rel, key in last.seen.stats.items() if rel.endswith(".md")} == want
    again = build(journal, TODAY)
    assert again.ok and again.network is None and again.stats is not None and again.stats.written == 0
    assert len(by_path) == len(files)  # the second build stats them by path: it has a stamp


def test_a_first_build_stamps_files_written_just_before_it_as_unsettled(journal: Path) -> None:
    """A file changed within SETTLED_NS of being listed may change again unseen within its clock
    tick: the stamp says so, so that the next build does not trust its stat (it reads it again)."""
    assert build(journal, TODAY).ok  # the generator has just written every file
    last = caching.load_stamp(journal, building._code_version())
    assert last is not None
    contacts = {f.relative_to(journal).as_posix() for f in (journal / "contacts").rglob("*.md")}
    assert contacts <= last.seen.unsettled


def test_nothing_changed_writes_nothing_and_repeats_the_problems(journal: Path) -> None:
    first = build(journal, TODAY)
    assert first.ok and first.problems
    folder = journal / "output"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*")}
    again = build(journal, TODAY)
    assert again.ok and again.stats is not None and again.stats.written == 0
    assert again.problems == first.problems
    assert again.contacts == first.contacts
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*")} == before


def test_a_deleted_output_file_is_written_again(journal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(caching, "SETTLED_NS", 0)  # every stat vouches at once: nothing changed is seen
    assert_same_as_uncached(journal)
    assert build(journal, TODAY).network is None  # nothing changed: the build stopped before the model
    victim = next((journal / "output" / "contacts").glob("*.html"))
    victim.unlink()
    assert_same_as_uncached(journal)
    assert victim.is_file()


def test_builder_in_memory_matches_render_across_edits(journal: Path) -> None:
    builder = Builder(journal)
    for edit in [None, edit_note, rename, log_call, change_a_goal, delete_file]:
        if edit is not None:
            edit(journal)
        got = builder.build(TODAY, write=False)
        want = render(journal, TODAY)
        assert got.ok and dict(got.files) == want.files
        assert got.problems == want.problems


def test_builder_writes_like_build(journal: Path) -> None:
    builder = Builder(journal)
    result = builder.build(TODAY)
    assert result.ok
    log_call(journal)
    result = builder.build(TODAY)
    assert result.ok
    got = output_tree(journal)
    got.pop(MANIFEST)
    assert got == render(journal, TODAY).files


SMALL = {
    "ann.md": "---\nname: Ann\ncompany: Acme\ntags: [x]\n---\nFirst.\n",
    "bob.md": "---\nname: Bob\nreferred_by: ann\ncompany: Beta\nlog:\n  - 2026-11-01 call: hi\n---\n",
    "sub/cy.md": "---\nname: Cy\nreferred_by: bob\ntags: [x]\n---\n",
    "dee.md": "---\nname: Dee\ncompany: Acme\n---\n",
}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    for name, text in SMALL.items():
        path = tmp_path / "contacts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("ann.md", "name: Ann", "name: Annabel"),  # shown in the chain of Bob and Cy
        ("bob.md", "company: Beta", "company: Gamma"),  # shown on Ann's page, among her referrals
        ("sub/cy.md", "tags: [x]", "log:\n  - 2026-11-02 call: met\ntags: [x]"),  # Cy's badge on Bob's page
        ("dee.md", "company: Acme", "company: Acme\nrole: CTO"),  # Dee's role on the Acme page
        ("bob.md", "company: Beta", "company: BETA"),  # the same company, as the tree shows it
        ("dee.md", "referred_by: zed", "referred_by: zoe"),  # the same shape: the tree's warning
        ("bob.md", "2026-11-01 call", "2026-08-01 call"),  # Bob goes cold: his badge in the tree
    ],
)
def test_pages_that_show_a_neighbour_follow_its_edits(small: Path, file: str, old: str, new: str) -> None:
    assert_same_as_uncached(small)
    # Seen twice, pages have fine keys; dee's referrer matches no one, a warning the tree shows.
    replace(small / "contacts" / "ann.md", "tags: [x]\n", "tags: [x]\nphone: 555\n")
    replace(small / "contacts" / "dee.md", "name: Dee", "name: Dee\nreferred_by: zed")
    assert_same_as_uncached(small)
    replace(small / "contacts" / file, old, new)
    assert_same_as_uncached(small)


def checked_contact_pages(monkeypatch: pytest.MonkeyPatch, template: str = "contact.html") -> set[str]:
    """Record, from now on, the pages of a template whose fine keys are computed (checked)."""
    from netsite import pagekeys

    checked: set[str] = set()
    original = pagekeys.PageKeys.fine

    def fine(self: pagekeys.PageKeys, page: site.Page, notes: object, then: str | None = None) -> str | None:
        if page.template == template:
            checked.add(page.path)
        return original(self, page, notes, then)  # type: ignore[arg-type]

    monkeypatch.setattr(pagekeys.PageKeys, "fine", fine)
    return checked


def test_a_logged_call_checks_only_the_pages_that_can_show_it(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The network keeps its shape, so only Cy's page and her referrer Bob's are checked again."""
    assert_same_as_uncached(small)
    checked = checked_contact_pages(monkeypatch)
    replace(small / "contacts" / "sub/cy.md", "tags: [x]", "log:\n  - 2026-11-02 call: met\ntags: [x]")
    assert_same_as_uncached(small)
    assert checked == {"contacts/bob.html", "contacts/cy.html"}


def test_a_warning_that_changes_its_words_checks_only_its_own_page(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other pages flag a file with problems; only its own page shows what they say."""
    dee = small / "contacts" / "dee.md"
    replace(dee, "company: Acme", "company: Acme\nnext_follow_up: 2026-11-03\nlog:\n  - 2026-11-01 call: hi")
    assert_same_as_uncached(small)
    checked = checked_contact_pages(monkeypatch)
    replace(dee, "  - 2026-11-01 call: hi", "  - 2026-11-01 call: hi\n  - 2026-11-02 email: more")
    warning = "next_follow_up 2026-11-03 is 1 days after the last contact (2026-11-02)"
    assert warning in render(small, TODAY).files["contacts/dee.html"].decode()
    assert_same_as_uncached(small)
    assert checked == {"contacts/dee.html"}


def test_a_logged_call_computes_the_coarse_keys_of_two_contact_pages(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other contact pages keep their coarse keys without computing them: the shape, their files,
    their problems and their referrals' front matter are as the last build left them (pagekeys.Basis)."""
    from netsite import pagekeys

    assert_same_as_uncached(small)
    keyed: set[str] = set()
    original = pagekeys.PageKeys.coarse

    def coarse(self: pagekeys.PageKeys, page: site.Page) -> str:
        if page.template == "contact.html":
            keyed.add(page.path)
        return original(self, page)

    monkeypatch.setattr(pagekeys.PageKeys, "coarse", coarse)
    replace(small / "contacts" / "sub/cy.md", "tags: [x]", "log:\n  - 2026-11-02 call: met\ntags: [x]")
    assert_same_as_uncached(small)
    assert keyed == {"contacts/bob.html", "contacts/cy.html"}
    keyed.clear()
    replace(small / "contacts" / "ann.md", "name: Ann", "name: Annabel")  # a new shape
    assert_same_as_uncached(small)
    assert keyed == {"contacts/ann.html", "contacts/bob.html", "contacts/cy.html"}  # Ann and below her


def test_a_new_contact_checks_the_pages_it_can_reach(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change of shape re-checks the pages it can reach (pagekeys.PageKeys.reshaped): a new contact's
    referrer's page and the pages whose notes ask for them, not everyone's."""
    note = "---\nname: Dee\ncompany: Acme\nreferred_by: cy\n---\nAsks about [[Eve]] and [[Bob]].\n"
    (small / "contacts" / "dee.md").write_text(note, encoding="utf-8")
    assert_same_as_uncached(small)
    checked = checked_contact_pages(monkeypatch)
    (small / "contacts" / "eve.md").write_text("---\nname: Eve\nreferred_by: cy\n---\n", encoding="utf-8")
    assert_same_as_uncached(small)
    assert checked == {"contacts/cy.html", "contacts/dee.html"}  # Eve's page is new: rendered unchecked
    tagged = checked_contact_pages(monkeypatch, "tag.html")  # a tag page shows nothing of the shape
    companies = checked_contact_pages(monkeypatch, "company.html")  # nor Acme's of this change
    (small / "contacts" / "fay.md").write_text("---\nname: Fay\nreferred_by: bob\n---\n", encoding="utf-8")
    assert_same_as_uncached(small)
    assert not tagged and not companies
    replace(small / "contacts" / "sub/cy.md", "name: Cy", "name: Cyrus")  # in the chain of Dee, at Acme
    assert_same_as_uncached(small)
    assert companies == {"companies/acme.html"}
    assert '<a class="wikilink" href="eve.html">Eve</a>' in (small / "output/contacts/dee.html").read_text()


# Changes of shape that reach pages in roundabout ways (pagekeys.PageKeys.reshaped): a file and what
# it holds then, or None to delete it.
RESHAPINGS: list[tuple[str, str | None]] = [
    ("sam-b.md", "---\nname: Sam Same\nreferred_by: me\n---\nSee [[Sam Same]] and [[SAM-C]].\n"),
    ("sam-c.md", "---\nname: Sam Same\nreferred_by: sam-b\n---\n"),  # a namesake
    ("sam-a.md", "---\nname: Sam Same\n---\n"),  # a namesake whose id comes first: the name finds it
    ("cyc-one.md", "---\nname: Cyc One\nreferred_by: cyc-two\n---\n"),
    ("cyc-two.md", "---\nname: Cyc Two\nreferred_by: cyc-one\n---\nAsks [[Cyc One]].\n"),  # a cycle
    ("cyc-two.md", "---\nname: Cyc Two\n---\nAsks [[Cyc One]].\n"),  # broken again
    ("sam-a.md", None),
    ("sub/sam-b.md", "---\nname: Sam Same\n---\n"),  # the same id twice, in two folders
    ("sam-b.md", None),  # moved for good
    *[
        (f"deep/x{i}.md", f"---\nname: X{i}\nreferred_by: x{i - 1}\n---\nUp: [[X{i - 1}]]\n")
        for i in range(1, 16)
    ],
    ("deep/x5.md", "---\nname: X Five\nreferred_by: x4\n---\n"),  # in the middle of long chains
    ("deep/x3.md", "---\nname: X3\n---\n"),  # the chain cut
    ("deep/x9.md", None),
    ("deep/x12.md", "---\nname: X12\nreferred_by: '[[X Five]]'\n---\n"),
]


def test_roundabout_changes_of_shape_match_an_uncached_render(journal: Path) -> None:
    """Namesakes (a wikilink or referrer that finds another contact), cycles made and broken, a file
    moved, long chains renamed and cut: every build, written and in memory, matches render()."""
    assert_same_as_uncached(journal)
    builder = Builder(journal)
    assert builder.build(TODAY, write=False).ok
    for step, (rel, text) in enumerate(RESHAPINGS):
        path = journal / "contacts" / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert_same_as_uncached(journal, after=f"step {step}: {rel}")
        assert dict(builder.build(TODAY, write=False).files) == render(journal, TODAY).files, step


def test_a_company_page_follows_a_chain_change_the_basis_cannot_tell(small: Path) -> None:
    """A company page's coarse key leaves out its insiders' chains: without the last shape's parts
    (pagekeys.PageKeys.reached) it is checked, and shows the new name in Dee's chain."""
    replace(small / "contacts" / "dee.md", "company: Acme", "company: Acme\nreferred_by: cy")
    assert_same_as_uncached(small)
    for kept in (small / ".netsite").glob("shape-*.pickle"):
        kept.unlink()
    replace(small / "contacts" / "sub/cy.md", "name: Cy", "name: Cyrus")
    assert_same_as_uncached(small)
    assert "Cyrus" in (small / "output" / "companies" / "acme.html").read_text()


def test_a_note_never_rendered_counts_as_asking_for_anyone_it_names(small: Path) -> None:
    """What a note asks for is known from its render: one never rendered may ask for the newcomer,
    if its text holds the newcomer's id or name at all (in any case, or with a tab for spaces)."""
    from netsite.journal import load_journal
    from netsite.model import build_network
    from netsite.notes import CachedNotes
    from netsite.pagekeys import page_keys

    notes_of = {"dee": "See [[Cy]]; EVE   NOVA is next.\n", "bob": "See [[Cy]].\n", "fay": "[[Eve\tNova]]\n"}
    for cid, text in notes_of.items():
        (small / "contacts" / f"{cid}.md").write_text(f"---\nname: {cid}\n---\n{text}", encoding="utf-8")
    before = page_keys(build_network(load_journal(small), TODAY), {}, "")
    (small / "contacts" / "newcomer.md").write_text("---\nname: Eve   Nova\n---\n", encoding="utf-8")
    keys = page_keys(build_network(load_journal(small), TODAY), {}, "")
    notes = CachedNotes(lambda target: None, False, {})
    assert keys.reshaped(before.parts, notes) == {"newcomer", "dee", "fay"}  # Bob's notes name no Eve
    notes.render(notes_of["dee"])
    assert keys.reshaped(before.parts, notes) == {"newcomer", "fay"}


@pytest.mark.parametrize("lost", ["parts", "nothing", "upgraded"])
def test_a_change_of_shape_reads_the_parts_of_the_last_shape(
    small: Path, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """`netsite build` keeps the parts of the last shape in a file of their own (serve in memory);
    without that file every contact page is checked again, as it must be. After an upgrade of
    netsite, the new code keeps its own file of the same shape."""
    assert_same_as_uncached(small)
    shapes = list((small / ".netsite").glob("shape-*.pickle"))
    assert len(shapes) == 1
    if lost == "parts":
        shapes[0].unlink()
    if lost == "upgraded":
        monkeypatch.setattr(building, "_code_version", lambda: "0123456789abcdef-newer-code")
        assert_same_as_uncached(small)
    checked = checked_contact_pages(monkeypatch)
    replace(small / "contacts" / "dee.md", "name: Dee", "name: Deirdre")
    assert_same_as_uncached(small)
    everyone = {f"contacts/{name}.html" for name in ("ann", "bob", "cy", "dee")}
    assert checked == (everyone if lost == "parts" else {"contacts/dee.html"})
    assert len(list((small / ".netsite").glob("shape-*.pickle"))) == 1  # the new shape's, alone


def rendered_pages(monkeypatch: pytest.MonkeyPatch, template: str = "contact.html") -> list[str]:
    """Record, from now on, the pages of a template rendered (contact pages by default)."""
    rendered: list[str] = []
    original = site.SiteRenderer.render_shown

    def render_shown(self: site.SiteRenderer, page: site.Page) -> tuple[bytes, dict]:
        if page.template == template:
            rendered.append(page.path)
        return original(self, page)

    monkeypatch.setattr(site.SiteRenderer, "render_shown", render_shown)
    return rendered


@pytest.mark.parametrize("where", ["output", "memory"])
def test_after_a_first_build_a_logged_call_renders_two_contact_pages(
    small: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A first build keeps no keys of its contact pages, yet the next build, written or in memory
    (serve, starting from that build's pages), knows the others unchanged (pagekeys.Basis)."""
    assert_same_as_uncached(small)
    builder = Builder(small)
    rendered = rendered_pages(monkeypatch)
    replace(small / "contacts" / "sub/cy.md", "tags: [x]", "log:\n  - 2026-11-02 call: met\ntags: [x]")
    built = build(small, TODAY) if where == "output" else builder.build(TODAY, write=False)
    assert built.ok and sorted(rendered) == ["contacts/bob.html", "contacts/cy.html"]
    if where == "output":
        assert_same_as_uncached(small)
    else:
        assert dict(built.files) == render(small, TODAY).files


def test_an_edit_the_tree_does_not_show_leaves_it_unrendered(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree shows the forest and each contact's name, company and badge, and gets its fine key
    from a first build on: a role or a phone number edited leaves it as it was."""
    assert_same_as_uncached(small)
    rendered = rendered_pages(monkeypatch, "tree.html")
    replace(small / "contacts" / "dee.md", "company: Acme", "company: Acme\nrole: CTO")
    assert build(small, TODAY).ok and rendered == []
    assert_same_as_uncached(small)
    rendered.clear()
    replace(small / "contacts" / "bob.md", "company: Beta", "company: Gamma")
    assert build(small, TODAY).ok and rendered == ["tree.html"]
    assert_same_as_uncached(small)


def test_the_companies_list_is_rendered_again_only_for_what_it_shows(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list shows every company and its people, and each target company's people with their role
    and badge: a call logged on anyone else leaves it as it was, from a first build on."""
    (small / "netsite.toml").write_text('[targets]\ncompanies = ["Acme"]\n', encoding="utf-8")
    for name, company in [("eve", "Gamma"), ("fay", "Gamma"), ("gus", "Beta")]:
        (small / "contacts" / f"{name}.md").write_text(f"---\ncompany: {company}\n---\n", encoding="utf-8")
    assert_same_as_uncached(small)
    rendered = rendered_pages(monkeypatch, "companies.html")
    replace(small / "contacts" / "bob.md", "call: hi", "call: hi\n  - 2026-11-20 call: again")
    assert build(small, TODAY).ok and rendered == []
    edits = [
        ("dee.md", "company: Acme", "company: Acme\nrole: CTO"),  # a target's insider's role
        ("ann.md", "tags: [x]", "tags: [x]\nlog:\n  - 2026-11-20 call: met"),  # and badge (met)
        ("sub/cy.md", "tags: [x]", "tags: [x]\ncompany: Beta"),  # Beta's people
        ("gus.md", "Beta", "Gamma"),  # from one company with a page to another, both keeping theirs
        ("eve.md", "company: Gamma", "name: Evelyn\ncompany: Gamma"),  # a name in the list of people
    ]
    for file, old, new in edits:
        rendered.clear()
        replace(small / "contacts" / file, old, new)
        assert build(small, TODAY).ok and rendered == ["companies/index.html"], file
        assert_same_as_uncached(small, after=file)


def test_after_a_first_build_a_logged_call_renders_only_the_week_pages_it_changed(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every front matter edit changes the coarse key of every week page; a first build keeps their
    fine keys, so the next logged call renders the weeks that show that contact (the one the call
    falls in, and those it was added or reached in), not all of them."""
    assert_same_as_uncached(journal)  # a first build
    weeks = sorted(p.name for p in (journal / "output" / "weeks").glob("2*.html"))
    rendered = rendered_pages(monkeypatch, "week.html")
    log_call(journal)  # on 2026-11-20
    assert build(journal, TODAY).ok
    assert "weeks/2026-W47.html" in rendered and len(rendered) <= 3 and len(weeks) == 55
    assert_same_as_uncached(journal, after="log_call")


def test_a_week_page_that_shows_the_same_of_a_contact_is_not_rendered_again(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bob's front matter changes with a call logged in week 47, and so the first part of the key of
    week 44, which lists his earlier call; what week 44 shows of him (his name, that call) does not,
    so it is not rendered again (PageKeys.week_key). An edit of that earlier call's note is."""
    bob = small / "contacts" / "bob.md"
    assert_same_as_uncached(small)
    assert_same_as_uncached(small)  # keys kept for every week page
    rendered = rendered_pages(monkeypatch, "week.html")
    replace(bob, "  - 2026-11-01 call: hi", "  - 2026-11-20 email: more\n  - 2026-11-01 call: hi")
    assert build(small, TODAY).ok and rendered == ["weeks/2026-W47.html"]
    assert_same_as_uncached(small, after="a call logged")
    rendered.clear()
    replace(bob, "2026-11-01 call: hi", "2026-11-01 call: hello")
    assert build(small, TODAY).ok and rendered == ["weeks/2026-W44.html"]
    assert_same_as_uncached(small, after="an earlier note edited")


def test_the_problems_page_is_rendered_again_only_when_what_it_shows_changed(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its key is every problem and the name of each contact with any: a call logged on a contact
    leaves it as it was, a new problem or a renamed contact with problems does not."""
    assert_same_as_uncached(small)
    rendered = rendered_pages(monkeypatch, "problems.html")
    edits = [
        ("name: Dee", "name: Dee\nlog:\n  - 2026-11-20 call: hello", []),
        ("name: Dee", "name: Dee\nstrength: very", ["problems.html"]),  # a problem
        ("name: Dee", "name: Deirdre", ["problems.html"]),  # the name it shows beside the problem
        ("strength: very", "strength: much", ["problems.html"]),  # the same file, another problem
        ("  - 2026-11-20 call: hello", "  - 2026-11-21 call: hello", []),
    ]
    for old, new, expected in edits:
        replace(small / "contacts" / "dee.md", old, new)
        assert build(small, TODAY).ok and rendered == expected, new
        assert_same_as_uncached(small, after=new)
        rendered.clear()


def rows_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record, from now on, each row of the long lists made (not reused), by the name of its maker."""
    from netsite import exporting, fragments

    made: list[str] = []
    for name in ["_contact_row", "_tree_node"]:
        original = getattr(fragments.Fragments, name)
        monkeypatch.setattr(
            fragments.Fragments,
            name,
            lambda self, row, *rest, f=original, n=name: made.append(n) or f(self, row, *rest),
        )
    original_event = exporting._event
    monkeypatch.setattr(exporting, "_event", lambda *args: made.append("_event") or original_event(*args))
    return made


def test_a_logged_call_makes_the_rows_of_the_long_lists_for_that_contact_only(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contacts list, tree, Due page and calendar keep their other rows (see rowmemo.py), from
    the first build on."""
    assert_same_as_uncached(journal)  # a first build
    made = rows_made(monkeypatch)
    log_call(journal)
    assert build(journal, TODAY).ok
    assert made.count("_contact_row") == 1 and made.count("_tree_node") == 1
    assert made.count("_event") <= 2  # the contact's own due items, if any
    assert_same_as_uncached(journal, after="log_call")


def test_serve_keeps_the_rows_of_the_long_lists_from_its_first_rebuild_on(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-lived Builder makes the cache folder where the rows are kept, in a journal that never
    had a `netsite build`: serve's first logged call makes that contact's rows only."""
    builder = Builder(journal)
    assert builder.build(TODAY, write=False).ok
    made = rows_made(monkeypatch)
    log_call(journal)
    result = builder.build(TODAY, write=False)
    assert made.count("_contact_row") == 1 and made.count("_tree_node") == 1
    assert made.count("_event") <= 2
    assert result.files == render(journal, TODAY).files


def test_a_new_contact_makes_few_rows_of_the_long_lists(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new contact changes the shape of the network; the rows kept are reused where their contact's
    front matter and their place (degree, referrer, company and tag pages, branch size, due item)
    are the same: the new contact's rows, and the tree's nodes above it, are made."""
    assert_same_as_uncached(journal)
    log_call(journal)
    assert_same_as_uncached(journal)
    made = rows_made(monkeypatch)
    placed = site._contact_row  # the values of a row of the list, its place among them
    monkeypatch.setattr(site, "_contact_row", lambda *args: made.append("placed") or placed(*args))
    add_file(journal)
    assert build(journal, TODAY).ok
    assert made.count("_contact_row") == 1  # of the 81
    # Only rows whose contact's page the new contact can reach are placed again (rowmemo.py: follows).
    assert made.count("placed") <= 3
    assert 1 < made.count("_tree_node") < 15  # the new node, and its referrers' (their branches grew)
    assert made.count("_event") <= 2  # the new contact's own due items
    assert_same_as_uncached(journal, after="add_file")


PLACES = {
    "ann.md": "---\nname: Ann\n---\n",
    "bo.md": "---\nname: Bo\nreferred_by: ann\n---\n",  # a warm lead: its event names Ann
    "cy.md": "---\nname: Cy\nreferred_by: Dee Lee\nlog:\n  - 2026-11-01 call\n---\n",
    "dee.md": "---\nname: Dee Lee\n---\n",
    "eve.md": "---\nname: Eve\nreferred_by: Nobody Known\n---\n",  # a warning already: none is the first
}


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("ann.md", "---\nname: Annabel\n---\n"),  # Bo's event and rows name her referrer anew
        ("dee-2.md", "---\nname: Dee Lee\n---\n"),  # Cy's referrer is ambiguous now: a warning
    ],
)
def test_rows_follow_a_change_of_shape_that_leaves_their_contact_file_alone(
    tmp_path: Path, file: str, text: str
) -> None:
    for name, body in PLACES.items():
        (tmp_path / "contacts").mkdir(exist_ok=True)
        (tmp_path / "contacts" / name).write_text(body, encoding="utf-8")
    assert_same_as_uncached(tmp_path)
    replace(tmp_path / "contacts" / "cy.md", "call", "call: hi")  # a second build: pages keep their rows
    assert_same_as_uncached(tmp_path)
    (tmp_path / "contacts" / file).write_text(text, encoding="utf-8")
    assert_same_as_uncached(tmp_path, after=file)


def test_rows_kept_in_a_corrupt_file_are_made_again(journal: Path) -> None:
    assert_same_as_uncached(journal)
    log_call(journal)
    assert_same_as_uncached(journal)
    assert list((journal / ".netsite").glob("rows-*.pickle"))
    for kept in (journal / ".netsite").glob("rows-*.pickle"):
        kept.write_bytes(b"garbage")
    log_call(journal)
    assert_same_as_uncached(journal, after="log_call")


def test_builder_sees_a_default_template_change(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived Builder (serve) must render again when a template it uses changes on disk."""
    defaults = small / "defaults"
    defaults.mkdir()
    for file in (Path(__file__).resolve().parent.parent / "templates").iterdir():
        if file.is_file():
            (defaults / file.name).write_bytes(file.read_bytes())
    monkeypatch.setattr(building, "default_templates", lambda: defaults)
    monkeypatch.setattr(site, "template_dirs", lambda root: [defaults])
    builder = Builder(small)
    first = builder.build(TODAY, write=False)
    assert first.ok and "the-marker" not in first.files["contacts/ann.html"].decode()
    base = defaults / "base.html"
    base.write_text(base.read_text().replace("</footer>", "the-marker</footer>"))
    again = builder.build(TODAY, write=False)
    assert again.ok and "the-marker" in again.files["contacts/ann.html"].decode()


def test_helpers_share_the_chunks_and_keep_their_order() -> None:
    parent = os.getpid()

    def work(chunk: int) -> tuple[int, bool]:
        time.sleep(0.01)
        return chunk * chunk, os.getpid() == parent

    results = workers.map_chunks(work, list(range(40)), jobs=2)
    assert [square for square, _ in results] == [i * i for i in range(40)]
    assert {here for _, here in results} == {True, False}  # the parent worked, and so did a helper


@pytest.mark.parametrize("jobs", [2, 3])
def test_each_chunk_is_worked_on_once_by_one_process(tmp_path: Path, jobs: int) -> None:
    log = tmp_path / "log"

    def work(chunk: int) -> int:
        with open(log, "a") as out:  # appends of a line each never interleave
            out.write(f"{chunk} {os.getpid()}\n")
        time.sleep(0.002)
        return chunk

    assert workers.map_chunks(work, list(range(200)), jobs=jobs) == list(range(200))
    taken = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(chunk) for chunk, _ in taken) == list(range(200))
    assert len({pid for _, pid in taken}) == jobs


def test_more_chunks_than_tickets_are_worked_on_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MAX_CHUNKS", 10)
    parent = os.getpid()
    assert workers.map_chunks(lambda c: (c, os.getpid() == parent), list(range(11)), jobs=2) == [
        (c, True) for c in range(11)
    ]


def test_an_error_in_a_helper_is_raised_in_the_parent() -> None:
    parent = os.getpid()

    def work(chunk: int) -> int:
        if os.getpid() != parent:
            raise ValueError(f"chunk {chunk} failed")
        time.sleep(0.05)
        return chunk

    with pytest.raises(ValueError, match="failed"):
        workers.map_chunks(work, list(range(10)), jobs=2)


def test_a_helper_that_dies_fails_the_call_instead_of_hanging_it() -> None:
    parent = os.getpid()

    def work(chunk: int) -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)
        return chunk

    with pytest.raises(workers.WorkerError):
        workers.map_chunks(work, list(range(10)), jobs=2)


def test_a_helper_runs_its_task_in_another_process(tmp_path: Path) -> None:
    mark = tmp_path / "pid"
    helper = workers.Helper(lambda: mark.write_text(str(os.getpid())))
    assert helper.wait() and helper.wait()  # waiting again is harmless
    assert int(mark.read_text()) != os.getpid()


def test_a_helper_stopped_ends_at_once_and_is_reaped(tmp_path: Path) -> None:
    mark = tmp_path / "finished"
    helper = workers.Helper(lambda: (time.sleep(30), mark.touch()))
    pid = helper.pid
    assert pid is not None
    helper.stop()
    helper.stop()  # stopping again is harmless
    with pytest.raises(ChildProcessError):  # no such child left, running or not yet reaped
        os.waitpid(pid, os.WNOHANG)
    assert not mark.exists()


def test_a_one_shot_command_asks_glibc_to_keep_freed_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[int, int]] = []

    class Glibc:
        def mallopt(self, option: int, value: int) -> int:
            asked.append((option, value))
            return 1

    monkeypatch.setattr(workers.ctypes, "CDLL", lambda name: Glibc())
    workers.keep_freed_memory()
    assert dict(asked) == {-3: 32 << 20, -1: 1 << 30}  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD


def test_a_one_shot_command_collects_no_cycles_and_a_build_does_not_turn_the_collector_on(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phases that pause the collector (no_collection, settled_heap) leave it off after them."""
    monkeypatch.setattr(workers, "_left", None)
    was = gc.isenabled()
    try:
        workers.collect_no_cycles()
        assert not gc.isenabled()
        assert build(small, TODAY).ok and build(small, TODAY).ok
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_where_malloc_cannot_be_tuned_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers.ctypes, "CDLL", lambda name: object())  # no mallopt (musl, macOS)
    workers.keep_freed_memory()


@pytest.mark.parametrize("ending", [True, False], ids=["process ends at once", "process goes on"])
def test_what_is_left_to_exit_outlives_its_references(monkeypatch: pytest.MonkeyPatch, ending: bool) -> None:
    class Thing:
        pass

    monkeypatch.setattr(workers, "_left", None)
    if ending:
        workers.ending_at_once()
    thing = Thing()
    alive = weakref.ref(thing)
    workers.leave_to_exit(thing)
    del thing
    gc.collect()
    assert (alive() is not None) == ending


def test_a_build_in_a_process_that_ends_at_once_leaves_its_cache_unfreed(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(small, TODAY)
    monkeypatch.setattr(workers, "_left", None)
    workers.ending_at_once()
    bob = SMALL["bob.md"].replace("company: Beta", "company: Gamma")
    (small / "contacts" / "bob.md").write_text(bob, encoding="utf-8")
    assert build(small, TODAY).ok
    left = [o for objects in workers._left or [] for o in objects]
    assert any(isinstance(o, caching.BuildCache) for o in left)


@pytest.mark.parametrize("forks", [True, False], ids=["forked", "where it cannot fork"])
def test_a_helper_whose_task_fails_says_so(monkeypatch: pytest.MonkeyPatch, forks: bool) -> None:
    def task() -> None:
        raise OSError("disk full")

    monkeypatch.setattr(workers, "can_fork", lambda: forks)
    assert not workers.Helper(task).wait()


def staged_bases(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Record what the spare site held (its manifest) each time a build stages a site in it."""
    bases: list[dict[str, str]] = []
    original = output.Staging.__post_init__

    def recorded(self: output.Staging) -> None:
        original(self)
        bases.append(dict(self.base))

    monkeypatch.setattr(output.Staging, "__post_init__", recorded)
    return bases


@pytest.mark.parametrize("edit", [edit_note, log_call], ids=["notes", "a logged call"])
def test_the_build_after_a_first_one_stages_in_a_spare_made_meanwhile(
    journal: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path], None]
) -> None:
    assert build(journal, TODAY).ok
    assert not caching.spare_site(journal).exists()  # a first build retires no site
    before = json.loads((journal / "output" / MANIFEST).read_text(encoding="utf-8"))
    time.sleep(0.02)
    edit(journal)
    bases = staged_bases(monkeypatch)
    assert build(journal, TODAY).ok
    assert bases == [before]  # a copy of the site to update, not a folder to fill
    monkeypatch.undo()
    assert_same_as_uncached(journal, after="an edit after the first build")


def test_a_build_that_writes_nothing_still_finishes_the_spare(journal: Path) -> None:
    assert build(journal, TODAY).ok
    before = json.loads((journal / "output" / MANIFEST).read_text(encoding="utf-8"))
    time.sleep(0.02)
    replace(contact(journal, 3), "name: ", "added: 2026-02-30\nname: ")  # a problem: --strict stops
    assert not build(journal, TODAY, strict=True).ok
    assert caching._making == {}
    spare = caching.spare_site(journal)
    assert json.loads((spare / MANIFEST).read_text(encoding="utf-8")) == before


def test_after_a_new_day_the_retired_site_is_swept_and_the_spare_made_afresh(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(journal, TODAY).ok
    log_call(journal)
    assert_same_as_uncached(journal, after="a logged call")  # output/ and the spare share most files
    tomorrow = date.fromordinal(TODAY.toordinal() + 1)
    assert_same_as_uncached(journal, tomorrow, after="a new day")  # every page shows the day
    spare = caching.spare_site(journal)
    retired = output.set_aside_sites(spare)
    assert not spare.exists() and len(retired) == 1
    monkeypatch.setattr(workers.Helper, "stop", workers.Helper.wait)  # let the sweep finish
    bases = staged_bases(monkeypatch)
    edit_note(journal)
    log_call(journal)
    assert_same_as_uncached(journal, tomorrow, after="edits the next day")
    assert output.set_aside_sites(spare) == [] and not os.path.exists(retired[0])
    assert len(bases) == 1 and bases[0] != {}  # staged in a copy of the live site made meanwhile


def test_a_build_does_not_wait_for_the_sweep_to_finish(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(journal, TODAY).ok
    assert build(journal, date.fromordinal(TODAY.toordinal() + 1)).ok  # sets the old site aside
    sweepers: list[workers.Helper] = []
    original = workers.Helper.__init__

    def started(self: workers.Helper, task: Callable[[], None]) -> None:
        original(self, task)
        if getattr(task, "func", None) is output.sweep_sites:
            sweepers.append(self)

    def slow_sweep(folders: list[str]) -> None:
        time.sleep(5)
        (journal / "swept").touch()

    monkeypatch.setattr(workers.Helper, "__init__", started)
    monkeypatch.setattr(output, "sweep_sites", slow_sweep)
    monkeypatch.setattr(caching, "sweep_sites", slow_sweep)
    log_call(journal)
    assert build(journal, date.fromordinal(TODAY.toordinal() + 1)).ok
    assert len(sweepers) == 1 and sweepers[0].pid is None  # stopped, and reaped
    time.sleep(0.1)
    assert not (journal / "swept").exists()  # cut short, not waited for
    assert output.set_aside_sites(caching.spare_site(journal)) != []  # for the next build to sweep


def test_a_build_that_may_rewrite_every_page_does_not_sweep(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(journal, TODAY).ok
    tomorrow = date.fromordinal(TODAY.toordinal() + 1)
    assert build(journal, tomorrow).ok  # sets the old site aside
    swept = journal / "swept"
    monkeypatch.setattr(caching, "sweep_sites", lambda folders: swept.touch())  # in a helper process
    monkeypatch.setattr(workers.Helper, "stop", workers.Helper.wait)
    assert build(journal, date.fromordinal(TODAY.toordinal() + 2)).ok  # every page shows the day
    assert not swept.exists()
    log_call(journal)
    assert build(journal, date.fromordinal(TODAY.toordinal() + 2)).ok
    assert swept.exists()  # an edit's build sweeps


def test_builder_starts_from_what_build_left(journal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build(journal, TODAY).ok
    want = render(journal, TODAY).files
    rendered = []
    original = site.SiteRenderer.render_shown

    def counted(self: site.SiteRenderer, page: site.Page) -> tuple[bytes, dict]:
        rendered.append(page.path)
        return original(self, page)

    monkeypatch.setattr(site.SiteRenderer, "render_shown", counted)
    result = Builder(journal).build(TODAY, write=False)
    assert rendered == []  # every page came from output/
    assert result.ok and dict(result.files) == want


def test_builder_does_not_trust_an_output_file_edited_by_hand(journal: Path) -> None:
    assert build(journal, TODAY).ok
    page = journal / "output" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"Dashboard", b"Dashbored"))
    result = Builder(journal).build(TODAY, write=False)
    assert result.ok and dict(result.files) == render(journal, TODAY).files


def test_the_cache_folder_tells_git_to_ignore_it(small: Path) -> None:
    assert build(small, TODAY).ok
    assert (small / caching.CACHE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of every page rendered from now on."""
    rendered: list[str] = []
    original = site.SiteRenderer.render_shown

    def counted(self: site.SiteRenderer, page: site.Page) -> tuple[bytes, dict]:
        rendered.append(page.path)
        return original(self, page)

    monkeypatch.setattr(site.SiteRenderer, "render_shown", counted)
    return rendered


def store_digests(root: Path) -> set[str]:
    return {p.name for p in (root / caching.CACHE_DIR / caching.PAGES_DIR).iterdir()}


def test_a_deleted_output_folder_comes_back_from_the_page_store(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(journal, TODAY).ok
    shutil.rmtree(journal / "output")
    rendered = count_renders(monkeypatch)
    assert build(journal, TODAY).ok
    assert rendered == []  # every page was linked from .netsite/pages
    monkeypatch.undo()
    assert_same_as_uncached(journal, after="deleting output/")


def test_the_page_store_keeps_exactly_the_pages_of_the_site(journal: Path) -> None:
    assert build(journal, TODAY).ok
    edit_note(journal)
    log_call(journal)
    assert_same_as_uncached(journal, after="edits")
    manifest = json.loads((journal / "output" / MANIFEST).read_text(encoding="utf-8"))
    assert store_digests(journal) == set(manifest.values())
    page = journal / "output" / "index.html"
    stored = journal / caching.CACHE_DIR / caching.PAGES_DIR / manifest["index.html"]
    assert os.path.samefile(page, stored)  # a hard link: the store takes no space of its own


def test_a_page_edited_in_place_is_not_restored_from_the_store(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(journal, TODAY).ok
    page = journal / "output" / "index.html"
    with page.open("r+b") as handle:  # in place: the store's link sees the change too
        handle.write(b"<!-- edited -->")
    shutil.rmtree(journal / "output")
    rendered = count_renders(monkeypatch)
    assert build(journal, TODAY).ok
    assert rendered == ["index.html"]  # the only page whose stored copy no longer matches its digest
    monkeypatch.undo()
    assert_same_as_uncached(journal, after="an in-place edit and a deleted output/")


def test_an_uncached_build_writes_no_cache(journal: Path) -> None:
    assert build(journal, TODAY, cache=False).ok
    assert not (journal / caching.CACHE_DIR).exists()  # no page store, nor any other cache file


def test_a_notes_file_is_written_again_only_when_its_notes_changed(journal: Path) -> None:
    folder = journal / caching.CACHE_DIR

    def inodes() -> dict[str, int]:
        return {p.name: p.stat().st_ino for p in folder.glob("notes-*.pickle")}

    assert build(journal, TODAY).ok
    first = inodes()
    assert first, "the notes were saved"
    log_call(journal)  # the front matter only: every note is rendered as before
    assert_same_as_uncached(journal, after="a logged call")
    assert inodes() == first  # none replaced
    log_call(journal)
    edit_note(journal)  # with the front matter, so a full build (not the notes shortcut) renders it
    assert_same_as_uncached(journal, after="a logged call and a note")
    now = inodes()
    assert 1 <= sum(now.get(name) != inode for name, inode in first.items()) <= 2  # the new note's, the old's
    saved = caching.load_cache(journal, building._code_version())
    text = next(c for c in render(journal, TODAY).network.contacts.values() if "Nobody Yet" in c.notes).notes
    assert (digest(text.encode()), False) in saved.notes


def test_a_shard_a_helper_saved_reaches_the_parent_through_its_file(journal: Path) -> None:
    folder = journal / caching.CACHE_DIR
    files = sorted((journal / "contacts").rglob("*.md"))[:5]
    items = [(f.stem, f.relative_to(journal).as_posix(), str(f)) for f in files]
    saved = caching._parse_shard("v1", folder, items)
    shipped = pickle.dumps(saved)  # as a helper sends it to the parent
    assert len(shipped) * 3 < len(pickle.dumps(list(saved)))  # not the parses themselves
    assert pickle.loads(shipped) == list(saved)
    next(folder.glob("parses-*.pickle")).unlink()  # gone before the parent reads it
    assert pickle.loads(shipped) is None  # then the parent parses the shard itself


def test_a_first_build_whose_shard_went_missing_parses_it_again(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(building, "POOL_FILES", 10)

    def gone(path: Path, version: str) -> dict:
        path.unlink(missing_ok=True)
        raise FileNotFoundError(path)

    monkeypatch.setattr(caching, "_versioned", gone)  # as the parent reads what the helpers saved
    assert_same_as_uncached(journal, after="shards lost on their way from the helpers")
    monkeypatch.undo()
    saved = caching.load_cache(journal, building._code_version())  # the parent saved them again
    assert len(saved.parses) == len(list((journal / "contacts").rglob("*.md")))


def test_a_journal_with_fewer_files_than_shards_keeps_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some parse shards hold no file: they are saved empty, and the next build parses only the edit."""
    (tmp_path / "contacts").mkdir()
    for n in range(3):
        text = f"---\nname: Person {n}\nlog:\n  - 2026-11-01 call: hello\n---\nNotes {n}\n"
        (tmp_path / "contacts" / f"p{n}.md").write_text(text, encoding="utf-8")
    assert build(tmp_path, TODAY).ok
    assert len(caching.load_cache(tmp_path, building._code_version()).parses) == 3
    parsed: list[str] = []
    original = caching._parse_one
    monkeypatch.setattr(caching, "_parse_one", lambda cid, *rest: parsed.append(cid) or original(cid, *rest))
    path = tmp_path / "contacts" / "p1.md"
    path.write_text(path.read_text().replace("hello", "hello again"), encoding="utf-8")
    assert_same_as_uncached(tmp_path, after="a logged call in a journal of three")
    assert parsed == ["p1"]


@pytest.mark.parametrize(("name", "package"), list(caching.LIBRARIES.items()))
def test_the_cache_is_keyed_by_each_librarys_installed_version(name: str, package: str) -> None:
    """The version comes from the dist-info folder importlib.metadata would read, found faster."""
    from importlib import metadata

    assert metadata.version(name) in caching._library_version(name, package)


def test_a_library_found_nowhere_has_an_unknown_version() -> None:
    assert caching._library_version("no-such-library", "no_such_package") == "no-such-library=?"


def test_the_notes_memo_reads_a_shard_only_when_a_note_of_it_is_looked_up() -> None:
    one, two = ("d1", False), ("d2", False)
    reads: list[int] = []

    def read(number: int) -> dict:
        reads.append(number)
        return {one: ("<p>one</p>", ())} if number == caching.note_shard(one) else {}

    memo = caching.NotesMemo(read=read, size=1)
    memo.update({})
    assert len(memo) == 1 and not reads and not memo.dirty
    assert memo.get(one) == ("<p>one</p>", ()) and memo.get(one) is not None
    assert reads == [caching.note_shard(one)] and not memo.dirty
    memo[two] = ("<p>two</p>", ())
    assert len(memo) == 2 and memo.dirty == {caching.note_shard(two)}
    assert dict(memo) == {one: ("<p>one</p>", ()), two: ("<p>two</p>", ())}
    assert sorted(reads) == list(range(caching.NOTE_SHARDS))  # each read once


def test_a_notes_file_that_cannot_be_read_is_an_empty_shard() -> None:
    def read(number: int) -> dict:
        raise ValueError("not from this version of netsite")

    memo = caching.NotesMemo(read=read, size=3)
    assert memo.get(("d1", False)) is None and ("d1", False) not in memo


def test_keeping_the_notes_in_use_changes_only_the_shards_it_drops_from() -> None:
    a, b = ("a", False), ("b", False)
    memo = caching.NotesMemo({a: 1, b: 2})
    memo.keep({a, b})
    assert not memo.dirty
    memo.keep({a})
    assert memo.dirty == {caching.note_shard(b)} and dict(memo) == {a: 1} and len(memo) == 1


def test_the_notes_memo_keeps_the_notes_in_use(journal: Path) -> None:
    """A build that renders a note drops the notes no contact has any more; one that renders none
    (a logged call) keeps the memo as it was, without digesting every note."""
    from netsite.notes import _digest

    def memo() -> set[tuple[str, bool]]:
        return set(caching.load_cache(journal, building._code_version()).notes)

    def notes(shown: bool) -> set[tuple[str, bool]]:
        """The memo keys of the notes of every contact, or of those with notes to show."""
        contacts = render(journal, TODAY).network.contacts.values()
        return {(_digest(c.notes), False) for c in contacts if c.notes.strip() or not shown}

    assert_same_as_uncached(journal)
    for n in range(3):
        path = contact(journal, 4)
        text = path.read_text(encoding="utf-8").replace("name: ", f"name: Dr{n} ", 1)
        path.write_text(text + f"\nEdit {n}.\n", encoding="utf-8")
        assert_same_as_uncached(journal)
        assert notes(shown=True) <= memo() <= notes(shown=False)
    log_call(journal)
    assert_same_as_uncached(journal)
    assert notes(shown=True) <= memo() <= notes(shown=False)


def test_a_cache_file_is_written_without_a_memo_unless_it_repeats_objects(tmp_path: Path) -> None:
    repeated = ["the same string, kept once with a memo"] * 100
    assert caching._save(tmp_path / "memo.pickle", repeated, repeats=True)
    assert caching._save(tmp_path / "fast.pickle", repeated)
    assert caching._load(tmp_path / "memo.pickle") == caching._load(tmp_path / "fast.pickle") == repeated
    assert (tmp_path / "fast.pickle").stat().st_size > 10 * (tmp_path / "memo.pickle").stat().st_size
    loop: list = []
    loop.append(loop)
    assert not caching._save(tmp_path / "loop.pickle", loop)  # refused at once, not recursed into
    assert not (tmp_path / "loop.pickle").exists()


def stat_takers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[int]]:
    """Record which process stats the inputs of each build (in a file: a helper shares no memory)."""
    record = tmp_path / "stat-takers"
    original = building.take_inputs

    def recorded(*args: object) -> object:
        with record.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return original(*args)

    monkeypatch.setattr(building, "take_inputs", recorded)
    return lambda: [int(line) for line in record.read_text().split()]


@pytest.mark.parametrize("edit", [edit_note, log_call, None], ids=["notes", "a logged call", "nothing"])
def test_a_large_journal_is_stat_ed_by_a_helper_while_the_cache_is_read(
    journal: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, edit: Any
) -> None:
    assert build(journal, TODAY).ok
    time.sleep(0.02)
    if edit is not None:
        edit(journal)
    monkeypatch.setattr(building, "STAT_BESIDE", 1)  # as if the journal were large
    takers = stat_takers(monkeypatch, tmp_path_factory.mktemp("record"))
    load_stamp = caching.load_stamp

    def slow_load_stamp(*args: Any) -> Any:
        # This process takes the stat itself if it is done reading before the helper starts (on a
        # loaded machine, say): let the helper start first.
        time.sleep(1.0)
        return load_stamp(*args)

    monkeypatch.setattr(caching, "load_stamp", slow_load_stamp)
    result = build(journal, TODAY)
    assert result.ok and takers() != [os.getpid()] and len(takers()) == 1
    assert result.stats is not None and (result.stats.written > 0) == (edit is not None)
    monkeypatch.undo()
    assert_same_as_uncached(journal, after="a build whose inputs a helper stat-ed")


def test_a_small_journal_is_stat_ed_in_the_build_process(
    journal: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert build(journal, TODAY).ok
    log_call(journal)
    takers = stat_takers(monkeypatch, tmp_path_factory.mktemp("record"))
    assert build(journal, TODAY).ok
    assert takers() == [os.getpid()]  # a helper would cost more than the stat it takes over


def weekly_chunks(journal: Path, monkeypatch: pytest.MonkeyPatch, contacts: bool) -> list[list[str]]:
    """Return how _run hands out the pages of the journal's site (contacts: contact pages too), and
    check that it hands out each once, the calendar first."""
    monkeypatch.setattr(building, "POOL_PAGES", 0)  # hand out chunks however few the pages
    monkeypatch.setattr(building, "CHUNK", 10)  # the journal's contact pages are many chunks
    network = render(journal, TODAY).network
    plan = building._plan(network, journal, caching.BuildCache("test"))
    todo = [i for i, page in enumerate(plan.pages) if contacts or page.template != "contact.html"]
    chunks = building._run(lambda chunk: [plan.pages[i].path for i in chunk], (todo, 0), plan, 1)
    assert sorted(path for chunk in chunks for path in chunk) == sorted(plan.pages[i].path for i in todo)
    assert chunks[0] == ["follow-ups.ics"]
    return [
        chunk for chunk in chunks if any(path.startswith("weeks/") or path == "index.html" for path in chunk)
    ]


def test_the_pages_that_show_the_weekly_reports_go_to_one_process(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks = weekly_chunks(journal, monkeypatch, contacts=True)
    weeks = [path for chunk in chunks for path in chunk if path.startswith("weeks/2")]
    assert len(chunks) == 1 and len(weeks) > building.WEEK_CHUNK
    assert {"index.html", "weeks/index.html"} <= set(chunks[0])


def test_with_a_long_log_many_week_pages_and_few_contact_pages_are_shared_out(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role edited on a contact whose long log reaches forty weeks, say: the week pages are most of
    the work, each slow to render, and go a few at a time."""
    log = render(journal, TODAY).network.log_size
    monkeypatch.setattr(building, "LONG_LOG", log)  # this journal's log counts as long
    chunks = weekly_chunks(journal, monkeypatch, contacts=False)
    assert len(chunks) > 1 and all(len(chunk) <= building.WEEK_CHUNK for chunk in chunks)
    assert {"index.html", "weeks/index.html"} <= set(chunks[0])


def test_with_a_short_log_the_week_pages_stay_together_however_few_the_contact_pages(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A logged call: the week pages' keys are checked, which needs the weekly reports, and one or
    two are rendered; shared out, each process would make the reports."""
    log = render(journal, TODAY).network.log_size
    monkeypatch.setattr(building, "LONG_LOG", log + 1)
    chunks = weekly_chunks(journal, monkeypatch, contacts=False)
    assert len(chunks) == 1 and {"index.html", "weeks/index.html"} <= set(chunks[0])


def test_the_forest_is_kept_and_made_again_only_when_a_referral_changes(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build keeps the forest (the next, most likely an edit of one contact, would make it
    again); an edit reuses it as saved, and a new referrer makes it again (and saves it)."""
    from netsite import model

    made: list[int] = []
    original = model.build_forest
    monkeypatch.setattr(model, "build_forest", lambda *a: made.append(1) or original(*a))
    kept = small / caching.CACHE_DIR / caching.FOREST_FILE
    assert_same_as_uncached(small)
    saved, inode = kept.read_bytes(), kept.stat().st_ino  # a file saved again is a new inode
    made.clear()
    replace(small / "contacts" / "dee.md", "name: Dee", "name: Dee\nphone: 555")
    assert_same_as_uncached(small)
    assert len(made) == 1 and kept.stat().st_ino == inode  # render()'s only
    made.clear()
    replace(small / "contacts" / "sub/cy.md", "tags: [x]", "log:\n  - 2026-11-02 call: met\ntags: [x]")
    assert build(small, TODAY).ok
    assert made == [] and kept.read_bytes() == saved and kept.stat().st_ino == inode
    replace(small / "contacts" / "dee.md", "name: Dee", "name: Dee\nreferred_by: bob")
    assert_same_as_uncached(small)
    assert len(made) == 2 and kept.read_bytes() != saved  # this build's and render()'s


def test_the_forest_kept_holds_the_order_and_branch_sizes_the_tree_reads(small: Path) -> None:
    """The referral tree's order and branch sizes are read from the forest kept, not worked out
    again by the build after."""
    assert build(small, TODAY).ok
    ((_, (forest, _)),) = caching._versioned(
        small / caching.CACHE_DIR / caching.FOREST_FILE, building._code_version()
    ).items()
    made = render(small, TODAY).network.forest  # type: ignore[union-attr]
    assert forest.__dict__["preorder"] == made.preorder and len(made.preorder) == 4
    assert forest.__dict__["branch_sizes"] == made.branch_sizes and max(made.branch_sizes.values()) > 1


def test_a_kept_forest_that_is_corrupt_or_of_another_journal_is_made_again(
    small: Path, journal: Path
) -> None:
    kept = caching.CACHE_DIR + "/" + caching.FOREST_FILE
    for root in (small, journal):  # the second build of each keeps its forest
        assert_same_as_uncached(root)
        replace(next((root / "contacts").glob("*.md")), "\n---\n", "\nphone: 555\n---\n")
        assert_same_as_uncached(root)
    (small / kept).write_bytes((journal / kept).read_bytes())  # another journal's
    replace(small / "contacts" / "dee.md", "name: Dee", "name: Dee\nreferred_by: bob")
    assert_same_as_uncached(small, after="another journal's forest")
    (small / kept).write_bytes(b"\x80\x05not a pickle at all")
    replace(small / "contacts" / "dee.md", "referred_by: bob", "referred_by: ann")
    assert_same_as_uncached(small, after="a corrupt forest")


@settings(max_examples=300, deadline=None)
@given(
    mtime=st.integers(-(2**63), 2**63 - 1),
    ctime=st.integers(-(2**63), 2**63 - 1),
    size=st.integers(0, 2**63 - 1),
    inode=st.integers(0, 2**64 - 1),
    now=st.integers(-(2**63), 2**63 - 1),
)
def test_a_stat_key_tells_every_field_apart_and_when_the_file_last_changed(
    mtime: int, ctime: int, size: int, inode: int, now: int
) -> None:
    """One number per file (a tuple was five objects to read back each build), as exact as the tuple."""

    def key(mtime: int, ctime: int, size: int, inode: int) -> int:
        stat = SimpleNamespace(st_mtime_ns=mtime, st_ctime_ns=ctime, st_size=size, st_ino=inode)
        return caching.stat_key(stat)  # type: ignore[arg-type]

    fields = (mtime, ctime, size, inode)
    for i in range(4):
        other = list(fields)
        other[i] += 1 if other[i] < 2**63 - 1 else -1
        assert key(*other) != key(*fields)
    assert caching.settled(key(*fields), now) == (now - max(mtime, ctime) > caching.SETTLED_NS)
