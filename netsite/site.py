"""Render the site: the model through Jinja templates into {relative path: bytes}. No I/O but reads."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator, MutableMapping
from datetime import date, timedelta
from functools import cached_property, partial
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import jinja2
from markupsafe import Markup

from .contact import LOG_CLASSES, Contact, LogEntry, is_web_url
from .contact_page import TEMPLATES, ContactPages, templates_digest
from .due import DueItem
from .escaping import escape
from .exporting import due_calendar
from .fragments import SECTIONS, Chain, ContactRow, ContactRows, Fragments, contact_url
from .frame import Frame
from .groups import Group
from .layout import default_templates, template_dirs
from .model import Network
from .notes import NotesRenderer, Resolve, contact_resolver
from .problems import count_errors
from .rowmemo import RowMemo, RowMemos
from .weekly import WeekReport
from .words import format_day, plural

TEMPLATE_SUFFIX = ".html"
CALENDAR = "follow-ups.ics"
ROW_PAGES = frozenset({"contacts/index.html", "tree.html", "due.html", CALENDAR})  # see rowmemo.py
# Row pages whose rows show no more of the network than their contacts' pages (a tree node shows the
# size of its branch): RowMemos.open's follows.
ROWS_FOLLOW = frozenset({"contacts/index.html", CALENDAR})
# Default templates of many pages whose blocks are rendered alone, in a frame made in Python (frame.py).
FRAMED = frozenset({"company.html", "tag.html"})
DASHBOARD_DUE = 25  # the most overdue items on the dashboard; the Due page lists them all
RECENT = 12  # the latest log entries on the dashboard
ASSETS_DIR = "assets"


class Notes(Protocol):
    """Anything that turns a note's Markdown into HTML."""

    def render(self, text: str) -> str: ...


class RenderError(Exception):
    """A template could not be loaded or rendered; the message names the file and line."""


class Page(NamedTuple):
    """One file of the site: a template with its context, or bytes made by a function.

    A named tuple, not a dataclass: made for every contact on every build, in half the time.
    """

    path: str
    template: str
    context: dict[str, Any]
    lazy: Callable[[], dict[str, Any]] | None = None  # context computed only if the page is rendered
    make: Callable[[RowMemo | None], bytes] | None = None  # for a file that is not a template page


def make_environment(dirs: list[Path], bytecode: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """Make a Jinja environment: autoescaped, strict about undefined names.

    An environment serves one build, so templates are not checked for changes while it lives;
    bytecode, if given, keeps compiled templates (between builds, or between environments).
    """
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=bytecode,
    )
    env.filters["day"] = format_day
    env.filters["plural"] = plural
    env.tests["web_url"] = lambda v: isinstance(v, str) and is_web_url(v)
    return env


class _Template(jinja2.Template):
    """A template whose output is escaped by escaping.escape (the same text as Jinja's own escaping)."""

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Any:
        namespace["escape"] = escape  # the name compiled templates escape their output with
        return super()._from_namespace(environment, namespace, globals)


class _Context(jinja2.runtime.Context):
    """A template context that calls the environment's direct_calls directly.

    Jinja's Context.call first looks on the callable for pass_context-style markers (two attribute
    lookups that fail); netsite's fragments have none, and are called thousands of times a build.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __self.environment.direct_calls.get(id(__obj)) is __obj:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    template_class = _Template
    context_class = _Context

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.direct_calls: dict[int, Any] = {}  # id -> a global function that takes no context

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """Give each template a plain dict of globals, not a ChainMap over the environment's.

        Jinja copies and compares a template's globals on every render and import, which is slow
        through a ChainMap. Globals are set once, before any template is loaded, so a copy is safe.
        """
        return {**self.globals, **(d or {})}


class MemoryBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory, so that each environment of a build compiles a template once."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def _bytecode(compiled: Path | jinja2.BytecodeCache | None) -> jinja2.BytecodeCache:
    """Return where compiled templates are kept: a folder, a cache given, or memory for this build."""
    if isinstance(compiled, Path):
        return jinja2.FileSystemBytecodeCache(str(compiled))
    return compiled if compiled is not None else MemoryBytecode()


def render_site(network: Network, root: Path) -> dict[str, bytes]:
    """Render every page and asset of the site."""
    site = SiteRenderer(network, root)
    files = {page.path: site.render(page) for page in site_pages(network)}
    files.update(site.assets)
    return files


class SiteRenderer:
    """What rendering any page needs: the Jinja environments, the common context and the assets.

    Links are relative, so pages at each folder depth get their own environment, whose globals are
    the values every page may use, with links from that depth. Being globals, they need not be
    copied into every page's context, and macros imported without context can use them.
    """

    def __init__(
        self, network: Network, root: Path, compiled: Path | jinja2.BytecodeCache | None = None
    ) -> None:
        self.dirs = template_dirs(root)
        self.network = network
        self.common = _common_context(network)
        self.assets = assets(self.dirs)
        self.bytecode = _bytecode(compiled)
        self.envs: dict[str, jinja2.Environment] = {}
        self.contact_pages: dict[str, ContactPages] = {}  # by root, while contact.html is the default's
        self.frames: dict[str, Frame] = {}  # by root, while base.html is the default's
        self.fragments: dict[str, Fragments] = {}  # by root
        self.rows: RowMemos | None = None  # where the long pages keep their rows, if they do
        self.fast = self.dirs == [default_templates()] and templates_digest(self.dirs[0]) == TEMPLATES

    def render(self, page: Page) -> bytes:
        """Return the bytes of one page."""
        return self.render_shown(page)[0]

    def render_shown(self, page: Page) -> tuple[bytes, dict[str, Any]]:
        """Return the bytes of one page, and the values its template was given."""
        rows = self.rows if page.path in ROW_PAGES else None
        if rows is None:
            return self._render_shown(page, None)
        memo = rows.open(page.path, page.path in ROWS_FOLLOW)
        data, shown = self._render_shown(page, memo)
        filled = memo.fill(data)
        if filled is None:
            raise RenderError(f"{page.path}: the page's template lost the rows it was given")
        rows.close(page.path, memo)
        return filled, shown

    def _render_shown(self, page: Page, memo: RowMemo | None) -> tuple[bytes, dict[str, Any]]:
        """Render a page, making its rows with the rows it kept, if given."""
        if page.make is not None:
            return page.make(memo), {}
        root = "../" * page.path.count("/")
        env = self.env(root)
        if page.template == "contact.html" and self.fast:
            try:
                context = _context(page)
                return self.contact_pages[root].render(page.path, context).encode("utf-8"), context
            except Exception:  # Jinja fails the same way, and says where in the template
                pass
        if page.template in FRAMED and self.fast:
            try:
                return _framed(env, page, self.frames[root])
            except Exception:  # Jinja fails the same way, and says where in the template
                pass
        self.fragments[root].memo = memo
        try:
            return _render_page(env, page)
        finally:
            self.fragments[root].memo = None

    def env(self, root: str) -> jinja2.Environment:
        """Return the environment of pages whose links to the site root start with root."""
        env = self.envs.get(root)
        if env is None:
            env = self.envs[root] = make_environment(self.dirs, self.bytecode)
            fragments = self.fragments[root] = Fragments(self.network, root)
            functions = fragments.functions()
            env.globals.update(self.common, root=root, **functions)
            env.direct_calls.update((id(f), f) for f in functions.values())  # type: ignore[attr-defined]
            if self.fast:
                frame = self.frames[root] = Frame(self.network, fragments, root)
                self.contact_pages[root] = ContactPages(self.network, fragments, frame)
        return env


def _framed(env: jinja2.Environment, page: Page, frame: Frame) -> tuple[bytes, dict[str, Any]]:
    """Render a template's title and main blocks alone, and put them in the frame made in Python.

    A name its blocks take from outside them (a top-level import) is undefined here, and raises.
    """
    context = _context(page)
    template = env.get_template(page.template)
    blocks = template.new_context(context)
    title, main = ("".join(template.blocks[name](blocks)) for name in ("title", "main"))
    return frame.page(title, page.path, context["section"], main).encode("utf-8"), context


def _context(page: Page) -> dict[str, Any]:
    """Return the values a page's template is given."""
    context = {**page.context, "page_path": page.path, "section": page.path.split("/")[0]}
    if page.lazy is not None:
        context.update(page.lazy())
    return context


def _render_page(env: jinja2.Environment, page: Page) -> tuple[bytes, dict[str, Any]]:
    try:
        context = _context(page)
        return env.get_template(page.template).render(context).encode("utf-8"), context
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{_where(exc.filename, exc.lineno)}: error: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {exc.name!r} not found (needed for {page.path})") from exc
    except Exception as exc:
        raise RenderError(f"{_template_frame(exc)}: error: {type(exc).__name__}: {exc}") from exc


def _where(filename: str | None, line: int | None) -> str:
    name = _template_name(filename) if filename else "template"
    return f"{name}:{line}" if line else name


def _template_name(filename: str) -> str:
    """Name a template as a user sees it, `templates/x.html`, wherever it was loaded from."""
    match = re.search(r"[\\/]_?templates[\\/](.+)$", filename)
    return f"templates/{match.group(1)}" if match else filename


def _template_frame(exc: BaseException) -> str:
    """Find the innermost template line in a rendering traceback (Jinja rewrites frames for this)."""
    import traceback  # only for a template that fails

    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if f.filename.endswith(TEMPLATE_SUFFIX)]
    return _where(inside[-1].filename, inside[-1].lineno) if inside else "template"


def assets(dirs: list[Path]) -> dict[str, bytes]:
    """Collect static assets; a journal's own file wins over the default of the same name."""
    found: dict[str, bytes] = {}
    for folder in reversed(dirs):
        base = folder / ASSETS_DIR
        if base.is_dir():
            for file in sorted(base.rglob("*")):
                if file.is_file() and not file.name.startswith("."):
                    found[f"{ASSETS_DIR}/{file.relative_to(base).as_posix()}"] = file.read_bytes()
    return found


def _common_context(network: Network) -> dict[str, Any]:
    """Values every page may use."""
    contacts = network.contacts
    return {
        "network": network,
        "site": network.config.site,
        "config": network.config,
        "today": network.today,
        "contacts": contacts,
        "contact_url": contact_url,
        "sections": SECTIONS,
        "log_classes": LOG_CLASSES,
        "problem_count": len(network.problems),
        "error_count": count_errors(network.problems),
    }


def site_pages(network: Network, notes: Notes | None = None) -> list[Page]:
    """List every file of the site made from the model: the template pages and the calendar."""
    return [*pages(network, notes), Page(CALENDAR, "", {}, make=partial(due_calendar, network))]


def pages(network: Network, notes: Notes | None = None) -> Iterator[Page]:
    """List every page of the site (notes render them, a fresh renderer by default).

    Contexts that take time to compute are lazy: they are computed only for pages that are rendered.
    """
    weeks = network.weeks  # their reports are computed only if a page that shows one is rendered
    facts = SiteFacts(network)
    yield Page("index.html", "index.html", {}, partial(_dashboard, network))
    yield Page("contacts/index.html", "contacts.html", {}, partial(_contacts_list, facts))
    yield from _contact_pages(facts, network.by_name, notes or facts.notes)
    yield Page("tree.html", "tree.html", {}, partial(_tree, network))
    yield Page("due.html", "due.html", {"items": network.due}, lazy=partial(_due_by_kind, network))
    yield Page("weeks/index.html", "weeks.html", {}, partial(_weeks_list, network))
    for i, week in enumerate(weeks):
        neighbours = {
            "previous": weeks[i - 1] if i > 0 else None,
            "next": weeks[i + 1] if i + 1 < len(weeks) else None,
        }
        lazy = partial(_week_context, facts, i)
        yield Page(f"weeks/{week.label}.html", "week.html", {"week": week, **neighbours}, lazy)
    paged = [group for group in network.companies if has_page(group)]
    listed = {"groups": network.companies, "paged": {g.slug for g in paged}}
    yield Page("companies/index.html", "companies.html", listed)
    for group in paged:
        lazy = partial(_company_context, facts, group)
        yield Page(f"companies/{group.slug}.html", "company.html", {"group": group}, lazy)
    yield Page("tags/index.html", "tags.html", {"groups": network.tags})
    for group in network.tags:
        yield Page(f"tags/{group.slug}.html", "tag.html", {"group": group})
    yield Page("problems.html", "problems.html", {"by_path": network.problems_by_path})
    yield Page("404.html", "404.html", {})


def _contact_pages(facts: SiteFacts, people: list[Contact], notes: Notes) -> list[Page]:
    """Make the page of each contact: ten thousand at 10,000 contacts, made by tuple.__new__ in two
    thirds of the time Page's own __new__ (written in Python) takes."""
    new, lazy = tuple.__new__, partial(partial, _contact_context, facts)
    return [
        new(Page, (f"contacts/{c.id}.html", "contact.html", {"contact": c}, lazy(c, notes), None))
        for c in people
    ]


def has_page(company: Group) -> bool:
    """Tell whether a company gets a page of its own: a target, or a company two or more people work at.

    A one-person company's page would show nothing its person's page does not (the one chain in),
    and an export of LinkedIn connections brings thousands of such companies: their links lead to
    their rows of the companies list instead.
    """
    return company.target or len(company.members) > 1


class SiteFacts:
    """Lookups several pages share, each computed once, on first use."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.scanned = 0  # log entries the weeks asked for have looked at (see log_days)

    @cached_property
    def notes(self) -> NotesRenderer:
        return notes_renderer(self.network)

    @cached_property
    def tag_slugs(self) -> dict[str, str]:
        return {g.name.casefold(): g.slug for g in self.network.tags}

    @cached_property
    def company_pages(self) -> dict[str, str]:
        """Map each company (by case fold) to where its links lead from the site root: its page, or
        its row of the companies list (see has_page)."""
        return {
            g.name.casefold(): f"companies/{g.slug}.html" if has_page(g) else f"companies/index.html#{g.slug}"
            for g in self.network.companies
        }

    @cached_property
    def _tag_pages(self) -> dict[str, str]:
        return {name: f"tags/{slug}.html" for name, slug in self.tag_slugs.items() if slug}

    def company_page(self, company: str | None) -> str | None:
        """Return where a company's links lead from the site root (groups are keyed by case fold)."""
        return self.company_pages.get(company.casefold()) if company else None

    def tag_pages(self, tags: tuple[str, ...]) -> list[tuple[str, str | None]]:
        """Return each tag with the path of its page from the site root."""
        pages = self._tag_pages
        return [(t, pages.get(t.casefold())) for t in tags]

    def log_days(self, report: WeekReport) -> dict[date, list[tuple[LogEntry, Contact]]]:
        """Map the days of a week to its log entries with their contacts, in the journal's order.

        A week looks at the logs of the contacts it reached, until the weeks asked for have looked
        at more entries than the whole log has: from then on the whole log is indexed by day, once.
        So a logged call's week or two costs its contacts' logs, and a first build, which renders
        every week page, at most twice the whole log.
        """
        if "_log_by_day" in self.__dict__:
            return self._log_by_day
        contacts = self.network.contacts
        reached = [contacts[cid] for cid in report.reached]
        self.scanned += sum(len(c.log) for c in reached)
        if self.scanned > self.network.log_size:
            return self._log_by_day
        start, end = report.week.start, report.week.end
        return _by_day((e, c) for c in reached for e in c.log if start <= e.date <= end)

    @cached_property
    def _log_by_day(self) -> dict[date, list[tuple[LogEntry, Contact]]]:
        return _by_day((e, c) for c in self.network.contacts.values() for e in c.log)

    @cached_property
    def due_by_contact(self) -> dict[str, list[DueItem]]:
        found: dict[str, list[DueItem]] = {}
        for item in self.network.due:
            found.setdefault(item.contact, []).append(item)
        return found

    def chain(self, contact_id: str) -> Chain:
        """Return the contacts from the root of this contact's branch down to it."""
        return Chain(self.network, contact_id)

    def referrals(self, contact_id: str) -> list[Contact]:
        """Return the contacts this one referred, in forest order."""
        return [self.network.contacts[k] for k in self.network.forest.children[contact_id]]


def _dashboard(network: Network) -> dict[str, Any]:
    reports = network.week_reports
    this_week = reports[-1]
    horizon = [i for i in network.due if i.overdue_days >= -7]
    shown = horizon[:DASHBOARD_DUE]
    recent = heapq.nlargest(  # the same as sorting them all, in a tenth of the time
        RECENT,
        ((e, c) for c in _recent_candidates(network) for e in c.log if e.date <= network.today),
        key=lambda pair: (pair[0].date, pair[1].id, pair[0].line or 0),
    )
    growth = [(r.week, r.network_size) for r in reports]
    return {
        "week": this_week,
        "overdue": sum(1 for i in network.due if i.overdue_days > 0),
        "due_soon": shown,
        "due_more": len(horizon) - len(shown),
        "recent": recent,
        "growth": growth,
    }


def _recent_candidates(network: Network) -> list[Contact]:
    """Return the contacts among whose log the RECENT latest entries up to TODAY are, and a few more.

    If RECENT contacts were last in touch on day D or later, up to TODAY, RECENT entries are that
    late, so no contact last in touch before D has one of the latest (a contact whose latest entry
    is after TODAY may have any, and is kept too). Tens of thousands of entries are not looked at.
    """
    today, last = network.today, network.last_contact
    days = heapq.nlargest(RECENT, (d for d in last.values() if d is not None and d <= today))
    if len(days) < RECENT:
        return list(network.contacts.values())
    return [c for c in network.contacts.values() if (d := last[c.id]) is not None and d >= days[-1]]


def _due_by_kind(network: Network) -> dict[str, Any]:
    """Give the Due page its items by kind, in order (Jinja's selectattr took a tenth of a second)."""
    by_kind: dict[str, list[DueItem]] = {}
    for item in network.due:
        by_kind.setdefault(item.kind, []).append(item)
    return {"by_kind": by_kind}


def _weeks_list(network: Network) -> dict[str, Any]:
    return {"reports": network.week_reports[::-1]}


def _by_day(entries: Iterator[tuple[LogEntry, Contact]]) -> dict[date, list[tuple[LogEntry, Contact]]]:
    """Group log entries with their contacts by day, keeping their order within each day."""
    days: dict[date, list[tuple[LogEntry, Contact]]] = {}
    for entry, contact in entries:
        days.setdefault(entry.date, []).append((entry, contact))
    return days


def _week_context(facts: SiteFacts, index: int) -> dict[str, Any]:
    """Give a week page its report, and the week's interactions by date (each day's in the journal's
    order: the contacts', then each one's log)."""
    report = facts.network.week_reports[index]
    days = facts.log_days(report)
    start, end = report.week.start, report.week.end  # the calendar's last week is short
    week = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return {"report": report, "interactions": [row for day in week for row in days.get(day, ())]}


def _contacts_list(facts: SiteFacts) -> dict[str, Any]:
    """Give the list its people, their rows (made as the template reaches them) and the degrees
    they are at (Jinja's unique filter took 5 ms for 10,000 contacts)."""
    people, degrees = facts.network.by_name, sorted(set(facts.network.forest.degree.values()))
    return {"people": people, "rows": ContactRows(people, partial(_contact_row, facts)), "degrees": degrees}


def _contact_row(facts: SiteFacts, c: Contact) -> ContactRow:
    """Give a row of the list its values, looked up here once rather than in the template."""
    network, forest = facts.network, facts.network.forest
    return ContactRow(
        contact=c,
        status=network.status[c.id],
        degree=forest.degree[c.id],
        referrer=network.contacts[forest.parent[c.id]] if forest.parent[c.id] else None,
        last=network.last_contact[c.id],
        company_page=facts.company_page(c.company),
        company_key=(c.company or "").lower(),
        tags=facts.tag_pages(c.tags),
        tags_key="|".join(t.lower() for t in c.tags),
        has_problems=c.path in network.problems_by_path,
    )


def wikilink_resolver(network: Network) -> Resolve:
    """Return the function notes use to turn a [[wikilink]] target into (id, name), or None."""
    return contact_resolver(network.contacts.values(), network.forest.resolver)


def notes_renderer(network: Network) -> NotesRenderer:
    """Return a Markdown renderer for the notes of this network's contacts."""
    return NotesRenderer(wikilink_resolver(network), network.config.site.allow_html)


def _contact_context(facts: SiteFacts, contact: Contact, notes: Notes) -> dict[str, Any]:
    network = facts.network
    return {
        "chain": facts.chain(contact.id),
        "referrals": facts.referrals(contact.id),
        "due_items": facts.due_by_contact.get(contact.id, []),
        "own_problems": network.problems_by_path.get(contact.path, []),
        "company_page": facts.company_page(contact.company),
        "tags": facts.tag_pages(contact.tags),
        "extra": [(k, show_value(v)) for k, v in contact.extra],
        "notes_html": Markup(notes.render(contact.notes)),
    }


def show_value(value: Any, depth: int = 3, limit: int = 300) -> str:
    """Show an unknown front-matter value as one short line, whatever its shape or size."""
    text = _shown(value, depth)
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(value: Any, depth: int, items: int = 20) -> str:
    if isinstance(value, list | dict) and depth == 0:
        return "…"
    if isinstance(value, dict):
        shown = [f"{k}: {_shown(v, depth - 1)}" for k, v in list(value.items())[:items]]
        return "{" + "; ".join(shown) + ("; …" if len(value) > items else "") + "}"
    if isinstance(value, list):
        shown = [_shown(v, depth - 1) for v in value[:items]]
        return ", ".join(shown) + (", …" if len(value) > items else "")
    return str(value)


def _tree(network: Network) -> dict[str, Any]:
    forest, contacts = network.forest, network.contacts
    degree, sizes = forest.degree, forest.branch_sizes
    order = [(contacts[c], degree[c], sizes[c] - 1) for c in forest.preorder]
    givers = [(c, n) for c in network.by_name if (n := len(forest.children[c.id]))]
    connectors = sorted(givers, key=itemgetter(1), reverse=True)[:10]  # stable: ties stay by name
    return {"order": order, "connectors": connectors, "forest": forest}


def _company_context(facts: SiteFacts, group: Group) -> dict[str, Any]:
    """Give a company page, for each insider, the referral chain from a first-degree contact to them."""
    return {"paths": [facts.chain(m) for m in group.members]}
