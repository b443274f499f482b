"""HTML fragments that pages repeat thousands of times, made in Python.

A person's link, a status badge, a referral chain, and the rows of the long lists (contacts, due
items, the referral tree, log entries) appear hundreds of thousands of times at 10,000 contacts.
As Jinja macros and loops they were the biggest share of a build (a macro call costs about ten
microseconds); here the small ones are a dictionary lookup after the first. Every value is
escaped. Links are relative, so there is one `Fragments` per folder depth. The golden tests hold
the bytes they make to what the templates made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

from .contact import LOG_CLASSES, Contact, LogEntry
from .due import DueItem
from .escaping import escape_text as esc
from .forest import CHAIN_HEAD, CHAIN_WHOLE, chain_shown
from .model import Network
from .notes import contact_href
from .problems import problem_level
from .words import format_day, plural

if TYPE_CHECKING:
    from .rowmemo import RowMemo

_STALE = ' <span class="badge stale" title="no interaction for over {} days">going cold</span>'
_ARROW = ' <span class="arrow" aria-hidden="true">→</span> '
# The site's sections, for the navigation bar: (page, label, the first part of its pages' paths).
SECTIONS = tuple(
    (path, label, path.split("/")[0])
    for path, label in [
        ("index.html", "Dashboard"),
        ("due.html", "Due"),
        ("contacts/index.html", "Contacts"),
        ("tree.html", "Referral tree"),
        ("weeks/index.html", "Weeks"),
        ("companies/index.html", "Companies"),
        ("tags/index.html", "Tags"),
        ("problems.html", "Problems"),
    ]
)


def contact_url(contact_id: str) -> str:
    """Return a contact page's path from the site root."""
    return f"contacts/{contact_href(contact_id)}"


def due_when(item: DueItem) -> Markup:
    """Say when a due item is due: `3 days overdue`, `today`, `in 2 days`."""
    days = item.overdue_days
    if days > 0:
        return Markup(f'<span class="late">{plural(days, "day")} overdue</span>')  # digits and "days"
    if days == 0:
        return Markup('<span class="today">today</span>')
    return Markup(f'<span class="soon">in {plural(-days, "day")}</span>')


def due_label(item: DueItem) -> str:
    """Say what a due item asks for."""
    if item.kind == "thank-you":
        return "Send a thank-you"
    if item.kind == "follow-up":
        return "Follow up"
    return "Reach out (warm lead)" if item.warm else "Reach out (cold)"


class ContactRow(NamedTuple):
    """One row of the contacts list: a contact with the values the row shows, looked up once.

    A named tuple: ten thousand are made for one page, and a frozen dataclass takes five times as long.
    """

    contact: Contact
    status: str
    degree: int
    referrer: Contact | None
    last: date | None
    company_page: str | None  # from the site root
    company_key: str  # what the company filter matches
    tags: list[tuple[str, str | None]]  # each tag with its page
    tags_key: str  # what the tag filter matches
    has_problems: bool


class Chain(Sequence[Contact]):
    """The contacts from a root of the referral forest down to one of them (tip), in order.

    Pages read its length, its last few and (through chain_path) its ends: only a template that
    asks for more of a long chain walks the whole of it.
    """

    def __init__(self, network: Network, tip: str) -> None:
        self.network, self.tip = network, tip

    def __len__(self) -> int:
        return self.network.forest.degree[self.tip]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int) and -len(self) <= index < 0:  # the referrer, say: a few steps up
            node = self.tip
            for _ in range(-index - 1):
                node = self.network.forest.parent[node]  # type: ignore[assignment]
            return self.network.contacts[node]
        return self._whole()[index]

    def __iter__(self) -> Iterator[Contact]:
        return iter(self._whole())

    def _whole(self) -> list[Contact]:
        return [self.network.contacts[cid] for cid in self.network.forest.chain(self.tip)]


class ContactRows:
    """The rows of the contacts list, each made as it is reached: a row the page kept needs none."""

    def __init__(self, people: Sequence[Contact], make: Callable[[Contact], ContactRow]) -> None:
        self.people, self.make = people, make

    def __iter__(self) -> Iterator[ContactRow]:
        return map(self.make, self.people)

    def __len__(self) -> int:
        return len(self.people)


class _RowOf:
    """A contact's row of the contacts list, made when first asked for: by its place or its HTML."""

    __slots__ = ("contact", "made", "make")

    def __init__(self, make: Callable[[Contact], ContactRow], contact: Contact) -> None:
        self.make, self.contact = make, contact
        self.made: ContactRow | None = None

    def row(self) -> ContactRow:
        if self.made is None:
            self.made = self.make(self.contact)
        return self.made

    def place(self) -> tuple[Any, ...]:
        """Return what the row shows of the rest of the network."""
        row = self.row()
        referrer = row.referrer and (row.referrer.id, row.referrer.name)
        return row.degree, referrer, row.company_page, tuple(row.tags), row.has_problems


_PROBLEM_FLAG = ' <span class="badge warn" title="has problems">!</span>'
_ME = '<span class="muted">me</span>'


def _nesting(above: int, degree: int) -> str:
    """Return what opens or closes lists between a tree node at degree above and the next, at degree."""
    return "<ul>" if degree > above else "</li>" + "</ul></li>" * (above - degree)


def _timeline_item(entry: LogEntry) -> str:
    note = f" {esc(entry.note)}" if entry.note else ""
    return (
        f'<li class="kind-{esc(entry.kind)}"><time datetime="{entry.date.isoformat()}">'
        f"{esc(format_day(entry.date, 'long'))}</time>\n{_log_badge(entry)}{note}</li>\n"
    )


def _log_badge(entry: LogEntry) -> str:
    return _badge(entry.kind, entry.label)


@cache  # a few kinds, tens of thousands of entries
def _badge(kind: str, label: str) -> str:
    return f'<span class="badge log-{esc(LOG_CLASSES[kind])}">{esc(label)}</span>'


class Fragments:
    """The repeated fragments of pages whose links start with root (`""`, `"../"`, …).

    They are built as plain strings (Markup's operators escape and check every piece) and marked
    safe once; every value in them is escaped.
    """

    def __init__(self, network: Network, root: str) -> None:
        self.network, self.root = network, root
        self._people: dict[str, Markup] = {}
        self._badges: dict[str, Markup] = {}
        self._chains: dict[str, str] = {}  # contact id -> the links of its chain after "me"
        self._navs: dict[str, Markup] = {}
        self._links_made: dict[tuple[str, str, str], str] = {}
        self.memo: RowMemo | None = None  # the rows kept by the page being rendered, if it keeps them

    def url(self, target: str) -> str:
        """Return the link to a path given from the site root."""
        return self.root + target

    def person(self, contact: Contact) -> Markup:
        """Return a link to the contact's page, named."""
        html = self._people.get(contact.id)
        if html is None:
            href = esc(self.root + contact_url(contact.id))
            html = self._people[contact.id] = Markup(f'<a href="{href}">{esc(contact.name)}</a>')
        return html

    def status_badge(self, contact_id: str) -> Markup:
        """Return the contact's status badge, and a 'going cold' one when it applies."""
        html = self._badges.get(contact_id)
        if html is None:
            status = esc(self.network.status[contact_id])
            text = f'<span class="badge status-{status}">{status}</span>'
            if self.network.is_stale(contact_id):
                text += _STALE.format(esc(self.network.config.rules.stale_days))
            html = self._badges[contact_id] = Markup(text)
        return html

    def section_nav(self, section: str) -> Markup:
        """Return the links of the navigation bar, the current section's marked (the same on every page)."""
        html = self._navs.get(section)
        if html is None:
            html = self._navs[section] = Markup("\n".join(self._nav_link(*s, section) for s in SECTIONS))
        return html

    def _nav_link(self, target: str, label: str, part: str, section: str) -> str:
        current = ' aria-current="page"' if part == section else ""
        count = ""
        level = problem_level(self.network.problems) if target == "problems.html" else ""
        if level:
            # Their number is on the Problems page and the dashboard: shown on every page, each new
            # warning (a call logged before a planned follow-up, say) would change every page.
            words = "errors" if level == "bad" else "warnings"
            count = f' <span class="count {level}" title="{words} to fix">!</span>'
        return f'    <a href="{esc(self.url(target))}"{current}>{esc(label)}{count}</a>'

    def chain_path(self, chain: Sequence[Contact]) -> Markup:
        """Return `me → A → B`, each a link; a long chain by its ends (see Forest.chain_ends)."""
        links = self._forest_links(chain.tip) if isinstance(chain, Chain) else self._links(list(chain))
        return Markup(f'<span class="chain">me{links}</span>')

    def _links(self, chain: list[Contact]) -> str:
        """Return the arrows and links of any chain of contacts."""
        return self._elided(*chain_shown(chain))

    def _forest_links(self, tip: str) -> str:
        """Return the links of the chain of the referral forest down to tip, each made once (a short
        one from the chain above it)."""
        links = self._chains.get(tip)
        if links is None:
            forest, contacts = self.network.forest, self.network.contacts
            up = forest.parent[tip]
            if forest.degree[tip] > CHAIN_WHOLE:
                ids, hidden = forest.chain_ends(tip)
                links = self._elided([contacts[cid] for cid in ids], hidden)
            else:  # the chain above is at most CHAIN_WHOLE - 1 long: this recursion is short
                above = "" if up is None else self._forest_links(up)
                links = f"{above}{_ARROW}{self.person(contacts[tip])}"  # not +: Markup would escape the arrow
            self._chains[tip] = links
        return links

    def _elided(self, shown: list[Contact], hidden: int) -> str:
        """Return the links of the people shown of a chain, with how many are left out (if any) after
        the first CHAIN_HEAD."""
        links = [f"{_ARROW}{self.person(c)}" for c in shown]
        if hidden:
            links.insert(CHAIN_HEAD, f'{_ARROW}<span class="muted">… {hidden} more …</span>')
        return "".join(links)

    def insider_paths(self, paths: Sequence[Sequence[Contact]]) -> Markup:
        """Return a company's paths in, one list item per insider: the chain, role and badge."""
        return Markup("".join(map(self._insider_path, paths)))

    def _insider_path(self, chain: Sequence[Contact]) -> str:
        insider = chain[-1]
        role = f' <span class="muted">({esc(insider.role)})</span>' if insider.role else ""
        return f"<li>{self.chain_path(chain)}{role} {self.status_badge(insider.id)}</li>\n"

    def _link(self, target: str, text: str, attributes: str) -> str:
        """Return a link to a page given from the site root (each made once: companies and tags repeat)."""
        key = (target, text, attributes)
        html = self._links_made.get(key)
        if html is None:
            html = self._links_made[key] = f'<a{attributes} href="{esc(self.root + target)}">{esc(text)}</a>'
        return html

    def contact_rows(self, rows: Iterable[ContactRow]) -> Markup:
        """Return the rows of the contacts table (ten thousand of them: a Jinja loop took half a second);
        with the rows the page kept, a marker its bytes get them at (RowMemo.hold)."""
        memo = self.memo
        if memo is None or not isinstance(rows, ContactRows):
            return Markup("".join(map(self._contact_row, rows)))
        people, make = rows.people, rows.make
        ids = [c.id for c in people]
        made: dict[int, _RowOf] = {}

        def row_of(i: int) -> _RowOf:
            of = made.get(i)
            if of is None:
                of = made[i] = _RowOf(make, people[i])
            return of

        def html(i: int) -> bytes:
            return self._contact_row(row_of(i).row()).encode()

        return Markup(memo.hold(memo.block(ids, ids, html, lambda i: row_of(i).place())))

    def _contact_row(self, row: ContactRow) -> str:
        c = row.contact
        company = self._link(row.company_page, c.company or "", "") if row.company_page else ""
        referrer = self.person(row.referrer) if row.referrer else _ME
        last = (esc(row.last.isoformat()), esc(format_day(row.last))) if row.last else ("", "–")
        tags = "".join(self._link(page or "", tag, ' class="tag"') + " " for tag, page in row.tags)
        status = esc(row.status)
        return (
            f'<tr data-status="{status}" data-company="{esc(row.company_key)}"\n'
            f'    data-tags="{esc(row.tags_key)}" data-degree="{row.degree}">\n'
            f"<td>{self.person(c)}{_PROBLEM_FLAG if row.has_problems else ''}</td>\n"
            f"<td>{company}</td>\n"
            f"<td>{esc(c.role or '')}</td>\n"
            f'<td data-value="{status}">{self.status_badge(c.id)}</td>\n'
            f"<td>{row.degree}</td>\n"
            f"<td>{referrer}</td>\n"
            f'<td data-value="{last[0]}">{last[1]}</td>\n'
            f"<td>{tags}</td>\n"
            "</tr>\n"
        )

    def due_table(self, items: Sequence[DueItem], show_contact: bool = True) -> Markup:
        """Return a table of due items (every contact page has one, and the Due page lists them all)."""
        who = "<th>Who</th><th>Company</th>" if show_contact else ""
        rows = self._due_rows(items, show_contact)
        return Markup(
            '<div class="scroll"><table class="due">\n'
            f"<thead><tr><th>Due</th><th>When</th><th>What</th>{who}</tr></thead>\n"
            f"<tbody>\n{rows}</tbody>\n</table></div>"
        )

    def _due_rows(self, items: Sequence[DueItem], show_contact: bool) -> str:
        memo = self.memo
        if memo is None:
            return "".join([self._due_row(i, show_contact) for i in items])
        keys = [(i.kind, i.contact, show_contact) for i in items]
        # Of the rest of the network a row shows only whether its contact was referred (item.warm).
        block = memo.block(
            keys,
            [i.contact for i in items],
            lambda n: self._due_row(items[n], show_contact).encode(),
            lambda n: items[n].warm,
        )
        return memo.hold(block)

    def _due_row(self, item: DueItem, show_contact: bool) -> str:
        late = " overdue" if item.overdue_days > 0 else ""
        who = ""
        if show_contact:
            contact = self.network.contacts[item.contact]
            who = f"<td>{self.person(contact)}</td><td>{esc(contact.company or '')}</td>"
        return (
            f'<tr class="due-{esc(item.kind)}{late}">\n'
            f'<td><time datetime="{item.due.isoformat()}">{esc(format_day(item.due))}</time></td>\n'
            f"<td>{due_when(item)}</td>\n"
            f"<td>{esc(due_label(item))}</td>\n"
            f"{who}</tr>\n"
        )

    def timeline_items(self, entries: Iterable[LogEntry]) -> Markup:
        """Return a contact's log entries as list items, in the order given, dated in full."""
        return Markup("".join(map(_timeline_item, entries)))

    def interaction_items(self, rows: Sequence[tuple[LogEntry, Contact]]) -> Markup:
        """Return a week's log entries as list items, each with its contact's link."""
        return Markup("".join(self._interaction(entry, contact) for entry, contact in rows))

    def _interaction(self, entry: LogEntry, contact: Contact) -> str:
        note = f" — {esc(entry.note)}" if entry.note else ""
        return (
            f'<li class="kind-{esc(entry.kind)}"><time datetime="{entry.date.isoformat()}">'
            f"{esc(format_day(entry.date))}</time> {_log_badge(entry)} {self.person(contact)}{note}</li>"
        )

    def people_list(self, ids: Iterable[str]) -> Markup:
        """Return links to contacts, separated by commas."""
        contacts = self.network.contacts
        return Markup(", ".join(self.person(contacts[cid]) for cid in ids))

    def member_items(self, ids: Iterable[str]) -> Markup:
        """Return contacts as list items, one a line, each with its company and status badge."""
        contacts = self.network.contacts
        return Markup("".join(f"{self.member_item(contacts[cid])}\n" for cid in ids))

    def member_item(self, contact: Contact) -> str:
        """Return a contact as a list item: its link, its company and its status badge."""
        return f"<li>{self._named(contact)} {self.status_badge(contact.id)}</li>"

    def _named(self, contact: Contact) -> str:
        """Return a link to the contact's page, followed by its company if it has one."""
        return f"{self.person(contact)}, {esc(contact.company)}" if contact.company else self.person(contact)

    def newcomer_items(self, ids: Iterable[str], referred: Iterable[str]) -> Markup:
        """Return a week's new contacts as list items, ordered by id: each with its company, and who
        referred it if among referred."""
        by, contacts = set(referred), self.network.contacts
        return Markup("".join(self._newcomer(contacts[cid], cid in by) for cid in sorted(ids)))

    def _newcomer(self, c: Contact, referred: bool) -> str:
        via = ""
        if referred:
            referrer = self.network.contacts[self.network.forest.referrer[c.id]]  # type: ignore[index]
            via = f' <span class="muted">via {self.person(referrer)}</span>'
        return f"<li>{self._named(c)}{via}</li>"

    def tree_items(self, order: Iterable[tuple[Contact, int, int]]) -> Markup:
        """Return the referral forest as nested lists: (contact, degree, branch size) in preorder; with
        the rows the page kept, its nodes as a marker its bytes get them at (RowMemo.hold)."""
        order = list(order)
        degrees = [degree for _, degree, _ in order]
        above = [0, *degrees]  # the degree of the node before each, whose list each opens or closes

        def node(i: int) -> str:
            return _nesting(above[i], degrees[i]) + self._tree_node(*order[i])

        close = "</li></ul>" * (degrees[-1] if degrees else 0)
        if self.memo is None:
            return Markup("".join([*map(node, range(len(order))), close]))
        ids = [contact.id for contact, _, _ in order]
        # A node shows of the rest of the network its degree, the size of its branch and where it
        # stands in the nesting: the degree of the node before it.
        block = self.memo.block(ids, ids, lambda i: node(i).encode(), lambda i: (*order[i][1:], above[i]))
        return Markup(self.memo.hold(block) + close)

    def _tree_node(self, contact: Contact, degree: int, size: int) -> str:
        status = esc(self.network.status[contact.id])
        company = f' <span class="muted">· {esc(contact.company)}</span>' if contact.company else ""
        count = ""
        if size:
            below = f"people in this branch below {esc(contact.name)}"
            count = f' <span class="count" title="{below}">+{size}</span>'
        return (
            f'<li class="degree-{degree} node-{status}">{self.person(contact)}{company}'
            f"{count} {self.status_badge(contact.id)}\n"
        )

    def functions(self) -> dict[str, object]:
        """Return the fragments by the names templates call them."""
        return {
            "url": self.url,
            "person": self.person,
            "status_badge": self.status_badge,
            "chain_path": self.chain_path,
            "insider_paths": self.insider_paths,
            "section_nav": self.section_nav,
            "contact_rows": self.contact_rows,
            "due_table": self.due_table,
            "timeline_items": self.timeline_items,
            "tree_items": self.tree_items,
            "interaction_items": self.interaction_items,
            "people_list": self.people_list,
            "member_items": self.member_items,
            "newcomer_items": self.newcomer_items,
            "due_when": due_when,
            "due_label": due_label,
        }
