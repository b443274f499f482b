"""Random runs of edits: after each, cached builds give exactly the bytes of an uncached render.

The caches reuse pages by their keys, rows of the long lists by the shape of the network (see
pagekeys.py and rowmemo.py), and notes by their text. Hypothesis draws runs of edits that change
the shape (names, referrers, companies, tags, files added and deleted) or keep it (calls logged,
follow-ups planned, notes written or emptied), and every build, written or in memory, must match `render()`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from netsite.build import Builder, build, render
from netsite.output import MANIFEST

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from journal_gen import generate

TODAY = date(2026, 11, 21)
SIZE = 24
COMPANIES = ("Acme Corp", "Globex Labs", "Initech")
TAGS = ("[fintech]", "[design, alumni]", "[]")
KINDS = ("call", "message", "thanks", "meeting")


def files(root: Path) -> list[Path]:
    return sorted((root / "contacts").rglob("*.md"))


def set_key(path: Path, key: str, value: str) -> None:
    """Set a one-line front matter key (first in the front matter, so that the log stays last)."""
    head, fence, body = path.read_text(encoding="utf-8").partition("\n---\n")
    lines = [line for line in head.split("\n") if not line.startswith(f"{key}:")]
    lines.insert(1, f"{key}: {value}")
    path.write_text("\n".join(lines) + fence + body, encoding="utf-8")


def log(path: Path, days_ago: int, kind: str) -> None:
    head, fence, body = path.read_text(encoding="utf-8").partition("\n---\n")
    entry = f"  - {TODAY - timedelta(days=days_ago)} {kind}: random edit"
    head = head + "\n" + entry if "\nlog:" in head else head + "\nlog:\n" + entry
    path.write_text(head + fence + body, encoding="utf-8")


def edit(root: Path, op: str, i: int, j: int, k: int) -> None:
    """Apply one edit to contact i (j: another contact, k: a small number)."""
    people = files(root)
    path, other = people[i % len(people)], people[j % len(people)].stem
    if op == "log":
        log(path, k * 3, KINDS[k % len(KINDS)])
    elif op == "follow_up":
        set_key(path, "next_follow_up", str(TODAY + timedelta(days=k * 5 - 10)))
    elif op == "notes":
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\nAsked about [[{other}]] and [[Nobody {k}]].\n")
    elif op == "unnote":  # notes emptied: the section leaves the page
        head, fence, _ = path.read_text(encoding="utf-8").partition("\n---\n")
        path.write_text(head + fence, encoding="utf-8")
    elif op == "name":  # of someone who referred someone: their name shows on the pages below them
        referrers = [q for q in people if any(f"referred_by: {q.stem}\n" in r.read_text() for r in people)]
        set_key((referrers or people)[i % len(referrers or people)], "name", f"Renamed Person {k}")
    elif op == "referrer":
        set_key(path, "referred_by", other if k else "me")
    elif op == "company":
        set_key(path, "company", COMPANIES[k % len(COMPANIES)])
    elif op == "tags":
        set_key(path, "tags", TAGS[k % len(TAGS)])
    elif op == "status":
        set_key(path, "status", ("dormant", "met", "identified")[k % 3])
    elif op == "delete" and len(people) > 3:
        path.unlink()
    elif op == "add":  # half of them named as a note's [[Nobody k]] asks: its link then resolves
        name = f"Nobody {k}" if i % 2 else f"New {i} {k}"
        (root / "contacts" / f"new-{i}-{k}.md").write_text(
            f"---\nname: {name}\nreferred_by: {other}\ncompany: {COMPANIES[k % 3]}\n---\nHello.\n",
            encoding="utf-8",
        )


OPS = (
    "log",
    "follow_up",
    "notes",
    "unnote",
    "name",
    "referrer",
    "company",
    "tags",
    "status",
    "delete",
    "add",
)
EDITS = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, SIZE), st.integers(0, SIZE), st.integers(0, 5)),
    min_size=1,
    max_size=6,
)


def output_tree(root: Path) -> dict[str, bytes]:
    out = root / "output"
    found = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    found.pop(MANIFEST)
    return found


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS)
@example([("name", 0, 0, 1), ("log", 0, 0, 2)])  # a referrer renamed: the pages below show the name
# A note asks for [[Nobody 2]]; later a contact of that name is added: the note's page changes
# though nothing else about it did.
@example([("notes", 0, 1, 2), ("name", 0, 0, 1), ("name", 1, 0, 3), ("add", 1, 5, 2)])
@example([("referrer", 3, 5, 1), ("company", 5, 0, 1), ("tags", 3, 0, 1)])
@example([("log", 4, 0, 0), ("follow_up", 4, 0, 1), ("notes", 4, 2, 0), ("status", 2, 0, 0)])
@example([("add", 1, 2, 3), ("delete", 2, 0, 0)])
def test_builds_after_random_edits_match_an_uncached_render(edits: list[tuple[str, int, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root, SIZE, seed=11)
        assert build(root, TODAY).ok
        builder = Builder(root)
        assert builder.build(TODAY, write=False).ok
        for op, i, j, k in edits:
            time.sleep(0.02)  # an edit must not share the clock tick of the last build's reads
            edit(root, op, i, j, k)
            want = render(root, TODAY)
            built, held = build(root, TODAY), builder.build(TODAY, write=False)
            assert built.ok and held.ok, (built.failure, held.failure)
            after = f"after {op} {i} {j} {k}"
            assert output_tree(root) == want.files, after
            assert dict(held.files) == want.files, after
            assert built.problems == want.problems == held.problems, after
