"""Weekly reports: one ISO week's networking counted against the goals."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from .config import Goals
from .contact import CONVERSATION_KINDS, Contact


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        """Return the Sunday, or 9999-12-31 for the calendar's last week, whose Sunday does not exist."""
        return self.start + timedelta(days=6) if self.start < date.max - timedelta(days=6) else date.max

    @classmethod
    def of(cls, day: date) -> Week:
        """Return the ISO week a day falls in."""
        return _week_of(day)

    @classmethod
    def parse(cls, text: str) -> Week:
        """Read `2026-W47`; raises ValueError for anything else."""
        if not re.fullmatch(r"\d{4}-W\d{2}", text.strip(), re.IGNORECASE):
            raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
        year, _, number = text.strip().upper().partition("-W")
        try:
            date.fromisocalendar(int(year), int(number), 1)  # validates the week number
        except ValueError as exc:
            raise ValueError(f"{text!r} is not an ISO week ({exc})") from exc
        return cls(int(year), int(number))

    def next(self) -> Week:
        return Week.of(self.start + timedelta(days=7))


@cache  # a journal's log has a few hundred days, and tens of thousands of entries
def _week_of(day: date) -> Week:
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


@dataclass(frozen=True)
class WeekReport:
    week: Week
    new_contacts: tuple[str, ...]
    reached: tuple[str, ...]
    conversations: int
    referrals: tuple[str, ...]
    thanks_sent: int
    updates_sent: int
    network_size: int
    goals: Goals

    @property
    def referrals_per_conversation(self) -> float | None:
        return len(self.referrals) / self.conversations if self.conversations else None

    def as_json(self) -> dict[str, object]:
        """Return the report keyed as `report --json` prints it."""
        return {
            "week": self.week.label,
            "start": self.week.start.isoformat(),
            "end": self.week.end.isoformat(),
            "new_contacts": len(self.new_contacts),
            "reached": len(self.reached),
            "conversations": self.conversations,
            "referrals": len(self.referrals),
            "referrals_per_conversation": self.referrals_per_conversation,
            "thanks_sent": self.thanks_sent,
            "updates_sent": self.updates_sent,
            "network_size": self.network_size,
            "goals": self.goals.as_json(),
        }


@dataclass
class _Tally:
    """What a week's log holds: the contacts added, and the contact and kind of each entry."""

    new: list[str] = field(default_factory=list)
    reached: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def week_reports(
    weeks: list[Week], contacts: list[Contact], referred: set[str], goals: Goals
) -> list[WeekReport]:
    """Count each week in one pass; `referred` holds the ids whose referrer resolved."""
    tallies: dict[Week, _Tally] = defaultdict(_Tally)
    by_day: dict[date, _Tally] = {}  # a few hundred days: each day's week looked up once

    def tally_of(day: date) -> _Tally:
        tally = by_day[day] = tallies[Week.of(day)]
        return tally

    for c in contacts:
        cid = c.id
        if c.added is not None:
            (by_day.get(c.added) or tally_of(c.added)).new.append(cid)
        for e in c.log:
            tally = by_day.get(e.date) or tally_of(e.date)
            tally.reached.append(cid)
            tally.kinds.append(e.kind)
    firsts = sorted([c.log[0].date for c in contacts if c.log])
    return [_report(w, tallies.get(w) or _Tally(), firsts, referred, goals) for w in weeks]


def _report(week: Week, tally: _Tally, firsts: list[date], referred: set[str], goals: Goals) -> WeekReport:
    kinds = Counter(tally.kinds)
    return WeekReport(
        week=week,
        new_contacts=tuple(tally.new),
        reached=tuple(dict.fromkeys(tally.reached)),
        conversations=sum(kinds[k] for k in CONVERSATION_KINDS),
        referrals=tuple(cid for cid in tally.new if cid in referred),
        thanks_sent=kinds["thanks"],
        updates_sent=kinds["update"],
        network_size=bisect_right(firsts, week.end),
        goals=goals,
    )


def weeks_between(first: date, last: date) -> list[Week]:
    """List the ISO weeks from the one holding first to the one holding last."""
    weeks, week = [], Week.of(first)
    while week.start <= last:
        weeks.append(week)
        if week.end >= last:  # also stops before the week after 9999-12-31
            break
        week = week.next()
    return weeks
