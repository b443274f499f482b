"""Terminal and JSON views of the model: what `due`, `report`, `tree` and `check` print."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .due import DueItem, days_after
from .forest import Forest
from .model import Network
from .problems import Problem
from .weekly import WeekReport

UPCOMING_DAYS = 14
MAX_INDENT = 40  # outlines and JSON nested deeper than this are indented no further

# An open JSON container being written: its remaining (first?, key or None, value) items, its
# closing bracket, and its nesting level.
_Open = tuple[Iterator[tuple[bool, str | None, object]], str, int]


def due_json(network: Network) -> dict[str, object]:
    """Return every due item, upcoming ones too, in SPEC order."""
    return {"today": network.today.isoformat(), "items": [i.as_json() for i in network.due]}


def tree_json(network: Network) -> dict[str, object]:
    """Return the referral forest as nested nodes, with cycles and unresolved referrers."""
    forest = network.forest
    nodes: dict[str, dict[str, object]] = {}
    for cid in reversed(forest.preorder):  # children before parents, without recursion
        nodes[cid] = {
            "contact": cid,
            "name": network.contacts[cid].name,
            "degree": forest.degree[cid],
            "children": [nodes[k] for k in forest.children[cid]],
        }
    return {
        "roots": [nodes[r] for r in forest.roots],
        "cycles": [list(c) for c in forest.cycles],
        "unresolved": [{"contact": c, "referred_by": raw} for c, raw in forest.unresolved],
    }


def _outline_indent(degree: int) -> str:
    """Indent a contact by its degree; past MAX_INDENT levels, by as much, with its degree said."""
    if degree <= MAX_INDENT:
        return "  " * (degree - 1)
    return f"{'  ' * (MAX_INDENT - 1)}({degree}) "


def check_json(problems: list[Problem]) -> dict[str, object]:
    """Return problems as `check --json` prints them."""
    return {"problems": [p.as_json() for p in problems]}


def due_lines(network: Network, show_all: bool = False) -> Iterator[str]:
    """Yield the due list for a terminal: overdue first, then today, then the next two weeks."""
    horizon = days_after(network.today, UPCOMING_DAYS)
    shown = [i for i in network.due if show_all or i.due <= horizon]
    sections = [
        ("Overdue", [i for i in shown if i.overdue_days > 0]),
        ("Due today", [i for i in shown if i.overdue_days == 0]),
        ("Coming up", [i for i in shown if i.overdue_days < 0]),
    ]
    if not shown:
        yield f"Nothing due as of {network.today}."
    for title, items in sections:
        if items:
            yield f"{title} ({len(items)})"
            yield from _table([_due_row(i) for i in items])
            yield ""
    later = len(network.due) - len(shown)
    if later:
        yield f"{later} more after {horizon} (netsite due --all)"


def _due_row(item: DueItem) -> list[str]:
    when = (
        f"{item.overdue_days}d overdue"
        if item.overdue_days > 0
        else "today"
        if item.overdue_days == 0
        else f"in {-item.overdue_days}d"
    )
    kind = "warm lead" if item.warm else item.kind
    return [item.due.isoformat(), when, kind, item.name, item.contact]


def _table(rows: list[list[str]]) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        yield "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()


def report_lines(report: WeekReport) -> Iterator[str]:
    """Yield one week's figures beside their goals."""
    w, g = report.week, report.goals
    ratio = report.referrals_per_conversation
    rows = [
        ["New contacts", str(len(report.new_contacts)), f"goal {g.new_contacts}"],
        ["Conversations", str(report.conversations), f"goal {g.conversations}"],
        ["Referrals", str(len(report.referrals)), ""],
        [
            "Referrals per conversation",
            "–" if ratio is None else f"{ratio:.2f}",
            f"goal {g.referrals_per_conversation:g}",
        ],
        ["People reached", str(len(report.reached)), ""],
        ["Thank-yous sent", str(report.thanks_sent), ""],
        ["Updates sent", str(report.updates_sent), ""],
        [
            "Network size",
            str(report.network_size),
            f"goal {g.network_size} by week {g.network_weeks}",
        ],
    ]
    yield f"Week {w.label} ({w.start} to {w.end})"
    yield from _table(rows)


def tree_lines(network: Network) -> Iterator[str]:
    """Yield the forest as an indented outline with branch sizes."""
    forest: Forest = network.forest
    for cid in forest.preorder:
        contact = network.contacts[cid]
        size = forest.descendants(cid)
        extra = f"  (+{size})" if size else ""
        company = f", {contact.company}" if contact.company else ""
        yield f"{_outline_indent(forest.degree[cid])}{contact.name}{company} [{cid}]{extra}"
    for cycle in forest.cycles:
        yield f"cycle (shown as roots): {', '.join(cycle)}"
    for cid, raw in forest.unresolved:
        yield f"unresolved referrer: {cid} ← {raw!r}"


def json_chunks(value: object) -> Iterator[str]:
    """Yield value as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, without recursion.

    Past MAX_INDENT levels lines are indented no further (it is still JSON), so that the tree of a
    10,000-deep referral trail prints in time and space that grow with its length, not its square.
    """
    todo: list[_Open] = []
    yield _opening(value, 0, todo)
    while todo:
        items, close, level = todo[-1]
        entry = next(items, None)
        if entry is None:
            todo.pop()
            yield f"\n{_indent(level)}{close}"
            continue
        first, key, item = entry
        label = "" if key is None else json.dumps(key, ensure_ascii=False) + ": "
        yield f"{'' if first else ','}\n{_indent(level + 1)}{label}{_opening(item, level + 1, todo)}"


def _opening(value: object, level: int, todo: list[_Open]) -> str:
    """Return a scalar or empty container whole; open any other container (its items go on todo)."""
    if isinstance(value, dict) and value:
        todo.append((((i == 0, k, v) for i, (k, v) in enumerate(value.items())), "}", level))
        return "{"
    if isinstance(value, list | tuple) and value:
        todo.append((((i == 0, None, v) for i, v in enumerate(value)), "]", level))
        return "["
    return json.dumps(value, ensure_ascii=False)


def _indent(level: int) -> str:
    return "  " * min(level, MAX_INDENT)
