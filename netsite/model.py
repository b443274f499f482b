"""The model: a journal and TODAY turned into everything the views show. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from operator import attrgetter

from .config import Config, Rules
from .contact import Contact
from .digests import value_digest
from .due import DueItem, LogFacts, contact_due, days_after, log_facts, sort_due
from .forest import Forest, Resolver, build_forest
from .groups import Group, companies, tags
from .journal import Journal
from .problems import Problem, sort_problems
from .weekly import Week, WeekReport, week_reports, weeks_between

MAX_WEEKS = 520  # ten years of weekly pages


@dataclass(frozen=True)
class Network:
    """Contacts with their derived facts, the forest, due items, groups and every problem."""

    today: date
    config: Config
    contacts: dict[str, Contact]
    status: dict[str, str]
    last_contact: dict[str, date | None]
    forest: Forest
    due: tuple[DueItem, ...]
    problems: tuple[Problem, ...]

    def is_stale(self, contact_id: str) -> bool:
        """Tell whether a contact in touch has gone quiet for longer than stale_days."""
        last = self.last_contact[contact_id]
        quiet = self.config.rules.stale_days
        return last is not None and self.status[contact_id] != "dormant" and (self.today - last).days > quiet

    def warm(self) -> None:
        """Make now what pages use of the model that is otherwise made when first asked for."""
        for name in ("by_name", "companies", "tags", "week_reports"):
            getattr(self, name)

    @cached_property
    def by_name(self) -> list[Contact]:
        """Return contacts ordered by name (case-insensitive), then id."""
        return sorted(self.contacts.values(), key=lambda c: (c.name.casefold(), c.id))

    @cached_property
    def weeks(self) -> list[Week]:
        """Return the ISO weeks from the first log entry to TODAY, at most MAX_WEEKS of them."""
        firsts = [c.log[0].date for c in self.contacts.values() if c.log]
        start = min([*firsts, self.today])
        # A typo such as 0202-11-06 must not make a hundred thousand pages.
        return weeks_between(start, self.today)[-MAX_WEEKS:]

    @cached_property
    def week_reports(self) -> list[WeekReport]:
        """Return the weekly report of every week in weeks (computed once, when first asked for)."""
        return self.reports(self.weeks)

    def reports(self, weeks: list[Week]) -> list[WeekReport]:
        """Return the weekly report for each week."""
        referred = {cid for cid, up in self.forest.referrer.items() if up is not None}
        contacts = list(self.contacts.values())
        return week_reports(weeks, contacts, referred, self.config.goals)

    @cached_property
    def companies(self) -> list[Group]:
        return companies(self.by_name, self.config.target_companies)

    @cached_property
    def tags(self) -> list[Group]:
        return tags(self.by_name)

    @cached_property
    def log_size(self) -> int:
        """Count the log entries of every contact."""
        return sum(map(len, map(attrgetter("log"), self.contacts.values())))

    @cached_property
    def problems_by_path(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.path, []).append(problem)
        return grouped


# What the model derives from one contact alone (given whether its referrer resolved): its last
# touch, status, problems and due items. A plain tuple: ten thousand are made for a model.
_Derived = tuple[date | None, str, list[Problem], list[DueItem]]


_Known = dict[str, tuple[Contact, bool, _Derived]]  # contact id -> that contact, has_referrer, facts


@dataclass
class ModelMemo:
    """What build_network derived from each contact in a long-lived process's last build (serve's), to
    reuse for the very Contact objects the parse cache hands on again while their files are the same.

    A logged call then derives one contact's facts rather than ten thousand, and the referral forest
    is made again only when an id, name, referrer or file path changed.

    `netsite build` keeps only the forest, in the build cache, with the digest of what it was made of
    (referrals): the contacts of the build that made it are not at hand in a new process.
    """

    contacts: tuple[Contact, ...] = ()  # those of the build the forest was made or checked for
    forest: tuple[Forest, list[Problem]] | None = None
    referrals: str | None = None  # referral_digest of the forest's contacts, when it is kept on disk
    context: tuple[date, Rules] | None = None  # what each contact's facts were derived for
    derived: _Known = field(default_factory=dict)


def build_network(
    journal: Journal, today: date, resolver: Resolver | None = None, memo: ModelMemo | None = None
) -> Network:
    """Compute everything about a journal as of today (resolver: one made already for its contacts;
    memo: what an earlier call derived, to reuse and renew)."""
    contacts = list(journal.contacts)
    forest, forest_problems = _forest(contacts, resolver, memo)
    rules = journal.config.rules
    known = _known(memo, today, rules)
    remember = memo is not None and memo.referrals is None  # a memo kept on disk holds the forest only
    status: dict[str, str] = {}
    problems = [*journal.problems, *forest_problems]
    due: list[DueItem] = []
    last: dict[str, date | None] = {}
    for c in contacts:
        has_referrer = forest.referrer[c.id] is not None
        facts = (known and _reused(known, c, has_referrer)) or _derived(c, has_referrer, rules, today)
        if remember:
            memo.derived[c.id] = (c, has_referrer, facts)  # type: ignore[union-attr]
        last[c.id], status[c.id], found, owed = facts
        problems.extend(found)
        due.extend(owed)
    return Network(
        today=today,
        config=journal.config,
        contacts={c.id: c for c in contacts},
        status=status,
        last_contact=last,
        forest=forest,
        due=tuple(sort_due(due)),
        problems=tuple(sort_problems(problems)),
    )


def _forest(
    contacts: list[Contact], resolver: Resolver | None, memo: ModelMemo | None
) -> tuple[Forest, list[Problem]]:
    """Build the forest, or take memo's if no contact's id, name, referrer or path changed since."""
    if memo is None:
        return build_forest(contacts, resolver)
    if memo.referrals is not None:  # kept on disk: what it was made of is known by digest only
        now = referral_digest(contacts)
        if memo.forest is None or now != memo.referrals:
            forest, problems = build_forest(contacts, resolver)
            memo.forest = forest.settle(), problems
        memo.referrals = now
    else:
        if memo.forest is None or not _same_referrals(memo.contacts, contacts):
            memo.forest = build_forest(contacts, resolver)
        memo.contacts = tuple(contacts)
    forest, problems = memo.forest
    return forest, _relined(problems, contacts)


def _relined(problems: list[Problem], contacts: Sequence[Contact]) -> list[Problem]:
    """Return the forest's problems at the lines their contacts' `referred_by` stand at now: a forest
    is reused while no id, name, referrer or path changed, yet a line added above a referrer (a log
    entry, before it) moves it."""
    if not problems:
        return problems
    paths = {p.path for p in problems}
    line = {c.path: c.line("referred_by") for c in contacts if c.path in paths}
    return [p if p.line == line[p.path] else replace(p, line=line[p.path]) for p in problems]


def _same_referrals(then: Sequence[Contact], now: Sequence[Contact]) -> bool:
    """Tell whether two lists of contacts give the same forest (and the same problems with it)."""
    if len(then) != len(now):
        return False
    return all(a is b or _referral(a) == _referral(b) for a, b in zip(then, now, strict=True))


def referral_digest(contacts: Sequence[Contact]) -> str:
    """Digest all that build_forest reads of the contacts (10 ms for 10,000; building takes 40)."""
    return value_digest(list(map(_referral, contacts)))


def _referral(c: Contact) -> tuple[object, ...]:
    """Return all that build_forest reads of a contact, but the line of its referrer (_relined)."""
    return c.id, c.name, c.referred_by, c.path


def _known(memo: ModelMemo | None, today: date, rules: Rules) -> _Known:
    """Return the facts memo holds for this TODAY and these rules (none if it holds others), and start
    its new set, which will hold the facts of this build's contacts only."""
    if memo is None:
        return {}
    known = memo.derived if memo.context == (today, rules) else {}
    memo.context, memo.derived = (today, rules), {}
    return known


def _reused(known: _Known, c: Contact, has_referrer: bool) -> _Derived | None:
    """Return the facts derived before from this very contact object, its referrer resolving as now."""
    hit = known.get(c.id)
    return hit[2] if hit is not None and hit[0] is c and hit[1] == has_referrer else None


def _derived(c: Contact, has_referrer: bool, rules: Rules, today: date) -> _Derived:
    """Derive what the model needs of one contact: its last touch, status, problems and due items."""
    facts = log_facts(c)
    status, status_problems = derive_status(c, facts)
    problems = status_problems + _gap_problems(c, facts.last, rules.min_gap_days)
    return facts.last, status, problems, contact_due(c, status, has_referrer, rules, today, facts)


def derive_status(contact: Contact, facts: LogFacts | None = None) -> tuple[str, list[Problem]]:
    """Return the explicit status, else met / contacted / identified from the log (facts: its
    log_facts, if known)."""
    talked = (facts or log_facts(contact)).talked is not None
    derived = "met" if talked else "contacted" if contact.log else "identified"
    if contact.status is None:
        return derived, []
    if contact.status == "identified" and talked:
        message = "status is 'identified' but conversations are logged; keeping 'identified'"
        return contact.status, [Problem(contact.path, contact.line("status"), "warning", message)]
    return contact.status, []


def _gap_problems(contact: Contact, last: date | None, min_gap_days: int) -> list[Problem]:
    planned = contact.next_follow_up
    if last is None or planned is None or planned >= days_after(last, min_gap_days):
        return []
    message = (
        f"next_follow_up {planned} is {(planned - last).days} days after the last contact "
        f"({last}); wait at least {min_gap_days} days so as not to pester"
    )
    return [Problem(contact.path, contact.line("next_follow_up"), "warning", message)]
