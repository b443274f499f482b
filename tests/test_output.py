"""The output writer: staging and swap, hard links for unchanged files, no write when nothing changed."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import output
from netsite.build import build
from netsite.digests import digest
from netsite.output import MANIFEST, OutputError, SiteFiles, write_site

SITE = {"index.html": b"<p>home</p>", "contacts/a.html": b"<p>A</p>", "contacts/b.html": b"<p>B</p>"}


def identity(out: Path) -> dict[str, tuple[int, int]]:
    """Map every file under out to its (inode, mtime): what changes when a file is written again."""
    found = {}
    for path in out.rglob("*"):
        if path.is_file():
            st = path.stat()
            found[path.relative_to(out).as_posix()] = (st.st_ino, st.st_mtime_ns)
    return found


def test_first_write_makes_the_site_and_its_manifest(tmp_path: Path) -> None:
    out = tmp_path / "output"
    stats = write_site(out, SITE)
    assert (stats.written, stats.unchanged, stats.removed) == (3, 0, 0)
    assert (out / "contacts" / "a.html").read_bytes() == b"<p>A</p>"
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest) == sorted(SITE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # no staging folder left


def test_refuses_to_replace_a_folder_that_is_not_netsites(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not written by netsite"):
        write_site(out, SITE)
    assert (out / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_refuses_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "output").write_text("a file")
    with pytest.raises(OutputError, match="not a folder"):
        write_site(tmp_path / "output", SITE)


def test_refuses_paths_outside_the_site(tmp_path: Path) -> None:
    for bad in ["../escape.html", "/etc/passwd", MANIFEST, ""]:
        with pytest.raises(OutputError, match="outside the site"):
            write_site(tmp_path / "output", {bad: b"x"})
    assert not (tmp_path / "output").exists()


def test_removes_pages_of_deleted_contacts(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    smaller = {k: v for k, v in SITE.items() if k != "contacts/b.html"}
    stats = write_site(out, smaller)
    assert stats.removed == 1
    assert not (out / "contacts" / "b.html").exists()
    assert sorted(json.loads((out / MANIFEST).read_text())) == sorted(smaller)


def test_unchanged_files_keep_their_inode_and_mtime(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    before = identity(out)
    stats = write_site(out, {**SITE, "contacts/a.html": b"<p>A, edited</p>"})
    after = identity(out)
    assert (stats.written, stats.unchanged) == (1, 2)
    assert after["index.html"] == before["index.html"]
    assert after["contacts/b.html"] == before["contacts/b.html"]
    assert after["contacts/a.html"] != before["contacts/a.html"]


def test_a_rebuild_with_nothing_changed_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    before = identity(out)

    def no_staging(*args: object) -> None:
        raise AssertionError("a staging folder was made although nothing changed")

    monkeypatch.setattr(output.Staging, "__post_init__", no_staging)
    stats = write_site(out, dict(SITE))
    assert (stats.written, stats.unchanged, stats.removed) == (0, 3, 0)
    assert identity(out) == before


def test_a_missing_file_is_written_again(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    (out / "contacts" / "a.html").unlink()
    stats = write_site(out, SITE)
    assert stats.written == 1
    assert (out / "contacts" / "a.html").read_bytes() == b"<p>A</p>"


def test_a_failure_mid_write_leaves_the_old_site_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    before = {p: (out / p).read_bytes() for p in SITE}
    calls = []

    def put_then_fail(self: output.Staging, path: str, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        original_put(self, path, data)

    original_put = output.Staging.put
    monkeypatch.setattr(output.Staging, "put", put_then_fail)
    changed = {p: data + b" v2" for p, data in SITE.items()}
    with pytest.raises(OutputError, match="No space left"):
        write_site(out, changed)
    assert {p: (out / p).read_bytes() for p in SITE} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_what_a_killed_build_left_behind_is_cleared_and_never_shown(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    leftover = tmp_path / ".output.staging"  # a build killed while staging
    (leftover / "contacts").mkdir(parents=True)
    (leftover / "contacts" / "a.html").write_bytes(b"half writ")
    assert (out / "contacts" / "a.html").read_bytes() == b"<p>A</p>"  # the site itself was never touched
    write_site(out, {**SITE, "index.html": b"<p>new home</p>"})
    assert not leftover.exists()
    assert (out / "index.html").read_bytes() == b"<p>new home</p>"


def test_site_files_read_from_disk_on_demand(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    files = SiteFiles(out, list(SITE))
    assert len(files) == 3 and "contacts/a.html" in files and "nope.html" not in files
    assert files["contacts/b.html"] == b"<p>B</p>"
    assert dict(files) == SITE
    with pytest.raises(KeyError):
        files["nope.html"]


def test_build_twice_rewrites_nothing_the_second_time(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    (contacts / "ann.md").write_text("---\nname: Ann\nlog:\n  - 2026-11-02 call: hello\n---\nNotes.\n")
    first = build(tmp_path, date(2026, 11, 25))
    assert first.ok and first.stats is not None and first.stats.written > 0
    before = identity(tmp_path / "output")
    again = build(tmp_path, date(2026, 11, 25))
    assert again.ok and again.stats is not None
    assert again.stats.written == 0 and again.stats.unchanged == len(before) - 1  # all but the manifest
    assert identity(tmp_path / "output") == before
    assert again.files["contacts/ann.html"] == first.files["contacts/ann.html"]
    assert again.contacts == 1


def test_build_keeps_the_old_site_when_the_output_folder_is_not_ours(tmp_path: Path) -> None:
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "ann.md").write_text("---\nname: Ann\n---\n")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "keep.txt").write_text("mine")
    result = build(tmp_path, date(2026, 11, 25))
    assert not result.ok and "not written by netsite" in (result.failure or "")
    assert os.listdir(tmp_path / "output") == ["keep.txt"]


def test_build_without_its_cache_still_rewrites_nothing_unchanged(tmp_path: Path) -> None:
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "ann.md").write_text("---\nname: Ann\n---\nNotes.\n")
    assert build(tmp_path, date(2026, 11, 25)).ok
    before = identity(tmp_path / "output")
    shutil.rmtree(tmp_path / ".netsite")
    again = build(tmp_path, date(2026, 11, 25))
    assert again.ok and again.stats is not None and again.stats.written == 0
    assert identity(tmp_path / "output") == before


def test_present_files_lists_regular_files_only(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_site(out, SITE)
    (out / "contacts" / "deep").mkdir()
    (out / "contacts" / "deep" / "c.html").write_bytes(b"c")
    (out / "link.html").symlink_to(out / "index.html")
    (out / "linked-folder").symlink_to(out / "contacts", target_is_directory=True)
    assert output.present_files(out) == {*SITE, MANIFEST, "contacts/deep/c.html"}
    assert output.present_files(tmp_path / "missing") == set()


def stage(out: Path, spare: Path, files: dict[str, bytes]) -> output.WriteStats:
    """Write a site as a cached build does: through a spare folder kept between builds."""
    old = output.read_manifest(out)
    new = {path: output.digest(data) for path, data in files.items()}
    staging = output.Staging(out, spare)
    written = {path for path in files if old.get(path) != new[path]}
    for path in written:
        staging.put(path, files[path])
    return staging.commit(old, new, written, present=output.present_files(out))


def site_of(out: Path) -> dict[str, bytes]:
    return {p: (out / p).read_bytes() for p in output.present_files(out) if p != MANIFEST}


# Four versions of a site in turn: a file edited, most removed and one added, all back again.
VERSIONS = [
    SITE,
    {**SITE, "contacts/a.html": b"<p>A, edited</p>"},
    {"index.html": b"<p>home</p>", "companies/acme.html": b"<p>Acme</p>"},
    {**SITE, "companies/acme.html": b"<p>Acme</p>"},
]


def output_and_spare(root: Path) -> tuple[Path, Path]:
    (root / ".netsite").mkdir()
    return root / "output", root / ".netsite" / "spare-site"


def test_a_spare_site_is_brought_up_to_date_and_swapped_in(tmp_path: Path) -> None:
    out, spare = output_and_spare(tmp_path)
    for number, files in enumerate(VERSIONS):
        stage(out, spare, files)
        assert site_of(out) == files
        assert json.loads((out / MANIFEST).read_text()).keys() == files.keys()
        kept = spare if number != 2 else trash_of(spare)[0]  # version 2 changed most of the site
        if number:  # the site before is kept, whole, with its own manifest
            assert site_of(kept) == VERSIONS[number - 1]
            assert json.loads((kept / MANIFEST).read_text()).keys() == VERSIONS[number - 1].keys()
        if number == 3:  # version 2 had no contacts: their folder is gone, not left empty
            assert not (spare / "contacts").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".netsite", "output"]


def trash_of(spare: Path) -> list[Path]:
    """List the retired sites set aside beside spare."""
    return sorted(Path(folder) for folder in output.set_aside_sites(spare))


@pytest.mark.parametrize(("changed", "set_aside"), [(2, False), (3, True)])
def test_a_retired_site_that_differs_in_most_files_is_set_aside(
    tmp_path: Path, changed: int, set_aside: bool
) -> None:
    out, spare = output_and_spare(tmp_path)
    four = {f"contacts/{name}.html": name.encode() for name in "abcd"}
    stage(out, spare, four)
    stage(out, spare, four | {"index.html": b"home"})  # the spare now holds the first four
    assert site_of(spare) == four
    then = four | {"index.html": b"home"}
    edited = {path: b"edited " + data for path, data in sorted(then.items())[:changed]}
    stage(out, spare, then | edited)  # of the five files retired, 2 or 3 differ from the new site
    assert site_of(out) == then | edited
    if set_aside:  # updating it would take more than it keeps: the next build stages afresh
        assert not spare.exists() and [site_of(folder) for folder in trash_of(spare)] == [then]
    else:
        assert site_of(spare) == then and trash_of(spare) == []
    last = then | edited | {"index.html": b"home again"}
    stage(out, spare, last)  # either way the next write swaps in the right site, and keeps a spare
    assert site_of(out) == last and site_of(spare) == then | edited


def test_a_sweep_deletes_a_file_or_a_link_in_the_trash_but_not_what_it_points_to(tmp_path: Path) -> None:
    _, spare = output_and_spare(tmp_path)
    trash = spare.with_name(output.TRASH)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("mine")
    trash.mkdir()
    (trash / "stray.txt").write_text("x")
    (trash / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    output.sweep_sites(output.set_aside_sites(spare))
    assert output.set_aside_sites(spare) == []
    assert (tmp_path / "elsewhere" / "keep.txt").read_text() == "mine"


def test_one_site_at_most_waits_in_the_trash_and_a_sweep_deletes_what_it_listed(tmp_path: Path) -> None:
    out, spare = output_and_spare(tmp_path)
    stage(out, spare, SITE)
    stage(out, spare, {path: b"one" for path in SITE})  # every file changed: SITE is set aside
    first = output.set_aside_sites(spare)
    assert [site_of(Path(folder)) for folder in first] == [SITE]
    stage(out, spare, {path: b"two" for path in SITE})  # again, but one waits: "one" stays the spare
    assert output.set_aside_sites(spare) == first and site_of(spare) == {path: b"one" for path in SITE}
    later = spare.with_name(output.TRASH) / "later"
    later.mkdir()  # set aside after the sweep listed what to delete
    output.sweep_sites(first)
    assert output.set_aside_sites(spare) == [str(later)]
    assert site_of(out) == {path: b"two" for path in SITE}


def test_writing_into_the_spare_never_touches_the_live_site(tmp_path: Path) -> None:
    out, spare = tmp_path / "output", tmp_path / "spare"
    stage(out, spare, SITE)
    stage(out, spare, SITE | {"index.html": b"<p>two</p>"})  # the spare now shares files with out
    assert os.path.samefile(out / "contacts" / "a.html", spare / "contacts" / "a.html")
    staging = output.Staging(out, spare)
    staging.put("contacts/a.html", b"<p>A, new</p>")
    assert (out / "contacts" / "a.html").read_bytes() == b"<p>A</p>"
    assert not (spare / MANIFEST).exists()  # changed: a build dying now leaves the spare unknown


def test_a_spare_left_half_updated_is_cleared(tmp_path: Path) -> None:
    out, spare = tmp_path / "output", tmp_path / "spare"
    stage(out, spare, SITE)
    stage(out, spare, SITE | {"index.html": b"<p>two</p>"})
    output.Staging(out, spare).put("contacts/a.html", b"<p>from a build that died</p>")
    stage(out, spare, SITE | {"index.html": b"<p>three</p>"})
    assert site_of(out) == SITE | {"index.html": b"<p>three</p>"}


def test_without_an_atomic_exchange_the_retired_site_still_becomes_the_spare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    out, spare = tmp_path / "output", tmp_path / "spare"
    stage(out, spare, SITE)
    stage(out, spare, SITE | {"index.html": b"<p>two</p>"})
    stage(out, spare, SITE)
    assert site_of(out) == SITE and site_of(spare) == SITE | {"index.html": b"<p>two</p>"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "spare"]


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    if not output._exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("no atomic exchange of folders on this system")
    assert (tmp_path / "b" / "x").read_text() == "a" and not (tmp_path / "a" / "x").exists()


def test_a_cached_build_keeps_the_retired_site_in_its_cache(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    (contacts / "ann.md").write_text("---\nname: Ann\n---\nFirst.\n")
    assert build(tmp_path, date(2026, 11, 25)).ok
    (contacts / "ann.md").write_text("---\nname: Ann\n---\nSecond, longer.\n")
    assert build(tmp_path, date(2026, 11, 25)).ok
    spare = tmp_path / ".netsite" / "spare-site"
    assert b"First." in (spare / "contacts" / "ann.html").read_bytes()
    assert b"Second, longer." in (tmp_path / "output" / "contacts" / "ann.html").read_bytes()


@given(st.dictionaries(st.text(), st.text(min_size=0, max_size=40), max_size=8))
def test_the_manifest_is_written_as_json_writes_it(files: dict[str, str]) -> None:
    assert output.manifest_text(files) == json.dumps(dict(sorted(files.items())), indent=0)


ASCII = st.text(st.characters(max_codepoint=127), max_size=12)  # mostly the plain text of real paths


@given(st.dictionaries(ASCII, ASCII, max_size=8))
def test_a_manifest_of_plain_paths_is_written_as_json_writes_it(files: dict[str, str]) -> None:
    assert output.manifest_text(files) == json.dumps(dict(sorted(files.items())), indent=0)


def test_writes_through_a_spare_site_keep_every_version_whole(tmp_path: Path) -> None:
    """serve writes each version through the retired one, touching only the files that differ."""
    out, spare = output_and_spare(tmp_path)
    previous: dict[str, bytes] = {}
    for files in VERSIONS:
        before = identity(out) if out.exists() else {}
        write_site(out, files, spare)
        assert site_of(out) == files
        manifest = json.loads((out / MANIFEST).read_text())
        assert manifest == {path: digest(data) for path, data in files.items()}
        after = identity(out)
        unchanged = [path for path in files if previous.get(path) == files[path]]
        assert all(after[path] == before[path] for path in unchanged)  # not written again
        previous = files
    assert (spare / MANIFEST).exists()  # the retired site waits there for the next write


def test_a_clone_of_the_site_holds_its_files_in_hard_links(tmp_path: Path) -> None:
    out, copy = tmp_path / "output", tmp_path / "copy"
    write_site(out, SITE)
    output.clone_site(out, copy)
    assert site_of(copy) == SITE
    assert os.path.samefile(out / "contacts" / "a.html", copy / "contacts" / "a.html")
    assert output.read_manifest(copy) == output.read_manifest(out)


def test_a_clone_lists_only_the_files_it_could_link(tmp_path: Path) -> None:
    out, copy = tmp_path / "output", tmp_path / "copy"
    write_site(out, SITE)
    (out / "contacts" / "a.html").unlink()
    output.clone_site(out, copy)
    assert "contacts/a.html" not in output.read_manifest(copy)
    assert site_of(copy) == {p: d for p, d in SITE.items() if p != "contacts/a.html"}


def refused(path: str) -> bool:
    """Tell whether check_paths is to refuse a path (its rule, one path at a time)."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return not parts or path.startswith("/") or ".." in parts or path == output.MANIFEST


_PATH_PIECES = st.sampled_from(
    ["a", "b.html", ".", "..", "...", "", "/", "\n", "\r", output.MANIFEST, "x..y"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(_PATH_PIECES, max_size=5).map("".join), max_size=6))
def test_paths_are_refused_exactly_when_one_of_them_would_land_outside_the_site(paths: list[str]) -> None:
    """check_paths looks at ten thousand paths at once, and at a path alone only where it must."""
    bad = [path for path in paths if refused(path)]
    if bad:
        with pytest.raises(output.OutputError, match="refusing to write outside the site"):
            output.check_paths(paths)
    else:
        output.check_paths(paths)


def test_the_paths_of_a_site_pass_and_one_bad_path_among_them_is_refused() -> None:
    paths = [f"contacts/c{i}.html" for i in range(1000)]
    output.check_paths(paths)
    for bad in ("../x.html", "/etc/passwd", "a/../../b", output.MANIFEST, "", "./."):
        with pytest.raises(output.OutputError, match=re.escape(repr(bad))):
            output.check_paths([*paths, bad])
