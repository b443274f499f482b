"""Check at scale that cached builds give the bytes of an uncached one, edit after edit.

    python3 bench/verify.py                          # 10,000 contacts, 20 rounds of edits
    python3 bench/verify.py --size 2000 --rounds 50 --seed 3
    python3 bench/verify.py --serve                  # serve's in-memory builds

Generates a journal (bench/journal_gen.py) in a scratch folder, then, round after round,
makes one to three random edits of the kinds a user makes (a call logged, a role or company
changed, notes added, a first note or notes emptied, a referrer changed, a contact added,
deleted or renamed, blank lines, another TODAY), runs `netsite.build.build` (the cached build
`netsite build` runs, worker processes, spare site and all) and compares every file of output/
with `netsite.build.render`, which uses no cache. It stops at the first difference. With
--serve it checks what `netsite serve` renders instead: one long-lived `Builder`, rendering in
memory from the caches it keeps between builds (the rows of the long lists in `.netsite/`). The tests
check the same on small journals; this reaches the paths only large ones take (worker pools,
chunked pages, sites set aside). Not part of the pytest run: at 10,000 contacts each round
takes a few seconds.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journal_gen import generate

from netsite.build import Builder, build, render
from netsite.output import MANIFEST

START = date(2026, 11, 21)


def main() -> int:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="netsite-verify-") as scratch:
        root = Path(scratch)
        generate(root, args.size, seed=args.seed)
        editor = _Editor(root, random.Random(args.seed))
        builder = Builder(root) if args.serve else None
        for number in range(args.rounds):
            done = [editor.edit() for _ in range(editor.rng.choice([1, 1, 1, 2, 3]))]
            started = time.perf_counter()
            if builder is None:
                result = build(root, editor.today)
            else:
                result = builder.build(editor.today, write=False)
            seconds = time.perf_counter() - started
            if not result.ok:
                print(f"round {number}: the build failed: {result.failure}")
                return 1
            got = _output(root) if builder is None else dict(result.files)
            differing = _differing(got, render(root, editor.today).files)
            print(f"round {number}: {', '.join(done)}: {seconds:.2f} s, {_verdict(differing)}", flush=True)
            if differing:
                return 1
    return 0


def _arguments() -> argparse.Namespace:
    kind = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=kind)
    parser.add_argument("--size", type=int, default=10_000, help="contacts in the journal")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of edits, each built and checked")
    parser.add_argument("--seed", type=int, default=1, help="seeds the journal and the edits")
    parser.add_argument("--serve", action="store_true", help="check serve's in-memory builds instead")
    return parser.parse_args()


def _output(root: Path) -> dict[str, bytes]:
    """Return the files of output/ but its manifest, by path."""
    out = root / "output"
    files = (p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def _differing(got: dict[str, bytes], want: Mapping[str, bytes]) -> list[str]:
    """List the files where a build and an uncached render differ, or where either has one alone."""
    differing = sorted(set(got) ^ set(want))
    return differing + [path for path in sorted(want) if path in got and got[path] != want[path]]


def _verdict(differing: list[str]) -> str:
    return "byte-identical" if not differing else f"{len(differing)} files differ, first {differing[:3]}"


class _Editor:
    """Random edits of a journal's contact files (and of TODAY), each named by what it did."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root, self.rng, self.today = root, rng, START
        self.files = sorted((root / "contacts").rglob("*.md"))
        self.kinds: dict[str, Callable[[Path], str]] = {
            "log": self._log,
            "role": self._role,
            "company": self._company,
            "notes": self._notes,
            "first note": self._first_note,
            "referrer": self._referrer,
            "rename": self._rename,
            "blank lines": self._blank,
            "new contact": self._new,
            "delete": self._delete,
            "another day": self._another_day,
        }

    def edit(self) -> str:
        kind = self.rng.choice(list(self.kinds))
        return f"{kind} {self.kinds[kind](self.rng.choice(self.files))}"

    def _log(self, file: Path) -> str:
        entry = f"  - 2026-11-{self.rng.randint(1, 21):02d} call: verify {self.rng.random():.6f}\n"
        text = file.read_text(encoding="utf-8")
        if "\nlog:\n" in text:
            return self._write(file, text.replace("\nlog:\n", "\nlog:\n" + entry, 1))
        return self._write(file, text.replace("\n---\n", "\nlog:\n" + entry + "---\n", 1))

    def _role(self, file: Path) -> str:
        return self._set(file, "role", f"Role {self.rng.randint(1, 999)}")

    def _company(self, file: Path) -> str:
        return self._set(file, "company", f"Company {self.rng.randint(1, 30)}")

    def _referrer(self, file: Path) -> str:
        return self._set(file, "referred_by", self.rng.choice(self.files).stem)

    def _rename(self, file: Path) -> str:
        return self._set(file, "name", f"Renamed Person {self.rng.randint(1, 999)}")

    def _notes(self, file: Path) -> str:
        other = self.rng.choice(self.files).stem
        added = f"\nAsked [[{other}]] about the team ({self.rng.random():.6f}).\n"
        return self._write(file, file.read_text(encoding="utf-8") + added)

    def _first_note(self, file: Path) -> str:
        head = file.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        notes = "" if self.rng.random() < 0.5 else f"A first note {self.rng.random():.6f}.\n"
        return self._write(file, f"{head}\n---\n{notes}")

    def _blank(self, file: Path) -> str:
        return self._write(file, file.read_text(encoding="utf-8").replace("\n---\n", "\n---\n\n\n", 1))

    def _new(self, file: Path) -> str:
        new = file.with_name(f"verify-newcomer-{self.rng.randint(1, 10**6)}.md")
        new.write_text(
            f"---\nname: Newcomer {new.stem}\nreferred_by: {file.stem}\ncompany: Acme\n"
            f"log:\n  - 2026-11-19 meeting: introduced\n---\nMet through [[{file.stem}]].\n",
            encoding="utf-8",
        )
        self.files.append(new)
        return new.name

    def _delete(self, file: Path) -> str:
        file.unlink()
        self.files.remove(file)
        return file.name

    def _another_day(self, file: Path) -> str:
        self.today = START + timedelta(days=self.rng.randint(-3, 7))
        return self.today.isoformat()

    def _set(self, file: Path, key: str, value: str) -> str:
        """Set a top-level key of the front matter, adding it if absent."""
        text = file.read_text(encoding="utf-8")
        line = re.compile(rf"^{key}: .*$", re.M)
        if line.search(text.split("\n---\n", 1)[0]):
            return self._write(file, line.sub(f"{key}: {value}", text, count=1))
        return self._write(file, text.replace("\n---\n", f"\n{key}: {value}\n---\n", 1))

    def _write(self, file: Path, text: str) -> str:
        file.write_text(text, encoding="utf-8")
        return file.name


if __name__ == "__main__":
    raise SystemExit(main())
