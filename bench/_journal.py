"""Generate a deterministic journal of n contacts for benchmarks (no randomness, no clock)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

FIRST = ["Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lia", "Max"]
LAST = ["Abbott", "Bauer", "Chen", "Diaz", "Eze", "Fox", "Gill", "Horn", "Ito", "Jones", "Khan", "Lund"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Soylent"]
TAGS = ["fintech", "hiring-manager", "alumni", "recruiter", "payments", "health", "design", "data"]
KINDS = ["email", "reply", "call", "thanks", "update", "meeting", "intro"]
START = date(2026, 6, 1)
TODAY = date(2026, 11, 21)

CONFIG = """[site]
title = "Bench network"
owner = "Bench Owner"

[targets]
companies = ["Acme Corp", "Globex"]
"""


def contact_id(i: int) -> str:
    """Return the id of the i-th generated contact."""
    return f"c{i:05d}"


def contact_text(i: int, note: str = "") -> str:
    """Return the Markdown text of the i-th contact; note is appended to its notes."""
    name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
    referrer = contact_id((i - 1) // 3) if i else ""
    added = START + timedelta(days=i % 170)
    lines = [
        "---",
        f"name: {name}",
        f"company: {COMPANIES[i % len(COMPANIES)]}",
        f"role: Role {i % 17}",
        f"referred_by: {referrer}",
        f"tags: [{TAGS[i % len(TAGS)]}, {TAGS[(i * 3 + 1) % len(TAGS)]}]",
        f"added: {added.isoformat()}",
        *_log(i, added),
        "---",
        f"Notes about {name}. Met through [[{contact_id(i // 2)}]]. {note}",
        "",
    ]
    return "\n".join(lines)


def _log(i: int, added: date) -> list[str]:
    entries = [
        f"  - {(added + timedelta(days=3 * k)).isoformat()} {KINDS[(i + k) % len(KINDS)]}: entry {k}"
        for k in range(i % 5)
        if added + timedelta(days=3 * k) <= TODAY
    ]
    return ["log:", *entries] if entries else []


def write_journal(root: Path, n: int) -> Path:
    """Write a journal of n contacts under root (spread over subfolders) and return root."""
    (root / "netsite.toml").write_text(CONFIG, "utf-8")
    for i in range(n):
        path = contact_path(root, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contact_text(i), "utf-8")
    return root


def contact_path(root: Path, i: int) -> Path:
    """Return the file of the i-th contact (100 per subfolder)."""
    return root / "contacts" / f"group{i // 100:03d}" / f"{contact_id(i)}.md"
