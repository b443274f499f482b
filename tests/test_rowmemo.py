"""Rows kept from build to build (rowmemo.py): reused only for the same shape and front matter."""

from __future__ import annotations

from pathlib import Path

from netsite.rowmemo import RowMemo, RowMemos


def test_a_row_is_reused_while_its_contact_front_matter_is_the_same() -> None:
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return f"<tr>{text}</tr>"

    memo = RowMemo(
        {"a": ("front-a", "<tr>old a</tr>"), "b": ("front-b0", "<tr>old b</tr>")},
        {"a": "front-a", "b": "front-b1"},
    )
    assert memo.row("a", "a", make, "new a") == "<tr>old a</tr>"
    assert memo.row("b", "b", make, "new b") == "<tr>new b</tr>"
    assert made == ["new b"] and memo.stale()
    assert memo.used == {"a": ("front-a", "<tr>old a</tr>"), "b": ("front-b1", "<tr>new b</tr>")}


def test_a_row_of_a_contact_whose_front_matter_is_unknown_is_made_and_not_kept() -> None:
    memo = RowMemo({}, {})
    assert memo.row("x", "x", str.upper, "row") == "ROW"
    assert memo.used == {} and not memo.stale()


def test_rows_no_longer_shown_make_the_memo_stale() -> None:
    memo = RowMemo({"a": ("f", "A"), "gone": ("g", "G")}, {"a": "f"})
    memo.row("a", "a", str.upper, "a")
    assert not memo.changed and memo.stale()  # "gone" is to be dropped


def test_rows_are_kept_for_one_shape_only(tmp_path: Path) -> None:
    page = "contacts/index.html"
    memos = RowMemos(tmp_path, "v1", "shape-1", {"a": "f"}, {page})
    memo = memos.open(page)
    assert memo is not None
    memo.row("a", "a", str.upper, "row")
    memos.close(page, memo)
    assert opened(memos, page) == {"a": ("f", "ROW")}
    assert opened(RowMemos(tmp_path, "v1", "shape-2", {"a": "f"}, {page}), page) == {}
    assert opened(RowMemos(tmp_path, "v2", "shape-1", {"a": "f"}, {page}), page) == {}


def test_a_page_seen_for_the_first_time_keeps_no_rows(tmp_path: Path) -> None:
    assert RowMemos(tmp_path, "v1", "shape", {"a": "f"}, set()).open("tree.html") is None


def opened(memos: RowMemos, page: str) -> dict:
    memo = memos.open(page)
    assert memo is not None
    return memo.rows


def test_an_unreadable_rows_file_is_no_rows(tmp_path: Path) -> None:
    memos = RowMemos(tmp_path, "v1", "shape", {}, {"tree.html"})
    memo = memos.open("tree.html")
    assert memo is not None
    memo.row("a", "a", str.upper, "row")  # front unknown: nothing to keep
    memos.close("tree.html", memo)
    assert not list(tmp_path.iterdir())
    (tmp_path / "rows-tree.html.pickle").write_bytes(b"not a pickle")
    assert opened(memos, "tree.html") == {}
