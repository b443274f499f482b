"""A build after edits of notes alone splices the new notes into their pages, and nothing else.

Every test checks the result against `render()`, which uses no cache, and whether the model was
built (it must not be, for notes alone; it must be, for anything more).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from test_build_cache import (
    EDITS,
    SIZE,
    TODAY,
    assert_same_as_uncached,
    generate,
    log_call,
    output_tree,
    replace,
)

from netsite import build as building
from netsite import cache as caching
from netsite import shortcuts
from netsite.build import Builder, build, render
from netsite.digests import digest
from netsite.output import MANIFEST


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    generate(tmp_path, SIZE, seed=7)
    assert_same_as_uncached(tmp_path)
    return tmp_path


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """Count the builds that made a model."""
    made: list[date] = []
    real = building.build_network

    def counted(journal, today, *rest, **named):  # type: ignore[no-untyped-def]
        made.append(today)
        return real(journal, today, *rest, **named)

    monkeypatch.setattr(building, "build_network", counted)
    return made


def with_notes(root: Path, skip: int = 0) -> Path:
    """Return a contact file with notes and no problems (the skip-th such file)."""
    cache = caching.load_cache(root, building._code_version())
    found = [
        path
        for path in sorted((root / "contacts").rglob("*.md"))
        if path.read_text(encoding="utf-8").partition("\n---\n")[2].strip()
        and cache.span(root, f"contacts/{path.relative_to(root / 'contacts').as_posix()}") is not None
    ]
    return found[skip]


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


NOTES = [
    "\nAsked about the roadmap.\n",
    "\nSee [[Nobody Yet]] and **soon**.\n",
    "\n- one\n- two with a [link](https://example.com)\n",
    "\n| a | b |\n|---|---|\n| 1 | 2 |\n",  # a table: Python-Markdown's path
    "\n<script>alert(1)</script> & _under_ ünïcode\n",
]


@pytest.mark.parametrize("text", NOTES)
def test_a_notes_edit_is_spliced_without_a_model(journal: Path, models: list[date], text: str) -> None:
    append(with_notes(journal), text)
    assert_same_as_uncached(journal, after="a notes edit")
    assert models == [TODAY]  # only render() made one


def test_a_wikilink_to_a_contact_in_new_notes_is_resolved(journal: Path, models: list[date]) -> None:
    target = with_notes(journal, 3)
    name = next(line[6:] for line in target.read_text().splitlines() if line.startswith("name: "))
    append(with_notes(journal), f"\nTalked to [[{name}]] again.\n")
    assert_same_as_uncached(journal, after="a wikilink")
    assert models == [TODAY]


def test_several_notes_edits_in_one_build(journal: Path, models: list[date]) -> None:
    for skip in range(4):
        append(with_notes(journal, skip), f"\nEdit {skip}.\n")
    result = build(journal, TODAY)
    assert result.stats is not None and result.stats.written == 4
    assert result.network is None
    assert_same_as_uncached(journal, after="four notes edits")
    assert models == [TODAY]


def test_edits_after_a_splice_still_match_an_uncached_build(journal: Path, models: list[date]) -> None:
    path = with_notes(journal)
    append(path, "\nFirst.\n")
    assert_same_as_uncached(journal, after="a notes edit")
    append(path, "\nSecond.\n")
    assert_same_as_uncached(journal, after="a second notes edit")
    log_call(journal)  # a full build, which must not trust the spliced page's keys
    assert_same_as_uncached(journal, after="a logged call")
    replace(path, "Second.", "Second, changed.")
    assert_same_as_uncached(journal, after="a third notes edit")
    assert len(models) == 5  # four render() calls and the logged call's build


def test_touching_a_file_without_changing_it_writes_nothing(journal: Path, models: list[date]) -> None:
    path = with_notes(journal)
    path.write_bytes(path.read_bytes())
    result = build(journal, TODAY)
    assert result.stats is not None and result.stats.written == 0
    assert models == []


def without_notes(root: Path, skip: int = 0) -> Path:
    """Return a contact file without notes (the skip-th such file)."""
    bare = [
        path
        for path in sorted((root / "contacts").rglob("*.md"))
        if not path.read_text(encoding="utf-8").partition("\n---\n")[2].strip()
    ]
    return bare[skip]


def notes_emptied(root: Path) -> None:
    path = with_notes(root)
    head, fence, _ = path.read_text(encoding="utf-8").partition("\n---\n")
    path.write_text(head + fence, encoding="utf-8")


def notes_added(root: Path) -> None:
    append(without_notes(root), "\nNow with notes, on [[Nobody Yet]].\n")


def blank_lines_added(root: Path) -> None:
    append(without_notes(root), "\n\n  \n")


@pytest.mark.parametrize("edit", [notes_added, notes_emptied, blank_lines_added])
def test_notes_that_come_or_go_are_spliced_too(journal: Path, models: list[date], edit) -> None:  # type: ignore[no-untyped-def]
    """A contact's first notes add the notes section to its page, and notes emptied take it out."""
    edit(journal)
    assert_same_as_uncached(journal, after=edit.__name__)
    assert models == [TODAY]


def test_notes_can_come_and_go_again_and_again(journal: Path, models: list[date]) -> None:
    path = without_notes(journal, 1)
    bare = path.read_text(encoding="utf-8")
    for step, text in enumerate(["\nFirst notes.\n", "\nFirst notes, more.\n", "", "\nBack again.\n", ""]):
        path.write_text(bare + text, encoding="utf-8")
        assert_same_as_uncached(journal, after=f"step {step}")
    assert models == [TODAY] * 5


def test_first_notes_that_make_no_html_build_the_model(journal: Path, models: list[date]) -> None:
    """A link definition alone is shown as an empty notes section, which no span can tell apart."""
    append(without_notes(journal), "\n[roadmap]: https://example.com/roadmap\n")
    assert_same_as_uncached(journal, after="notes without HTML")
    assert len(models) == 2


def front_matter_too(root: Path) -> None:
    path = with_notes(root)
    append(path, "\nMore notes.\n")
    replace(path, "name: ", "name: Dr ")


def config_too(root: Path) -> None:
    append(with_notes(root), "\nMore notes.\n")
    replace(root / "netsite.toml", 'title = "Generated network"', 'title = "Renamed network"')


def own_template(root: Path) -> None:
    (root / "templates").mkdir()
    (root / "templates" / "contact.html").write_text("{{ contact.name }}: {{ contact.notes|length }}\n")
    append(with_notes(root), "\nMore notes.\n")


@pytest.mark.parametrize("edit", [front_matter_too, config_too, own_template])
def test_anything_more_than_notes_builds_the_model(journal: Path, models: list[date], edit) -> None:  # type: ignore[no-untyped-def]
    edit(journal)
    assert_same_as_uncached(journal, after=edit.__name__)
    assert len(models) == 2


def test_a_page_edited_by_hand_in_output_is_rendered_again(journal: Path, models: list[date]) -> None:
    path = with_notes(journal)
    cache = caching.load_cache(journal, building._code_version())
    span = cache.span(journal, f"contacts/{path.relative_to(journal / 'contacts').as_posix()}")
    assert span is not None
    page = span[0]
    out = journal / "output" / page
    out.write_bytes(out.read_bytes().replace(b"</h1>", b"</h1>edited by hand", 1))
    append(path, "\nMore notes.\n")
    assert_same_as_uncached(journal, after="a page edited in place")
    assert len(models) == 2


def test_another_today_builds_the_model(journal: Path, models: list[date]) -> None:
    append(with_notes(journal), "\nMore notes.\n")
    assert_same_as_uncached(journal, today=date(2026, 11, 22))
    assert len(models) == 2


def test_edits_in_the_same_clock_tick_are_seen(journal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every stat trusted at once, an edit that keeps size and times is still not missed."""
    monkeypatch.setattr(caching, "SETTLED_NS", 10**12)  # nothing ever vouches: every file is read
    path = with_notes(journal)
    append(path, "\nOne.\n")
    assert_same_as_uncached(journal, after="an edit")
    stat = path.stat()
    replace(path, "One.", "Two.")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert_same_as_uncached(journal, after="an edit keeping size and mtime")


def test_the_spliced_site_keeps_its_manifest_and_page_store(journal: Path) -> None:
    append(with_notes(journal), "\nMore notes.\n")
    build(journal, TODAY)
    tree = output_tree(journal)
    manifest = tree.pop(MANIFEST)
    assert json.loads(manifest) == {path: digest(data) for path, data in tree.items()}
    store = journal / ".netsite" / "pages"
    assert {p.name for p in store.iterdir()} == set(json.loads(manifest).values())


def test_two_edits_in_one_parse_shard_leave_only_the_new_parses(journal: Path, models: list[date]) -> None:
    candidates = [with_notes(journal, skip) for skip in range(12)]
    rel = {path: f"contacts/{path.relative_to(journal / 'contacts').as_posix()}" for path in candidates}
    by_shard: dict[int, list[Path]] = {}
    for path in candidates:
        by_shard.setdefault(caching.shard(rel[path]), []).append(path)
    pair = next(paths for paths in by_shard.values() if len(paths) > 1)[:2]
    for path in pair:
        append(path, "\nSame shard.\n")
    assert_same_as_uncached(journal, after="two edits in one shard")
    assert models == [TODAY]
    saved = caching.load_cache(journal, building._code_version())
    kept = [key for key in saved.parses if key[0] in {rel[p] for p in pair}]
    assert sorted(kept) == sorted((rel[p], digest(p.read_bytes())) for p in pair)


def random_edits(seed: int, steps: int) -> Iterator[Callable[[Path], None]]:
    """Yield notes edits (to be spliced) mixed with every other kind of edit, in a seeded order."""
    rng = random.Random(seed)
    notes_edits = [
        lambda root: append(with_notes(root, rng.randrange(6)), f"\nNote {rng.random():.6f}.\n"),
        lambda root: replace_notes(with_notes(root, rng.randrange(6)), f"Rewritten {rng.random():.6f}"),
        lambda root: append(without_notes(root, rng.randrange(3)), f"\nFirst note {rng.random():.6f}.\n"),
        notes_emptied,
    ]
    others = [edit for edit in EDITS if edit.__name__ not in ("change_config", "change_a_goal")]
    for _ in range(steps):
        yield rng.choice(notes_edits) if rng.random() < 0.6 else rng.choice(others)


def test_a_random_run_of_edits_always_matches_an_uncached_build(journal: Path) -> None:
    for step, edit in enumerate(random_edits(11, 16)):
        edit(journal)
        assert_same_as_uncached(journal, after=f"step {step}")


def test_serve_splices_notes_in_memory_and_matches_render(journal: Path, models: list[date]) -> None:
    builder = Builder(journal)
    assert builder.build(TODAY, write=False).ok
    append(with_notes(journal), "\nNoted while serving.\n")
    models.clear()
    got = builder.build(TODAY, write=False)
    assert models == []  # spliced: no model
    assert got.ok and dict(got.files) == render(journal, TODAY).files
    for step, edit in enumerate(random_edits(5, 12)):
        edit(journal)
        time.sleep(0.01)
        got = builder.build(TODAY, write=False)
        want = render(journal, TODAY)
        assert got.ok and dict(got.files) == want.files, f"step {step}: {edit}"
        assert got.problems == want.problems


def replace_notes(path: Path, text: str) -> None:
    head, fence, _ = path.read_text(encoding="utf-8").partition("\n---\n")
    path.write_text(f"{head}{fence}{text} [[Nobody Yet]]\n", encoding="utf-8")


def test_a_contact_in_a_subfolder_is_spliced_too(journal: Path, models: list[date]) -> None:
    nested = [p for p in sorted((journal / "contacts").rglob("*.md")) if p.parent != journal / "contacts"]
    path = next(p for p in nested if p.read_text(encoding="utf-8").partition("\n---\n")[2].strip())
    append(path, "\nNested notes.\n")
    assert_same_as_uncached(journal, after="a notes edit in a subfolder")
    assert models == [TODAY]


def test_raw_html_in_notes_is_spliced_as_the_site_allows_it(journal: Path, models: list[date]) -> None:
    replace(journal / "netsite.toml", "[site]\n", "[site]\nallow_html = true\n")
    assert_same_as_uncached(journal, after="allow_html")
    append(with_notes(journal), '\n<span class="x">kept</span> & <b>bold</b>\n')
    assert_same_as_uncached(journal, after="raw HTML in notes")
    assert models == [TODAY, TODAY, TODAY]  # the config change built a model; the notes edit did not


def test_a_front_matter_edit_is_told_apart_before_output_is_read(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A logged call goes to the full build without the listing of output/ and the manifest the
    splice would need (25 ms at 10,000 contacts)."""
    read: list[str] = []
    for name in ("present_files", "read_manifest"):
        real = getattr(shortcuts, name)
        monkeypatch.setattr(shortcuts, name, lambda out, real=real, name=name: read.append(name) or real(out))
    log_call(journal)
    assert build(journal, TODAY).network is not None
    assert read == []
    append(with_notes(journal), "\nNotes again.\n")
    assert build(journal, TODAY).network is None
    assert sorted(read) == ["present_files", "read_manifest"]


def test_spans_kept_in_their_own_file_are_spliced_with(
    tmp_path: Path, models: list[date], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caching, "SPANS_KEPT", 3)  # past three changed spans, they go to the spans file
    generate(tmp_path, SIZE, seed=7)
    assert_same_as_uncached(tmp_path)
    cache = caching.load_cache(tmp_path, building._code_version())
    assert len(cache.spans) <= 3 and (tmp_path / caching.CACHE_DIR / caching.SPANS_FILE).exists()
    append(with_notes(tmp_path), "\nA line of notes.\n")
    assert_same_as_uncached(tmp_path, after="a notes edit")
    assert len(models) == 3  # the first build's, and two render()s': none for the notes edit


def test_a_contact_renamed_is_found_by_a_wikilink_in_a_notes_edit_after(
    journal: Path, models: list[date]
) -> None:
    target = with_notes(journal, 3)
    text = target.read_text(encoding="utf-8")
    name = next(line[6:] for line in text.splitlines() if line.startswith("name: "))
    target.write_text(text.replace(f"name: {name}", "name: Zora Renamed", 1), encoding="utf-8")
    assert_same_as_uncached(journal, after="a rename")  # a new shape: the people file is written again
    append(with_notes(journal), "\nTalked to [[Zora Renamed]], not to [[" + name + "]].\n")
    assert_same_as_uncached(journal, after="a wikilink to the new name")
    assert models == [TODAY, TODAY, TODAY]  # the rename's build and two render()s: no model for the notes


def test_without_the_people_file_a_notes_edit_builds_the_model(journal: Path, models: list[date]) -> None:
    (journal / caching.CACHE_DIR / caching.PEOPLE_FILE).unlink()
    append(with_notes(journal), "\nMore.\n")
    assert_same_as_uncached(journal, after="a notes edit")
    assert len(models) == 2
