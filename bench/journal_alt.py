"""Write a journal unlike bench/journal_gen.py's, to time netsite on a journal it was not tuned on.

    python bench/journal_alt.py /tmp/alt 10000
    python bench/build.py --journal /tmp/alt
    python bench/journal_alt.py /tmp/alt-own 10000 100000   # most at a company of their own

Flat (no subfolders), 1,500 companies (or as many as the third argument says: most people of a
LinkedIn export work at a company of their own, and each company has a page), referral trails 20
to 50 deep (each person referred by one of the 500 before them), ids with middle initials,
referrers written as ids, names or wikilinks, log entries in all four forms (up to ten a person),
and notes with headings, bullet and numbered lists, quotes, links, emphasis and wikilinks.
Deterministic: the same arguments give the same files.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

FIRST = [a + b for a in ["Al", "Be", "Ca", "Da", "El", "Fa"] for b in ["ma", "ri", "na", "ton", "lia", "ex"]]
LAST = [a + b for a in ["Ber", "Mar", "Kel", "San", "Dor", "Fen"] for b in ["ton", "ley", "man", "ez", "ov"]]
WORDS = ["Global", "Digital", "Quantum", "Blue", "Green", "Nova", "Apex", "Bright", "Core", "Prime"]
KINDS_OF_COMPANY = ["Labs", "Systems", "Solutions", "Group", "Partners", "Analytics", "Networks", "Health"]
ROLES = ["Engineering Manager", "Recruiter", "Product Manager", "Data Scientist", "CTO", "Designer"]
LOG_KINDS = ["email", "message", "event", "call", "meeting", "thanks", "update", "intro", "reply"]
TAGS = ["fintech", "alumni", "hiring-manager", "design", "ai", "remote", "berlin", "nyc"]
TODAY = date(2026, 11, 21)


def main() -> None:
    root, size = Path(sys.argv[1]), int(sys.argv[2])
    write(root, size, int(sys.argv[3]) if len(sys.argv) > 3 else 1500)


def write(root: Path, size: int, companies_count: int = 1500, seed: int = 2026) -> None:
    """Write size contact files, at companies_count companies, and a netsite.toml under root."""
    rng = random.Random(seed)
    (root / "contacts").mkdir(parents=True, exist_ok=True)
    names = range(companies_count)
    companies = [f"{rng.choice(WORDS)} {rng.choice(KINDS_OF_COMPANY)} {i}" for i in names]
    people = _people(rng, size)
    for i, (cid, name) in enumerate(people):
        front = _front(rng, i, name, cid, people, companies)
        (root / "contacts" / f"{cid}.md").write_text(front + _notes(rng, i, name, people), encoding="utf-8")
    (root / "netsite.toml").write_text('[site]\ntitle = "Another network"\nowner = "Sam"\n', encoding="utf-8")


def _people(rng: random.Random, size: int) -> list[tuple[str, str]]:
    people: list[tuple[str, str]] = []
    ids: set[str] = set()
    while len(people) < size:
        name = f"{rng.choice(FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(LAST)}"
        cid = name.lower().replace(". ", "-").replace(" ", "-")
        if cid not in ids:
            ids.add(cid)
            people.append((cid, name))
    return people


def _front(rng: random.Random, i: int, name: str, cid: str, people: list, companies: list) -> str:
    lines = ["---", f"name: {name}", f"company: {rng.choice(companies)}", f"role: {rng.choice(ROLES)}"]
    lines.append(f"email: {cid}@example.com")
    if i >= 30:
        rid, rname = people[rng.randrange(max(0, i - 500), i)]
        lines.append(
            rng.choice([f"referred_by: {rid}", f"referred_by: {rname}", f'referred_by: "[[{rname}]]"'])
        )
    if rng.random() < 0.5:
        lines.append(f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]")
    day = TODAY - timedelta(days=rng.randrange(5, 360))
    lines.append(f"added: {day}")
    entries = []
    for _ in range(rng.randint(0, 10)):
        day += timedelta(days=rng.randrange(1, 30))
        if day > TODAY:
            break
        kind = rng.choice(LOG_KINDS)
        entries.append(
            rng.choice(
                [
                    f"  - {day} {kind}: talked about {rng.choice(['roles', 'the market', 'hiring'])}",
                    f'  - "{day} {kind}: note: with a colon"',
                    f"  - {day} {kind}",
                    f"  - {{date: {day}, kind: {kind}, note: mapping form}}",
                ]
            )
        )
    return "\n".join([*lines, *(["log:", *entries] if entries else []), "---"]) + "\n"


def _notes(rng: random.Random, i: int, name: str, people: list) -> str:
    if rng.random() < 0.1:
        return ""
    years = rng.randint(2, 20)
    parts = [f"## Background\n\n{name.split()[0]} has worked in {rng.choice(TAGS)} for {years} years."]
    if i:
        parts.append(f"Introduced by [[{people[rng.randrange(0, i)][1]}]]; very **helpful** and _kind_.")
    if rng.random() < 0.5:
        parts.append(
            "### Advice\n\n- Update the CV\n- Ask for *two* more names\n- Read [the blog](https://example.com/blog)"
        )
    if rng.random() < 0.3:
        parts.append("1. Send thanks\n2. Follow up in three weeks")
    if rng.random() < 0.2:
        parts.append("> Networking is a numbers game.")
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
