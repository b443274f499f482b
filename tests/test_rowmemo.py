"""Rows kept from build to build (rowmemo.py): reused only for the same global key, front matter and
place (which is checked only when the shape of the network changed), and copied from the bytes they
were kept as."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netsite import cache as caching
from netsite.rowmemo import KeptRows, RowMemo, RowMemos


def kept_rows(rows: dict) -> KeptRows:
    """Keep rows given as key -> (front, place, text)."""
    return KeptRows.of({key: (front, place, text.encode()) for key, (front, place, text) in rows.items()})


def block(memo: RowMemo, keys: list, make, places: dict | None = None) -> str:
    """Ask memo for the block of keys (each its own contact), make(key) making a row; return it as text."""
    places = places or {}
    return memo.block(
        keys, keys, lambda i: make(keys[i]).encode(), lambda i: places.get(keys[i], "here")
    ).decode()


def test_a_row_is_reused_while_its_contact_front_matter_is_the_same() -> None:
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return f"<tr>new {key}</tr>"

    memo = RowMemo(
        kept_rows({"a": ("front-a", "1", "<tr>old a</tr>"), "b": ("front-b0", "1", "<tr>old b</tr>")}),
        {"a": "front-a", "b": "front-b1"},
    )
    assert block(memo, ["a", "b"], make, {"b": 1}) == "<tr>old a</tr><tr>new b</tr>"
    assert made == ["b"] and memo.stale()
    assert memo.made == {"b": ("front-b1", "1", b"<tr>new b</tr>")}


def test_rows_kept_in_order_are_copied_as_runs_and_the_others_one_by_one() -> None:
    rows = {key: ("f", "'here'", f"<{key}>") for key in "abcdef"}
    memo = RowMemo(kept_rows(rows), {**dict.fromkeys("abcdef", "f"), "c": "g"})
    shown = block(memo, ["a", "b", "c", "e", "d", "f", "new"], str.upper)
    assert shown == "<a><b>C<e><d><f>NEW"
    assert memo.made.keys() == {"c"}  # "new" has no front matter known: shown, not kept
    assert memo.dropped() == set() and memo.stale()


def test_after_a_change_of_shape_a_row_is_reused_only_in_the_same_place() -> None:
    asked: list[str] = []

    def place(where: str) -> str:
        asked.append(where)
        return where

    kept = {"a": ("f", repr("under bo"), "A"), "b": ("f", repr("under bo"), "B")}  # places as kept
    wheres = {"a": "under cy", "b": "under cy"}
    same = RowMemo(kept_rows(kept), {"a": "f", "b": "f"})  # the same shape: places are not even asked
    assert same.block(["a"], ["a"], lambda i: b"new", lambda i: place(wheres["a"])) == b"A"
    assert asked == []
    moved = RowMemo(kept_rows(kept), {"a": "f", "b": "f"}, same_shape=False)
    wheres = {"a": "under bo", "b": "under cy"}
    keys = ["a", "b"]
    got = moved.block(keys, keys, lambda i: f"new {keys[i]}".encode(), lambda i: place(wheres[keys[i]]))
    assert got == b"Anew b"
    assert moved.made == {"b": ("f", repr("under cy"), b"new b")}
    assert asked == ["under bo", "under cy"]  # once each


def test_after_a_change_of_shape_the_rows_of_contacts_not_moved_keep_their_place() -> None:
    """Given the contacts a change of shape can have moved, the others' places are not even asked."""
    asked: list[str] = []

    def place(key: str) -> str:
        asked.append(key)
        return "under cy"

    kept = {"a": ("f", repr("under bo"), "A"), "b": ("f", repr("under bo"), "B")}
    memo = RowMemo(kept_rows(kept), {"a": "f", "b": "f"}, same_shape=False, moved={"b"})
    keys = ["a", "b"]
    assert memo.block(keys, keys, lambda i: b"new", lambda i: place(keys[i])) == b"Anew"
    assert asked == ["b"]


def test_a_row_kept_since_the_blob_was_written_is_reused_like_the_others() -> None:
    rows = KeptRows.of({"a": ("f", "'here'", b"<a>"), "b": ("f", "'here'", b"<b>")})
    over = KeptRows(
        ["a", "b"], rows.fronts, rows.places, rows.blob, rows.ends, {"b": ("g", "'here'", b"<B>")}
    )
    memo = RowMemo(over, {"a": "f", "b": "g"})
    assert block(memo, ["a", "b"], str.upper) == "<a><B>" and not memo.changed and not memo.stale()


def keep_one_row(memos: RowMemos, page: str) -> RowMemos:
    """Keep contact a's row of page, in the place "here"."""
    memo = memos.open(page)
    block(memo, ["a"], lambda key: "ROW")
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
    memo = RowMemo(kept_rows({}), {})
    assert block(memo, ["x"], str.upper) == "X"
    assert memo.made == {} and memo.used() == 0 and not memo.stale()
    assert memo.whole()["keys"] == []


def test_rows_no_longer_shown_make_the_memo_stale() -> None:
    memo = RowMemo(kept_rows({"a": ("f", "None", "A"), "gone": ("g", "None", "G")}), {"a": "f"})
    block(memo, ["a"], str.upper)
    assert not memo.changed and memo.stale() and memo.dropped() == {"gone"}


def test_a_block_held_by_a_page_is_put_where_its_marker_is() -> None:
    memo = RowMemo(kept_rows({}), {})
    first, second = memo.hold(b"<tr>1</tr>"), memo.hold(b"<tr>2</tr>")
    page = f"<h1>Due</h1><table>{first}</table><table>{second}</table>".encode()
    assert memo.fill(page) == b"<h1>Due</h1><table><tr>1</tr></table><table><tr>2</tr></table>"
    assert memo.fill(b"no rows") == b"no rows"  # nothing held any more
    lost = RowMemo(kept_rows({}), {})
    marker = lost.hold(b"<tr>1</tr>")
    assert lost.fill(b"<table></table>") is None
    twice = RowMemo(kept_rows({}), {})
    marker = twice.hold(b"<tr>1</tr>")
    assert twice.fill(f"{marker}{marker}".encode()) is None


def test_rows_are_kept_for_one_global_key_and_know_their_shape(tmp_path: Path) -> None:
    page = "contacts/index.html"
    memos = keep_one_row(RowMemos(tmp_path, "v1", ("top-1", "shape-1"), {"a": "f"}), page)
    assert opened(memos, page) == ({"a": ("f", repr("here"), b"ROW")}, True)
    assert opened(RowMemos(tmp_path, "v1", ("top-1", "shape-2"), {"a": "f"}), page)[1] is False
    assert opened(RowMemos(tmp_path, "v1", ("top-2", "shape-1"), {"a": "f"}), page)[0] == {}
    assert opened(RowMemos(tmp_path, "v2", ("top-1", "shape-1"), {"a": "f"}), page)[0] == {}


def test_rows_are_kept_as_columns_and_a_blob_and_read_back_only_when_they_line_up(tmp_path: Path) -> None:
    page = "tree.html"
    memos = RowMemos(tmp_path, "v1", ("top", "shape"), {"a": "f", "b": "g"})
    memo = memos.open(page)
    keys = ["a", ("b", 2)]
    places = [(1, ("bo", "Bo")), None]
    memo.block(keys, ["a", "b"], lambda i: f"row {i}".encode(), places.__getitem__)
    memos.close(page, memo)
    kept = caching.load_rows(tmp_path, page, "v1")
    assert kept["keys"] == ["a", ("b", 2)] and kept["places"] == ["(1, ('bo', 'Bo'))", "None"]
    assert kept["blob"] == b"row 0row 1" and kept["ends"] == [5, 10]
    assert opened(memos, page)[0] == {
        "a": ("f", "(1, ('bo', 'Bo'))", b"row 0"),
        ("b", 2): ("g", "None", b"row 1"),
    }
    caching.save_rows(tmp_path, page, "v1", {**kept, "ends": [5]})  # one row short: none is read
    assert opened(memos, page)[0] == {}
    caching.save_rows(tmp_path, page, "v1", {**kept, "ends": [5, 11]})  # past the blob's end
    assert opened(memos, page)[0] == {}


def opened(memos: RowMemos, page: str) -> tuple[dict, bool]:
    memo = memos.open(page)
    return memo.rows.as_dict(), memo.same_shape


def render(page: str, fronts: dict[str, str], shape: str = "shape", folder: Path | None = None) -> RowMemo:
    """Render a page of one row per contact in fronts, keeping its rows in folder; return its memo."""
    assert folder is not None
    memos = RowMemos(folder, "v1", ("top", shape), fronts)
    memo = memos.open(page)
    keys = list(fronts)
    memo.block(
        keys,
        keys,
        lambda i: f"ROW OF {keys[i]} AS {fronts[keys[i]]}".encode(),
        lambda i: f"under {keys[i][0]}",
    )
    memos.close(page, memo)
    return memo


def shown(memo: RowMemo) -> dict:
    """Return the rows of a memo's render as they are to be kept."""
    whole = memo.whole()
    rows = KeptRows(whole["keys"], whole["fronts"], whole["places"], whole["blob"], whole["ends"])
    return rows.as_dict()


def reopened(folder: Path, page: str, fronts: dict[str, str], shape: str = "shape") -> dict:
    return RowMemos(folder, "v1", ("top", shape), fronts).open(page).rows.as_dict()


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
    assert reopened(tmp_path, page, fronts) == shown(last)
    again = render(page, {**fronts, "c008": "f1"}, folder=tmp_path)  # a delta grows on the last one
    assert whole.read_bytes() == before
    assert caching.load_rows(tmp_path, page, "v1", delta=True)["made"].keys() == {"c007", "c008", "new"}
    assert reopened(tmp_path, page, {**fronts, "c008": "f1"}) == shown(again)


def test_a_row_dropped_and_made_again_comes_back_through_the_delta(tmp_path: Path) -> None:
    page, fronts = "tree.html", {f"c{i:03d}": "f0" for i in range(100)}
    render(page, fronts, folder=tmp_path)
    render(page, {k: v for k, v in fronts.items() if k != "c001"}, folder=tmp_path)
    last = render(page, {**fronts, "c001": "f2"}, folder=tmp_path)
    assert reopened(tmp_path, page, fronts) == shown(last)
    assert shown(last)["c001"] == ("f2", repr("under c"), b"ROW OF c001 AS f2")


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
    assert reopened(tmp_path, page, changed) == shown(last)
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
        block(memo, list(now), str.upper)
        memos.close(page, memo)
    assert (tmp_path / "rows-contacts-index.html.delta.pickle").exists() and whole.read_bytes() != old
    whole.write_bytes(old)  # an older whole file back (say, from a backup), beside a newer delta
    assert reopened(tmp_path, page, fronts) == shown(first)
    token = caching.load_rows(tmp_path, page, "v1")["token"]
    caching.save_rows(tmp_path, page, "v1", {"token": token, "made": [], "dropped": []}, delta=True)
    assert reopened(tmp_path, page, fronts) == shown(first)  # a delta that makes no sense: ignored


def test_a_delta_records_the_shape_its_rows_were_made_for(tmp_path: Path) -> None:
    page, fronts = "tree.html", {f"c{i:03d}": "f0" for i in range(100)}
    render(page, fronts, folder=tmp_path)
    memos = RowMemos(tmp_path, "v1", ("top", "shape-2"), {**fronts, "new": "f0"})
    memo = memos.open(page)
    assert not memo.same_shape
    block(memo, [*fronts, "new"], str.upper, {key: f"under {key[0]}" for key in [*fronts, "new"]})
    memos.close(page, memo)
    assert (tmp_path / "rows-tree.html.delta.pickle").exists()
    assert RowMemos(tmp_path, "v1", ("top", "shape-2"), fronts).open(page).same_shape
    assert not RowMemos(tmp_path, "v1", ("top", "shape"), fronts).open(page).same_shape


_KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
_FRONTS = st.sampled_from(["f1", "f2"])
_PLACES = st.sampled_from(["p1", "p2"])
_ROWS = st.dictionaries(_KEYS, st.tuples(_FRONTS, _PLACES, st.text(max_size=3)))


@settings(max_examples=400, deadline=None)
@given(
    kept=_ROWS,
    over=_ROWS,
    dropped=st.sets(_KEYS),
    fronts=st.dictionaries(_KEYS, _FRONTS),
    shown_rows=st.lists(st.tuples(_KEYS, _PLACES), unique_by=lambda row: row[0]),
    same_shape=st.booleans(),
    moved=st.none() | st.sets(_KEYS),
)
def test_a_block_is_its_rows_kept_or_made_one_by_one(
    kept: dict, over: dict, dropped: set, fronts: dict, shown_rows: list, same_shape: bool, moved: set | None
) -> None:
    """A block holds, for each key in order, the row kept for it if made from the same front matter
    (and, after a change of shape, for a contact that may have moved, in the same place), else the row
    made now; it keeps the rows made, and can say which rows kept it did not use."""

    def keep(rows: dict) -> dict:
        return {k: (f, repr(p), t.encode()) for k, (f, p, t) in rows.items()}

    base = KeptRows.of(keep(kept))
    rows = KeptRows(list(keep(kept)), base.fronts, base.places, base.blob, base.ends, keep(over), dropped)
    known = {**{k: v for k, v in keep(kept).items() if k not in dropped}, **keep(over)}
    assert rows.as_dict() == known
    keys, places = [key for key, _ in shown_rows], [where for _, where in shown_rows]
    expected, made = [], {}
    for key, where in shown_rows:
        hit, front = known.get(key), fronts.get(key)
        placed = same_shape or (moved is not None and key not in moved) or (hit and hit[1] == repr(where))
        if front is not None and hit is not None and hit[0] == front and placed:
            expected.append(hit[2])
        else:
            expected.append(f"<{key} {where}>".encode())
            if front is not None:
                made[key] = (front, repr(where), expected[-1])
    memo = RowMemo(rows, fronts, same_shape, moved)
    got = memo.block(keys, keys, lambda i: f"<{keys[i]} {places[i]}>".encode(), places.__getitem__)
    assert got == b"".join(expected)
    assert memo.made == made
    assert memo.dropped() == known.keys() - {k for k in keys if k in fronts}
