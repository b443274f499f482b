"""Page keys: for each page, a digest of everything its default template reads from the model.

Two builds that give a page the same key give it the same bytes, so a page whose key is unchanged
need not be rendered again. The keys follow what the default templates read:

- every page (base.html): site title and owner, TODAY and whether there are errors or warnings
  (not how many: a page that showed the number of problems or contacts would change with every
  new warning or contact); with the whole configuration but the weekly goals, these make the
  global key, part of every other key (the goals are part of the keys of the pages that show
  weekly reports: the dashboard, the weeks list and the week pages);
- a contact page (contact.html): its own file (by content digest; with TODAY and the rules this
  decides its status, going-cold flag and due items), its resolved referrer and its problems; ids
  and names along its referral chain; the id and front matter (by digest) of each person it
  referred; its company and tag slugs; the answers its notes' wikilinks get (see
  CachedNotes.state);
- a company page: the company, and for each insider the chain of ids and names, role and badge;
- a tag page: the tag, and each member's id, name, company and badge;
- a week page: the week, its neighbours, the network size, the front matter (by digest) of each
  contact added or reached that week, and each new contact's referrer;
- the referral tree: the shape (see below), each referrer written that matched no contact, and each
  contact's id, name, company and badge;
- the list of companies: the shape, each company with its members, and each target company's
  members' role and badge;
- every other page (dashboard, lists, due, problems, the calendar): the global key, every
  problem, and the front matter (everything but the notes) of every contact file.

Those are the fine keys. A coarse key is checked first, and while it is unchanged the fine key
need not be computed at all. For a contact page it is the shape of the network (the global key,
each contact's id, name and path, the referral forest, the company and
tag slugs: everything but its own file, its own problems and its referrals' front matter that the
fine key reads, and more), its own file and problems, and the front matter of each person it
referred: logging a call re-checks only the pages of that person and their referrer. A build
keeps what those keys were made of (`Basis`), so that, while the shape is the same, the next
one computes the coarse keys of those pages alone; after a change of shape (a contact added,
renamed or referred by someone else), of those pages and the ones the change can reach
(`PageKeys.reshaped`): a new contact re-checks their referrer's page and the pages whose notes
ask for them, not ten thousand. For a company or tag page it is the global key, the group and its
members' front matter; a company page also shows its members' chains, so it is checked whenever
one of them may have changed since that build (`PageKeys.reached`). For every
other page it is the global key, every problem and every contact's front matter: it stays the same
when nothing but notes changed.

A journal with templates of its own gets no keys at all: its pages are always rendered. When a
default template starts to read something new, add it here; tests/test_build_cache.py compares
cached and uncached builds across many kinds of edits to catch a key that misses an input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from .digests import digest, value_digest
from .forest import CHAIN_WHOLE
from .journal import contact_id
from .model import Network
from .notes import CachedNotes
from .problems import problem_level
from .site import Page, SiteFacts


def page_keys(network: Network, files: Mapping[str, tuple[str, str]], templates: str) -> PageKeys:
    """Return the keys of this model's pages.

    files maps contact files to (content digest, front matter digest); templates is a digest of the
    template files in use (a long-lived Builder may see them change).
    """
    return PageKeys(network, files, templates)


def global_key(network: Network, templates: str) -> str:
    """Digest what every page shows or may depend on: templates, configuration, TODAY and how bad the
    problems are (no page but the dashboard and the Problems page counts them, or the contacts).

    The weekly goals are left out: only the pages that show weekly reports show them, and their
    keys add them (PageKeys.shared, _week), so that setting a goal renders no contact page again.
    """
    level = problem_level(network.problems)
    config = replace(network.config, goals=None)
    return _digest((templates, config, network.today.isoformat(), level))


@dataclass(frozen=True)
class ShapeParts:
    """What a shape is made of that a contact page's fine key reads: enough to tell, when the shape
    changes, whose pages the change can reach (see PageKeys.reshaped)."""

    top: str  # the global key
    names: dict[str, str]  # contact id -> name
    parent: Mapping[str, str | None]  # the forest's, after cycles were broken
    referrer: Mapping[str, str | None]  # what each referred_by resolved to
    company_pages: Mapping[str, str]  # company (case-folded) -> where its links lead
    tag_slugs: Mapping[str, str]  # tag (case-folded) -> slug


@dataclass(frozen=True)
class Basis:
    """What a build's coarse keys of contact pages were made of, beyond each page's own contact.

    While the shape is the same, a contact page whose file and problems are as they were, and whose
    referrals' front matter is, has the coarse key it had: it need not be computed again. After a
    change of shape, the same holds of the pages the change cannot reach, found from the parts of
    both shapes. Parts are not pickled with the basis: a journal's cache keeps them in a file of
    their own, read only when the shape changed (cache.save_shape).
    """

    shape: str
    files: Mapping[str, tuple[str, str]]  # contact file -> (content digest, front matter digest)
    problems: Mapping[str, str]  # contact file -> the digest of its problems, for files with any
    parts: ShapeParts | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "parts": None}


class PageKeys:
    """Compute page keys for one model, each in two grains.

    The coarse key of a page is the global key, every problem and every contact's front matter, plus
    a contact page's own file: while it is unchanged (an edit of notes, nothing changed at all), so is
    the page, and the fine key need not be computed. The fine key follows exactly what the page shows.

    Fine keys digest text: the repr of what a page shows, the parts many pages share (a contact's
    chain of referrers, how a contact looks in a list) made once each.
    """

    def __init__(self, network: Network, files: Mapping[str, tuple[str, str]], templates: str) -> None:
        self.network, self.files, self.facts = network, files, SiteFacts(network)
        self.chains: dict[str, str] = {}  # contact id -> the (id, name) of its chain as shown, as text
        self.faces: dict[str, str] = {}  # contact id -> its id, name, company and badge, as text
        self.reports: dict[Any, Any] | None = None  # week -> its report, made when first needed
        # The contacts whose chain may differ from the basis's build (None: unknown); see moved.
        self.rechained: set[str] | None = None
        self.top = global_key(network, templates)
        fronts = sorted((rel, front) for rel, (_, front) in files.items())
        self.shared = _digest((self.top, network.config.goals, fronts, network.problems))
        self.parts = self._parts()
        self.shape = self._shape()

    def coarse(self, page: Page) -> str:
        """Return a key that changes whenever anything the page's fine key reads changes, but for a
        company page's insiders' chains (see reached)."""
        if page.template == "contact.html":
            contact = page.context["contact"]
            path = contact.path
            own = (path, self.files.get(path), self.network.problems_by_path.get(path))
            return _text_digest(f"{self.shape}|{own!r}|{self._referred(contact.id)}")
        if page.template in ("company.html", "tag.html"):
            group = page.context["group"]
            fronts = "\0".join(map(self._front_digest, group.members))  # digests or "": none holds a NUL
            return _text_digest(f"{self.top}|{group!r}|{fronts}")
        return self.top if page.template == "404.html" else self.shared

    def reached(self, page: Page) -> bool:
        """Tell whether a page may have changed though its coarse key did not: a company page shows its
        insiders' chains, which its key leaves out, and one of them may differ from the basis's build
        (see moved; unknown before moved is asked)."""
        if page.template != "company.html":
            return False
        return self.rechained is None or not self.rechained.isdisjoint(page.context["group"].members)

    def _parts(self) -> ShapeParts:
        facts, forest = self.facts, self.network.forest
        names = {cid: c.name for cid, c in self.network.contacts.items()}
        slugs = (facts.company_pages, facts.tag_slugs)
        return ShapeParts(self.top, names, forest.parent, forest.referrer, *slugs)

    def _shape(self) -> str:
        """Digest the shape of the network: all a contact page's fine key reads of other contacts but
        its referrals' front matter (and more: the paths of their files). No page shows another
        contact's problems, only whether it has any (the contacts list), and that follows from its
        front matter and the shape."""
        parts, contacts = self.parts, self.network.contacts
        people = [(cid, c.name, c.path) for cid, c in contacts.items()]
        slugs = (parts.company_pages, parts.tag_slugs)
        return _digest((self.top, people, parts.parent, parts.referrer, slugs))

    def basis(self) -> Basis:
        """Return what this model's coarse keys of contact pages are made of (see moved)."""
        return Basis(self.shape, self.files, self.problem_digests, self.parts)

    def moved(self, last: Basis | None, notes: CachedNotes | None = None) -> set[str] | None:
        """Return the contacts whose page's coarse key may differ from the one made on basis last: those
        whose file or problems differ, the referrers of those whose front matter does, and, if the
        shape changed, those the change can reach (see reshaped: notes tells what notes' wikilinks
        ask for). None when any may (last or its parts are unknown, or the global key changed)."""
        if last is None:
            return None
        if last.shape == self.shape:
            moved: set[str] | None = set()
            self.rechained = set()
        else:
            moved = self.reshaped(last.parts, notes)
        if moved is None:
            return None
        files, parent = self.files, self.network.forest.parent
        differ = _differing(files, last.files) | _differing(self.problem_digests, last.problems)
        if not differ:
            return moved
        for cid, contact in self.network.contacts.items():
            path = contact.path
            if path in differ:
                moved.add(cid)
                now, then, up = files.get(path), last.files.get(path), parent[cid]
                if up is not None and (now is None or then is None or now[1] != then[1]):
                    moved.add(up)
        return moved

    def reshaped(self, then: ShapeParts | None, notes: CachedNotes | None) -> set[str] | None:
        """Return the contacts whose page a change of shape from then can change, beyond what their own
        files and their referrals' front matter change (None: any page may; then unknown, or the global
        key changed); record in rechained the contacts whose chain may have changed (for reached).
        A contact page reads of the shape its referrer, its chain of ids and names, the
        ids of the people it referred, its company and tag links and what its notes' wikilinks find:
        - a contact added, removed or renamed, or whose referrer changed: its page and its old and new
          referrers' (their referrals; a renamed contact's referrer is found by moved, as its front
          matter changed), and the pages of everyone below it (their chains);
        - a company or tag whose link changed: its people's pages;
        - a wikilink's answer can change only if its target is the id or the old or new name of a
          contact added, removed or renamed: the pages whose notes ask for one (or were never
          rendered, so what they ask for is unknown)."""
        if then is None or then.top != self.top:
            return None
        now = self.parts
        changed = _differing(now.names, then.names)
        tops, referrers = set(changed), set()
        for cid in _differing(now.parent, then.parent) | _differing(now.referrer, then.referrer):
            tops.add(cid)
            referrers.update(c for c in (now.parent.get(cid), then.parent.get(cid)) if c is not None)
        self.rechained = tops | self._below(tops)
        companies = _differing(now.company_pages, then.company_pages)
        moved = (
            self.rechained | referrers | self._linked_to(companies, _differing(now.tag_slugs, then.tag_slugs))
        )
        names = (name for cid in changed for name in (cid, now.names.get(cid), then.names.get(cid)))
        return moved | self._asking({name.casefold() for name in names if name}, notes)

    def _below(self, tops: set[str]) -> set[str]:
        """Return everyone below the given contacts in the forest."""
        children, found = self.network.forest.children, set()
        todo = [cid for cid in tops if cid in children]
        while todo:
            for kid in children[todo.pop()]:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
        return found

    def _linked_to(self, companies: set[str], tags: set[str]) -> set[str]:
        """Return the members of the companies and tags named (case-folded, as groups are keyed)."""
        network = self.network
        linked = [g for g in network.companies if g.name.casefold() in companies]
        linked += [g for g in network.tags if g.name.casefold() in tags]
        return {cid for group in linked for cid in group.members}

    def _asking(self, targets: set[str], notes: CachedNotes | None) -> set[str]:
        """Return the contacts whose notes have a wikilink to one of targets (case-folded), or may."""
        if not targets:
            return set()
        found = set()
        for cid, c in self.network.contacts.items():
            # A wikilink asks for the case fold of its stripped text, which the case fold of the notes
            # then holds (Python-Markdown finds wikilinks after expanding tabs): notes that hold no
            # target are passed over without their memo entry, which would read every notes shard
            # and digest every note (40 ms at 10,000 contacts, for a contact added).
            if "[[" not in c.notes:
                continue
            folded = c.notes.casefold()
            if "\t" in folded:
                folded += "\n" + c.notes.expandtabs(4).casefold()
            if not any(t in folded for t in targets):
                continue
            asked = notes.asked(c.notes) if notes is not None else None
            if asked is None or any(t.strip().casefold() in targets for t in asked):
                found.add(cid)
        return found

    @cached_property
    def problem_digests(self) -> dict[str, str]:
        """Map each file with problems to the digest of its problems."""
        return {path: _digest(found) for path, found in self.network.problems_by_path.items()}

    def fine(self, page: Page, notes: CachedNotes, then: str | None = None) -> str | None:
        """Return the key of one page: for a contact page, with the answers its notes' wikilinks get
        (None while the notes were never rendered); then is the page's fine key of an earlier build,
        if known (see week_key)."""
        if page.template == "contact.html":
            contact = page.context["contact"]
            state = notes.state(contact.notes)
            return None if state is None else _text_digest(f"{self.top}|{self._contact(contact)}|{state!r}")
        if page.template == "week.html":
            return self.week_key(page, then)
        makers = {
            "company.html": self._company,
            "tag.html": self._tag,
            "tree.html": self._tree,
            "companies.html": self._company_list,
            "problems.html": self._problems,
        }
        maker = makers.get(page.template)
        if maker is not None:
            return _text_digest(f"{self.top}|{maker(page.context)}")
        return self.top if page.template == "404.html" else self.shared

    def report(self, week: Any) -> Any:
        """Return the report of a week."""
        if self.reports is None:
            self.reports = {r.week: r for r in self.network.week_reports}
        return self.reports[week]

    def badge(self, cid: str) -> tuple[str, bool]:
        return self.network.status[cid], self.network.is_stale(cid)

    def person(self, cid: str) -> tuple[str, str]:
        return cid, self.network.contacts[cid].name

    def chain(self, cid: str) -> str:
        """Return the ids and names of a contact's chain as pages show it, as text (each made once: a
        short one from the chain above it)."""
        text = self.chains.get(cid)
        if text is None:
            forest = self.network.forest
            up = forest.parent[cid]
            if forest.degree[cid] > CHAIN_WHOLE:
                ids, hidden = forest.chain_ends(cid)
                text = f"{''.join(repr(self.person(i)) for i in ids)}|{hidden}"
            else:  # the chain above is shorter still: this recursion is short
                text = ("" if up is None else self.chain(up)) + repr(self.person(cid))
            self.chains[cid] = text
        return text

    def face(self, cid: str) -> str:
        """Return how a contact shows in a list of people: id, name, company and badge, as text."""
        text = self.faces.get(cid)
        if text is None:
            text = self.faces[cid] = repr(
                (cid, self.network.contacts[cid].name, self.network.contacts[cid].company, *self.badge(cid))
            )
        return text

    def front(self, cid: str) -> str:
        """Return a contact's id and the digest of its front matter, as text: all a list shows of it."""
        return f"{cid}\0{self.front_digests.get(cid, '')}\0"

    @cached_property
    def _front_digest(self) -> Callable[[str], str]:
        """Return the function that gives a contact's front matter digest ("" where unknown)."""
        return defaultdict(str, self.front_digests).__getitem__

    @cached_property
    def fronts(self) -> dict[str, str]:
        """Map each contact id to front(id), made all at once for the week pages' keys, which read
        nearly everyone's. Each ends in a NUL, which no id (a file name) holds: joined, they still
        tell each contact apart (and are made in a third of the time of a tuple's repr)."""
        found = self.front_digests
        return {cid: f"{cid}\0{found.get(cid, '')}\0" for cid in self.network.contacts}

    @cached_property
    def front_digests(self) -> dict[str, str]:
        """Map each contact id to the digest of its front matter, where known (the long pages' rows
        and the company and tag pages' keys read everyone's)."""
        files = self.files
        return {cid: files[c.path][1] for cid, c in self.network.contacts.items() if c.path in files}

    def _contact(self, contact: Any) -> str:
        """Return what a contact page depends on: its file (its status, badge and due items follow
        from it and the global key), referrer, problems, slugs, chain and referrals' front matter."""
        facts, network, path = self.facts, self.network, contact.path
        problems = tuple(network.problems_by_path.get(path, ()))
        company = facts.company_page(contact.company)
        slugs = tuple(facts.tag_slugs.get(t.casefold()) for t in contact.tags)
        own = (path, self.files.get(path), network.forest.referrer[contact.id], problems, company, slugs)
        return f"{own!r}|{self.chain(contact.id)}|{self._referred(contact.id)}"

    def _referred(self, cid: str) -> str:
        """Return the ids and front matter digests of the people a contact referred, as text."""
        return "".join(self.front(r) for r in self.network.forest.children[cid])

    def _company(self, context: dict[str, Any]) -> str:
        group = context["group"]
        insiders = [(self.chain(m), self.network.contacts[m].role, *self.badge(m)) for m in group.members]
        return repr((group, insiders))

    def _tag(self, context: dict[str, Any]) -> str:
        group = context["group"]
        return repr(group) + "".join(self.face(m) for m in group.members)

    def _company_list(self, context: dict[str, Any]) -> str:
        """Return what the list of companies shows: the shape (ids, names, slugs), every company with
        its members (whether it has a page follows), and each target company's members' role and
        badge: so a call logged on anyone else leaves it as it was."""
        contacts, groups = self.network.contacts, context["groups"]
        insiders = [(m, contacts[m].role, *self.badge(m)) for g in groups if g.target for m in g.members]
        return f"{self.shape}|{groups!r}|{insiders!r}"

    def _problems(self, context: dict[str, Any]) -> str:
        """Return what the Problems page shows: every problem, and for each contact file with any,
        the name of its contact, if it is in the site (so a call logged on a contact whose
        problems are as they were leaves it as it was)."""
        contacts = self.network.contacts
        named = []
        for path in context["by_path"]:
            contact = contacts.get(contact_id(path))
            named.append(contact.name if contact is not None and contact.path == path else None)
        return f"{self.problem_key}|{named!r}"

    @cached_property
    def problem_key(self) -> str:
        """Return the digest of every problem."""
        return _digest(self.network.problems)

    def _tree(self, context: dict[str, Any]) -> str:
        """Return what the tree shows: the shape (the forest, ids and names), each referrer written that
        matched no contact, and how each contact looks in a list (company and badge): so an edit that
        changes none of them (a phone number, a role, most logged calls) leaves it as it was."""
        network, ids = self.network, list(self.network.contacts)
        companies = [c.company for c in network.contacts.values()]
        badges = [network.status[cid] for cid in ids], [cid for cid in ids if network.is_stale(cid)]
        return f"{self.shape}|{network.forest.unresolved!r}|{companies!r}|{badges!r}"

    def week_key(self, page: Page, then: str | None) -> str:
        """Return a week page's key in two parts, joined by WEEK_PARTS: a digest of the front matter of
        everyone it lists (_week: quick to make for every week), then a digest of what it shows of
        them (_week_shown: each entry of the week, read from the log). The second part is kept from
        then while the first is the same, and worked out again only when it is not: a call logged on
        someone changes their front matter, and so the first part of every week that lists them,
        but the page of only the week it was logged in (same_week_shown tells it)."""
        listed = _text_digest(f"{self.top}|{self._week(page.context)}")
        if then is not None and then.startswith(listed + WEEK_PARTS):
            return then
        return f"{listed}{WEEK_PARTS}{_text_digest(f'{self.top}|{self._week_shown(page)}')}"

    def _week_shown(self, page: Page) -> str:
        """Return what a week page shows: its report (figures, goals, who was added and reached), its
        neighbours, each new contact's name and company and its referrer's name, and each entry's
        day, kind and note with its contact's name, in the page's order (not an entry's line)."""
        shown = page.lazy()  # type: ignore[misc]  # a week page's report and interactions
        report, contacts = shown["report"], self.network.contacts
        referrer, referrals = self.network.forest.referrer, set(report.referrals)
        new = [
            (contacts[c].name, contacts[c].company, contacts[referrer[c]].name if c in referrals else None)  # type: ignore[index]
            for c in report.new_contacts
        ]
        entries = [(e.date, e.kind, e.label, e.note, c.id, c.name) for e, c in shown["interactions"]]
        neighbours = page.context["previous"], page.context["next"]
        return f"{report!r}|{neighbours!r}|{new!r}|{entries!r}"

    def _week(self, context: dict[str, Any]) -> str:
        """Return what a week page depends on: its week, neighbours and network size, and the front
        matter of each contact added or reached that week, from which the rest of its report and
        all the page shows of them follow (with the global key: TODAY and the goals)."""
        report, referrer, fronts = self.report(context["week"]), self.network.forest.referrer, self.fronts
        referred = set(report.referrals)
        # A new contact shows who referred it, by name: the front matter of the referrer (a lone NUL
        # if none; no front is one).
        new = "".join(
            [fronts[c] + (fronts[referrer[c]] if c in referred else "\0") for c in report.new_contacts]  # type: ignore[index]
        )
        seen = "".join(map(fronts.__getitem__, report.reached))
        week = (report.week, report.network_size, report.goals, context["previous"], context["next"])
        return f"{week!r}|{new}|{seen}"


WEEK_PARTS = "|"  # between the two parts of a week page's key (see PageKeys.week_key): no digest holds it


def same_week_shown(key: str, then: str) -> bool:
    """Tell whether two keys of a week page (see PageKeys.week_key) say it shows the same."""
    _, cut, shown = key.partition(WEEK_PARTS)
    return bool(cut) and shown == then.partition(WEEK_PARTS)[2]


def _digest(value: object) -> str:
    return value_digest(value)  # a third of the time of its repr's digest, and as exact


def _text_digest(text: str) -> str:
    return digest(text.encode("utf-8", "surrogatepass"))


def _differing(now: Mapping[str, Any], then: Mapping[str, Any]) -> set[str]:
    """Return the keys whose (hashable) values differ between two mappings (missing in one counts),
    told by set operations: at 10,000 contacts, 1 ms rather than 5 for a loop over the keys."""
    if now == then:
        return set()
    return {key for key, _ in now.items() ^ then.items()}
