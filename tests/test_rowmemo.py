"""Rows kept from build to build (rowmemo.py): reused only for the same global key, front matter and
place (which is checked only when the shape of the network changed)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import cache as caching
from netsite.rowmemo import RowMemo, RowMemos


def test_a_row_is_reused_while_its_contact_front_matter_is_the_same() -> None:
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return f"<tr>{text}</tr>"

    memo = RowMemo(
        {"a": ("front-a", 1, "<tr>old a</tr>"), "b": ("front-b0", 1, "<tr>old b</tr>")},
        {"a": "front-a", "b": "front-b1"},
    )
    assert memo.row("a", "a", 1, make, "new a") == "<tr>old a</tr>"
    assert memo.row("b", "b", 1, make, "new b") == "<tr>new b</tr>"
    assert made == ["new b"] and memo.stale()
    assert memo.used == {"a": ("front-a", 1, "<tr>old a</tr>"), "b": ("front-b1", "1", "<tr>new b</tr>")}


def test_after_a_change_of_shape_a_row_is_reused_only_in_the_same_place() -> None:
    asked: list[str] = []

    def place(where: str) -> str:
        asked.append(where)
        return where

    kept = {"a": ("f", repr("under bo"), "A"), "b": ("f", repr("under bo"), "B")}  # places as kept
    same = RowMemo(dict(kept), {"a": "f", "b": "f"})  # the same shape: places are not even asked
    assert same.row("a", "a", lambda: place("under cy"), str.lower, "new") == "A" and asked == []
    moved = RowMemo(dict(kept), {"a": "f", "b": "f"}, same_shape=False)
    assert moved.row("a", "a", lambda: place("under bo"), str.lower, "NEW A") == "A"
    assert moved.row("b", "b", lambda: place("under cy"), str.lower, "NEW B") == "new b"
    assert moved.used["b"] == ("f", repr("under cy"), "new b")
    assert asked == ["under bo", "under cy"]  # once each


def test_after_a_change_of_shape_the_rows_of_contacts_not_moved_keep_their_place() -> None:
    """Given the contacts a change of shape can have moved, the others' places are not even asked."""
    asked: list[str] = []

    def place(where: str) -> str:
        asked.append(where)
        return where

    kept = {"a": ("f", repr("under bo"), "A"), "b": ("f", repr("under bo"), "B")}
    memo = RowMemo(dict(kept), {"a": "f", "b": "f"}, same_shape=False, moved={"b"})
    assert memo.row("a", "a", lambda: place("under cy"), str.lower, "NEW A") == "A"
    assert memo.row("b", "b", lambda: place("under cy"), str.lower, "NEW B") == "new b"
    assert asked == ["under cy"]  # b's alone


def keep_one_row(memos: RowMemos, page: str) -> RowMemos:
    """Keep contact a's row of page, in the place "here"."""
    memo = memos.open(page)
    memo.row("a", "a", "here", str.upper, "row")
    memos.close(page, memo)
    return memos


def test_rows_follow_the_moved_contacts_of_the_shape_they_were_kept_for(tmp_path: Path) -> None:
    page = "contacts/index.html"
    keep_one_row(RowMemos(tmp_path, "v1", ("top", "shape-1"), {"a": "f"}), page)
    since = ("shape-1", {"b"})
    memos = RowMemos(tmp_path, "v1", ("top", "shape-2"), {"a": "f"}, since)
    assert memos.open(page, follows=True).moved == {"b"}
    assert memos.open(page).moved is None  # a page whose rows show more than a contact page
    other = RowMemos(tmp_path, "v1", ("top", "shape-2"), {"a": "f"}, ("shape-0", {"b"}))
    assert other.open(page, follows=True).moved is None  # kept for another shape than since's


def test_a_row_of_a_contact_whose_front_matter_is_unknown_is_made_and_not_kept() -> None:
    memo = RowMemo({}, {})
    assert memo.row("x", "x", None, str.upper, "row") == "ROW"
    assert memo.used == {} and not memo.stale()


def test_rows_no_longer_shown_make_the_memo_stale() -> None:
    memo = RowMemo({"a": ("f", None, "A"), "gone": ("g", None, "G")}, {"a": "f"})
    memo.row("a", "a", None, str.upper, "a")
    assert not memo.changed and memo.stale()  # "gone" is to be dropped


def test_rows_are_kept_for_one_global_key_and_know_their_shape(tmp_path: Path) -> None:
    page = "contacts/index.html"
    memos = keep_one_row(RowMemos(tmp_path, "v1", ("top-1", "shape-1"), {"a": "f"}), page)
    assert opened(memos, page) == ({"a": ("f", repr("here"), "ROW")}, True)
    assert opened(RowMemos(tmp_path, "v1", ("top-1", "shape-2"), {"a": "f"}), page)[1] is False
    assert opened(RowMemos(tmp_path, "v1", ("top-2", "shape-1"), {"a": "f"}), page)[0] == {}
    assert opened(RowMemos(tmp_path, "v2", ("top-1", "shape-1"), {"a": "f"}), page)[0] == {}


def test_rows_are_kept_as_lists_and_read_back_only_when_they_line_up(tmp_path: Path) -> None:
    page = "tree.html"
    memos = RowMemos(tmp_path, "v1", ("top", "shape"), {"a": "f", "b": "g"})
    memo = memos.open(page)
    memo.row("a", "a", (1, ("bo", "Bo")), str.upper, "a")
    memo.row(("b", 2), "b", None, str.upper, "b")
    memos.close(page, memo)
    kept = caching.load_rows(tmp_path, page, "v1")
    assert kept["keys"] == ["a", ("b", 2)] and kept["places"] == ["(1, ('bo', 'Bo'))", "None"]
    assert opened(memos, page)[0] == {"a": ("f", "(1, ('bo', 'Bo'))", "A"), ("b", 2): ("g", "None", "B")}
    caching.save_rows(tmp_path, page, "v1", {**kept, "rows": ["A"]})  # one row short: none is read
    assert opened(memos, page)[0] == {}


def opened(memos: RowMemos, page: str) -> tuple[dict, bool]:
    memo = memos.open(page)
    return memo.rows, memo.same_shape


def render(page: str, fronts: dict[str, str], shape: str = "shape", folder: Path | None = None) -> RowMemo:
    """Render a page of one row per contact in fronts, keeping its rows in folder; return its memo."""
    assert folder is not None
    memos = RowMemos(folder, "v1", ("top", shape), fronts)
    memo = memos.open(page)
    for key in fronts:
        memo.row(key, key, f"under {key[0]}", str.upper, f"row of {key} as {fronts[key]}")
    memos.close(page, memo)
    return memo


def reopened(folder: Path, page: str, fronts: dict[str, str], shape: str = "shape") -> RowMemo:
    return RowMemos(folder, "v1", ("top", shape), fronts).open(page)


def test_an_edit_keeps_the_rows_it_made_in_a_delta_and_leaves_the_whole_file(tmp_path: Path) -> None:
    page, fronts = "contacts/index.html", {f"c{i:03d}": "f0" for i in range(200)}
    render(page, fronts, folder=tmp_path)
    whole = tmp_path / "rows-contacts-index.html.pickle"
    before = whole.read_bytes()
    fronts = {**fronts, "c007": "f1"}
    del fronts["c100"]
    fronts["new"] = "f0"
    last = render(page, fronts, folder=tmp_path)
    assert whole.read_bytes() == before  # 8 MB at 10,000 contacts: not written again for one row
    delta = caching.load_rows(tmp_path, page, "v1", delta=True)
    assert delta["made"].keys() == {"c007", "new"} and delta["dropped"] == ["c100"]
    assert reopened(tmp_path, page, fronts).rows == last.used
    again = render(page, {**fronts, "c008": "f1"}, folder=tmp_path)  # a delta grows on the last one
    assert whole.read_bytes() == before
    assert caching.load_rows(tmp_path, page, "v1", delta=True)["made"].keys() == {"c007", "c008", "new"}
    assert reopened(tmp_path, page, {**fronts, "c008": "f1"}).rows == again.used


def test_a_row_dropped_and_made_again_comes_back_through_the_delta(tmp_path: Path) -> None:
    page, fronts = "tree.html", {f"c{i:03d}": "f0" for i in range(100)}
    render(page, fronts, folder=tmp_path)
    render(page, {k: v for k, v in fronts.items() if k != "c001"}, folder=tmp_path)
    last = render(page, {**fronts, "c001": "f2"}, folder=tmp_path)
    assert reopened(tmp_path, page, fronts).rows == last.used
    assert last.used["c001"] == ("f2", repr("under c"), "ROW OF C001 AS F2")


def test_many_rows_made_write_them_whole_again_without_a_delta(tmp_path: Path) -> None:
    page, fronts = "due.html", {f"c{i:04d}": "f0" for i in range(2000)}
    render(page, fronts, folder=tmp_path)
    render(page, {**fronts, "c0001": "f1"}, folder=tmp_path)
    assert (tmp_path / "rows-due.html.delta.pickle").exists()
    token = caching.load_rows(tmp_path, page, "v1")["token"]
    changed = {k: ("f1" if i <= 125 else v) for i, (k, v) in enumerate(fronts.items())}
    last = render(page, changed, folder=tmp_path)  # 126 rows of 2,000: over one in sixteen
    assert caching.load_rows(tmp_path, page, "v1")["token"] != token
    assert not (tmp_path / "rows-due.html.delta.pickle").exists()
    assert reopened(tmp_path, page, changed).rows == last.used
    few = {k: ("f1" if i < 125 else v) for i, (k, v) in enumerate(fronts.items())}
    render(page, fronts, folder=tmp_path)
    render(page, few, folder=tmp_path)  # 125 rows made: a delta still
    assert (tmp_path / "rows-due.html.delta.pickle").exists()


def test_a_delta_is_read_only_with_the_whole_file_it_was_made_for(tmp_path: Path) -> None:
    page, fronts = "contacts/index.html", {f"c{i:03d}": "f0" for i in range(100)}
    first = render(page, fronts, folder=tmp_path)
    whole = tmp_path / "rows-contacts-index.html.pickle"
    old = whole.read_bytes()
    for now in (fronts, {**fronts, "c001": "f1"}):  # another TODAY: every row made again, then one
        memos = RowMemos(tmp_path, "v1", ("top-2", "shape"), now)
        memo = memos.open(page)
        for key in now:
            memo.row(key, key, None, str.upper, key)
        memos.close(page, memo)
    assert (tmp_path / "rows-contacts-index.html.delta.pickle").exists() and whole.read_bytes() != old
    whole.write_bytes(old)  # an older whole file back (say, from a backup), beside a newer delta
    assert reopened(tmp_path, page, fronts).rows == first.used
    token = caching.load_rows(tmp_path, page, "v1")["token"]
    caching.save_rows(tmp_path, page, "v1", {"token": token, "made": [], "dropped": []}, delta=True)
    assert reopened(tmp_path, page, fronts).rows == first.used  # a delta that makes no sense: ignored


def test_a_delta_records_the_shape_its_rows_were_made_for(tmp_path: Path) -> None:
    page, fronts = "tree.html", {f"c{i:03d}": "f0" for i in range(100)}
    render(page, fronts, folder=tmp_path)
    memos = RowMemos(tmp_path, "v1", ("top", "shape-2"), {**fronts, "new": "f0"})
    memo = memos.open(page)
    assert not memo.same_shape
    for key in [*fronts, "new"]:
        memo.row(key, key, f"under {key[0]}", str.upper, key)
    memos.close(page, memo)
    assert (tmp_path / "rows-tree.html.delta.pickle").exists()
    assert reopened(tmp_path, page, fronts, shape="shape-2").same_shape
    assert not reopened(tmp_path, page, fronts).same_shape


_KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
_FRONTS = st.sampled_from(["f1", "f2"])
_KEPT = st.dictionaries(_KEYS, st.tuples(_FRONTS, st.sampled_from(["'p1'", "'p2'"]), st.text(max_size=3)))


@settings(max_examples=300, deadline=None)
@given(
    kept=_KEPT,
    fronts=st.dictionaries(_KEYS, _FRONTS),
    shown=st.lists(st.tuples(_KEYS, st.sampled_from(["p1", "p2"])), unique_by=lambda row: row[0]),
    same_shape=st.booleans(),
    moved=st.none() | st.sets(_KEYS),
)
def test_rows_of_gives_what_row_gives_one_by_one(
    kept: dict, fronts: dict, shown: list[tuple[str, str]], same_shape: bool, moved: set[str] | None
) -> None:
    """Many rows at once (rows_of) are the rows, kept rows and made rows that row() gives one by one."""
    keys, places = [key for key, _ in shown], [where for _, where in shown]

    def make(i: int) -> str:
        return f"<{keys[i]} {places[i]}>"

    one = RowMemo(dict(kept), fronts, same_shape, moved)
    many = RowMemo(dict(kept), fronts, same_shape, moved)
    expected = [one.row(k, k, partial(places.__getitem__, i), make, i) for i, k in enumerate(keys)]
    assert many.rows_of(keys, keys, make, places.__getitem__) == expected
    assert (many.used, many.made) == (one.used, one.made)
