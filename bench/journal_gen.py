"""Generate a deterministic journal of n contacts grown like the sample: referral chains, every log shape.

`generate(root, n, seed)` writes `netsite.toml` and `contacts/**.md` under root. The same (n, seed)
always gives byte-identical files. About one contact in a hundred has a problem that `netsite check`
reports (an unknown log kind, an impossible date, a referrer nobody has), but every file is valid YAML,
so Hugo can build the same files. Used by bench/build.py and by the tests.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Aaron Abigail Adele Ahmed Aiko Alan Alba Alice Amara Amir Ana Andre Anika Arjun Astrid Ava Ben Bianca "
    "Boris Bruno Caleb Camila Carla Chen Chiara Chloe Colin Dalia Daniel Daria Dev Diana Elif Eli Emma Eric "
    "Esther Ezra Fatou Femi Fiona Gabe Gemma Gil Grace Hana Hugo Ida Imani Ines Isaac Ivy Jamal Jana Jin "
    "Joao Jonas Julia Kai Kalani Kenji Kira Lars Leah Leo Lina Luca Mabel Malik Mara Mateo Mei Mila Nadia "
    "Nate Nia Noah Noor Olga Omar Oren Paula Pedro Pia Quentin Rafael Rania Reza Rosa Ruth Sami Sara Selma "
    "Soren Tara Theo Tomas Uma Vera Viktor Wanda Wei Xavier Yara Yusuf Zara Zoltan"
)
LAST = _words(
    "Abbott Adeyemi Alvarez Andersen Arora Baker Banerjee Becker Bianchi Brandt Brooks Calloway Castillo "
    "Chang Cho Costa Dalton Das Delgado Diaz Dubois Eklund Engel Farah Ferreira Fischer Foster Gallo Garcia "
    "Gomez Grant Haas Hale Hansen Hayes Horvat Ibrahim Ivanova Jensen Jovanovic Kaur Keller Khan Kim "
    "Kowalski Kruger Lam Larsen Lee Lopez Maddox Mehta Meyer Mori Moreau Nakamura Navarro Nguyen Novak "
    "Obi Okafor Olsen Ortiz Osei Park Patel Perez Petrov Quinn Ramos Rao Reyes Rossi Saito Santos Sato "
    "Schmidt Shah Silva Singh Sokolov Suzuki Tanaka Torres Tran Ueda Varga Vasquez Wagner Walsh Weiss "
    "Wong Wu Yilmaz Young Zhang Zimmer"
)
COMPANY_WORDS = _words(
    "Acme Globex Northwind Initech Umbrella Stark Wayne Cyberdyne Soylent Hooli Vandelay Wonka Tyrell "
    "Aperture Massive Oscorp Pied Piper Gringotts Monarch Nakatomi Dunder Sterling Bluth Prestige Ollivander "
    "Harbor Cobalt Ledger Summit Ferncrest Tiller Orchard Beacon Juniper Granite Lumen Polar Quarry"
)
COMPANY_KINDS = _words("Corp Labs Health Systems Capital Analytics Pay Logistics Robotics Media Bank Energy")
ROLES = (
    "Software Engineer",
    "Staff Engineer",
    "Engineering Manager",
    "Director of Engineering",
    "Product Manager",
    "Senior Technical Recruiter",
    "Data Scientist",
    "Design Lead",
    "VP Engineering",
    "Principal Engineer",
    "Head of Platform",
    "CTO",
)
TAGS = _words(
    "fintech healthtech payments recruiter alumni ex-colleague hiring-manager design data platform "
    "mentor reference friend insurtech climate ai security devtools ecommerce logistics edtech "
    "consulting startup enterprise remote chicago nyc berlin london product infra"
)
PLACES = ("Chicago, IL", "New York, NY", "Evanston, IL", "Berlin", "London", "Remote", "Austin, TX")
HOW_MET = (
    "college friend",
    "ex-colleague from Ledgerline",
    "met at the fintech meetup",
    "alumni event",
    "referred after a coffee chat",
    "LinkedIn connection",
    "conference hallway track",
)
TOPICS = (
    "the payments job market",
    "how the platform team hires",
    "career paths from IC to manager",
    "what their team looks for in senior engineers",
    "market trends in healthtech",
    "the interview loop and comp bands",
    "a resume review",
    "their migration to event sourcing",
)
TODAY = date(2026, 11, 21)
START = date(2025, 11, 3)
FOLDERS = ("", "", "", "", "", "", "network/", "network/2026/", "linkedin/")


@dataclass
class _Person:
    """One generated contact before it is written."""

    index: int
    id: str
    name: str
    folder: str
    company: str
    added: date
    parent: int | None
    children: list[int] = field(default_factory=list)


def generate(root: Path, n: int, seed: int = 1) -> None:
    """Write a journal of n contacts under root (netsite.toml and contacts/), deterministic for (n, seed)."""
    rng = random.Random(seed)
    companies = _companies(rng, max(8, n // 8))
    people = _people(rng, n, companies)
    (root / "contacts").mkdir(parents=True, exist_ok=True)
    (root / "netsite.toml").write_text(_config(companies), encoding="utf-8")
    for person in people:
        path = root / "contacts" / f"{person.folder}{person.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_contact_text(rng, person, people), encoding="utf-8")


def _companies(rng: random.Random, count: int) -> list[str]:
    names = {f"{w} {k}" for w in COMPANY_WORDS for k in COMPANY_KINDS}
    return rng.sample(sorted(names), min(count, len(names)))


def _people(rng: random.Random, n: int, companies: list[str]) -> list[_Person]:
    """Grow the network: a few first-degree contacts, then each new name comes from someone earlier."""
    roots = max(3, n // 25)
    used: set[str] = set()
    people: list[_Person] = []
    span = (TODAY - START).days
    for i in range(n):
        name = _unique_name(rng, used)
        parent = None if i < roots else _pick_referrer(rng, i)
        added = START + timedelta(days=span * i // max(n, 1))
        folder = "inner-circle/" if parent is None else rng.choice(FOLDERS)
        person = _Person(i, _slug(name), name, folder, rng.choice(companies), added, parent)
        if parent is not None:
            people[parent].children.append(i)
        people.append(person)
    return people


def _pick_referrer(rng: random.Random, i: int) -> int:
    """Prefer recent contacts (chains grow deep) but sometimes go back to early, well-connected ones."""
    if rng.random() < 0.7:
        return rng.randrange(max(0, i - 40), i)
    return int(i * rng.random() ** 2)


def _unique_name(rng: random.Random, used: set[str]) -> str:
    while True:
        middle = f" {rng.choice(LAST)[0]}." if rng.random() < 0.3 else ""
        name = f"{rng.choice(FIRST)}{middle} {rng.choice(LAST)}"
        if _slug(name) not in used:
            used.add(_slug(name))
            return name


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _config(companies: list[str]) -> str:
    targets = ", ".join(f'"{c}"' for c in [*companies[:3], "Globex Nowhere"])
    return (
        '[site]\ntitle = "Generated network"\nowner = "Alex Morgan"\n\n'
        "[rules]\nfollow_up_days = 21\nthank_you_days = 2\nstale_days = 60\nmin_gap_days = 7\n\n"
        "[goals]\nnew_contacts = 10\nconversations = 5\nreferrals_per_conversation = 2\n"
        "network_size = 50\nnetwork_weeks = 3\n\n"
        f"[targets]\ncompanies = [{targets}]\n"
    )


def _contact_text(rng: random.Random, p: _Person, people: list[_Person]) -> str:
    lines = ["---", f"name: {p.name}", f"company: {p.company}", f"role: {rng.choice(ROLES)}"]
    lines += _optional_fields(rng, p)
    lines += _referrer_line(rng, p, people)
    lines += _tags_line(rng)
    lines += _status_lines(rng, p)
    log = _log_lines(rng, p, people)
    if log:
        lines += ["log:", *log]
    lines.append("---")
    return "\n".join(lines) + "\n" + _notes(rng, p, people)


def _optional_fields(rng: random.Random, p: _Person) -> list[str]:
    handle = p.id.replace("-", ".")
    fields = []
    if rng.random() < 0.8:
        fields.append(f"email: {handle}@example.com")
    if rng.random() < 0.5:
        fields.append(f'phone: "+1 312 555 {rng.randrange(10000):04d}"')
    if rng.random() < 0.7:
        fields.append(f"linkedin: https://www.linkedin.com/in/{p.id}")
    if rng.random() < 0.1:
        fields.append(f"website: {'https://example.com/' if rng.random() < 0.9 else 'example.com/'}{p.id}")
    if rng.random() < 0.6:
        fields.append(f"location: {rng.choice(PLACES)}")
    if rng.random() < 0.5:
        fields.append(f"how_met: {rng.choice(HOW_MET)}")
    if rng.random() < 0.05:
        fields.append(f"pronouns: {rng.choice(('she/her', 'he/him', 'they/them'))}")
    return fields


def _referrer_line(rng: random.Random, p: _Person, people: list[_Person]) -> list[str]:
    if p.parent is None:
        return [rng.choice(("referred_by: me", "referred_by:", "# first degree"))]
    up = people[p.parent]
    roll = rng.random()
    if roll < 0.005:
        return ["referred_by: someone-we-never-wrote-down"]
    if roll < 0.6:
        return [f"referred_by: {up.id}"]
    if roll < 0.75:
        return [f"referred_by: {up.name}"]
    if roll < 0.85:
        return [f'referred_by: "[[{up.name}]]"']
    if roll < 0.92:
        return [f"referred_by: [[{up.name}]]"]
    return [f'referred_by: "[[{up.id}|{up.name.split()[0]}]]"']


def _tags_line(rng: random.Random) -> list[str]:
    tags = rng.sample(TAGS, rng.randrange(0, 4))
    if not tags:
        return []
    return [f'tags: "{", ".join(tags)}"'] if rng.random() < 0.3 else [f"tags: [{', '.join(tags)}]"]


def _status_lines(rng: random.Random, p: _Person) -> list[str]:
    lines = []
    if rng.random() < 0.9:
        lines.append(f"strength: {rng.choice(('close', 'warm', 'acquaintance'))}")
    if rng.random() < 0.7:
        day = "2026-02-30" if rng.random() < 0.003 else p.added.isoformat()
        lines.append(f"added: {day}")
    roll = rng.random()
    if roll < 0.05:
        lines.append("status: dormant")
    elif roll < 0.08:
        lines.append(f"next_follow_up: {(p.added + timedelta(days=rng.randrange(3, 60))).isoformat()}")
    elif roll < 0.1:
        lines.append(f"follow_up_days: {rng.choice((14, 28, 30))}")
    return lines


def _log_lines(rng: random.Random, p: _Person, people: list[_Person]) -> list[str]:
    if p.folder == "linkedin/" or rng.random() < 0.15:
        return []  # a name not yet contacted
    day = p.added + timedelta(days=rng.randrange(0, 4))
    entries = []
    for kind in _story(rng):
        if day > TODAY:
            break
        entries.append(_entry(rng, day, kind, p, people))
        day += timedelta(days=rng.randrange(1, 12))
    if len(entries) > 2 and rng.random() < 0.2:
        entries.reverse()  # logs in any order
    return entries


def _story(rng: random.Random) -> list[str]:
    """Pick a plausible sequence of interactions."""
    story = [rng.choice(("email", "message", "event"))]
    if rng.random() < 0.8:
        story.append("reply")
    if rng.random() < 0.6:
        story += [rng.choice(("call", "meeting"))]
        if rng.random() < 0.8:
            story.append("thanks")
        if rng.random() < 0.3:
            story.append("intro")
    if rng.random() < 0.4:
        story += ["update", "reply"][: rng.randrange(1, 3)]
    if rng.random() < 0.004:
        story.append("lunch")  # not a known kind: a problem netsite reports
    return story


def _entry(rng: random.Random, day: date, kind: str, p: _Person, people: list[_Person]) -> str:
    note = _entry_note(rng, kind, p, people)
    shape = rng.random()
    if shape < 0.12 or not note:
        return f"  - {day} {kind}"
    if shape < 0.22:
        return f'  - "{day} {kind}: {note}: more later"'
    if shape < 0.3:
        return f'  - {{date: {day}, kind: {kind}, note: "{note}"}}'
    return f"  - {day} {kind}: {note}"


def _entry_note(rng: random.Random, kind: str, p: _Person, people: list[_Person]) -> str:
    if kind in ("call", "meeting"):
        names = " and ".join(people[k].name for k in p.children[:3])
        topic = rng.choice(TOPICS)
        return f"{topic}; suggested {names}" if names else topic
    notes = {
        "email": "sent my elevator pitch, asked for 20 minutes",
        "message": "LinkedIn note",
        "event": "met at the meetup",
        "reply": "happy to talk next week",
        "thanks": "thank-you email",
        "update": "monthly update on my search",
        "intro": "introduced me by email",
    }
    return notes.get(kind, "") if rng.random() < 0.8 else ""


def _notes(rng: random.Random, p: _Person, people: list[_Person]) -> str:
    if rng.random() < 0.1:
        return ""
    parts = [f"{p.name.split()[0]} works at {p.company} and cares about {rng.choice(TOPICS)}."]
    if p.parent is not None:
        parts.append(f"Name from [[{people[p.parent].name}]], who knows them well.")
    if p.children:
        links = ", ".join(f"[[{people[k].name}]]" for k in p.children[:4])
        parts.append(f"Suggested {links}.")
    if rng.random() < 0.4:
        parts.append(_list_block(rng, people))
    if rng.random() < 0.05:
        parts.append("Asked about [[Nobody In Particular]] too; not in the journal yet.")
    if rng.random() < 0.05:
        parts.append("| topic | answer |\n| --- | --- |\n| team | platform |\n| hiring | Q1 |")
    return "\n\n".join(parts) + "\n"


def _list_block(rng: random.Random, people: list[_Person]) -> str:
    other = rng.choice(people)
    return (
        f"- **Trends**: {rng.choice(TOPICS)}\n"
        f"- **Advice**: talk to [[{other.id}|{other.name}]] before applying\n"
        "- **Resources**: https://example.com/blog and [the guide](https://example.com/guide)"
    )
