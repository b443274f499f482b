"""Subcommands that write to the journal or exchange data: init, new, log, import, export."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_support import Register, UsageError, add_command, journal_root, resolve_today
from .config import CONFIG_NAME
from .contact import LOG_CLASSES
from .forest import Resolver, reference_target
from .journal import CONTACTS_DIR, contact_files, load_journal
from .model import build_network

if TYPE_CHECKING:
    from . import authoring as au
    from . import importing

# authoring, importing and exporting (with vobject), and difflib, shlex and subprocess, are imported
# inside the commands that use them: every other command, `netsite build` and `--help` included,
# would pay their import time (subprocess alone: 3 ms).

EXIT_OK, EXIT_REFUSED = 0, 1


def refuse(message: str) -> int:
    """Print why nothing was written and return exit code 1."""
    print(f"netsite: {message}", file=sys.stderr)
    return EXIT_REFUSED


def _journal_here(args: argparse.Namespace) -> Path:
    """Return the journal root, refusing a folder with neither contacts/ nor netsite.toml."""
    root = journal_root(args)
    if not (root / CONTACTS_DIR).is_dir() and not (root / CONFIG_NAME).is_file():
        raise UsageError(f"{root} is not a journal (no contacts/ or netsite.toml); run `netsite init` first")
    return root


def _shown_path(path: Path) -> str:
    """Return path relative to the current folder when it is below it, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _folder(root: Path, into: str | None) -> Path:
    """Return contacts/ or a folder inside it, refusing paths that leave it."""
    base = (root / CONTACTS_DIR).resolve()
    target = (base / into).resolve() if into else base
    if target != base and base not in target.parents:
        raise UsageError(f"--into {into!r} must be a folder inside {CONTACTS_DIR}/")
    return target


# --- init -------------------------------------------------------------------------------------


def _register_init(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(
        sub, common, "init", "start a new journal (netsite.toml, contacts/, .gitignore)", run_init
    )
    command.add_argument(
        "path", nargs="?", type=Path, help="folder for the journal (default: --journal or .)"
    )


def run_init(args: argparse.Namespace) -> int:
    from . import authoring as au

    root = (args.path or args.journal or Path.cwd()).resolve()
    refused = au.init_refusal(root)
    if refused:
        return refuse(f"{refused.message}; nothing written")
    for rel, text in au.init_files(resolve_today(args)).items():
        failed = au.write_new(root / rel, text)
        if failed:
            return refuse(failed.message)
        print(f"created {_shown_path(root / rel)}")
    _init_gitignore(root / ".gitignore")
    import shlex

    print(f'next: cd {shlex.quote(_shown_path(root))}; netsite new "First Last"; netsite build')
    return EXIT_OK


def _init_gitignore(path: Path) -> None:
    from . import authoring as au

    existing = path.read_bytes().decode("utf-8", "surrogateescape") if path.exists() else None
    addition = au.gitignore_addition(existing)
    if addition is None:
        return
    with path.open("a", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        handle.write(addition)
    print(f"{'created' if existing is None else 'added output/ to'} {_shown_path(path)}")


# --- new ----------------------------------------------------------------------------------------


def _register_new(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(sub, common, "new", "add a contact file from a template", run_new)
    command.add_argument("name", help='the person\'s name, such as "Jane Doe"')
    command.add_argument("--id", help="file name without .md (default: from the name, such as jane-doe)")
    command.add_argument("--referred-by", metavar="WHO", help="who gave you this name: id, name or [[Name]]")
    for option in ("company", "role", "email", "phone", "linkedin", "how-met"):
        command.add_argument(f"--{option}")
    command.add_argument("--strength", choices=("close", "warm", "acquaintance"))
    command.add_argument("--tag", action="append", default=[], help="a tag (repeat for more)")
    command.add_argument("--into", metavar="FOLDER", help="a folder inside contacts/ (default: contacts/)")
    command.add_argument("--force", action="store_true", help="accept a referrer that matches no contact")
    command.add_argument("--edit", action="store_true", help="open the new file in $VISUAL or $EDITOR")


def run_new(args: argparse.Namespace) -> int:
    from . import authoring as au

    root, today = _journal_here(args), resolve_today(args)
    name = " ".join(args.name.split())
    if not name:
        raise UsageError("the name is empty")
    new_id = args.id or au.contact_id(name)
    if not au.valid_id(new_id):
        raise UsageError(f"--id {new_id!r} is not a file name (letters, digits, - and _)")
    journal = load_journal(root)
    taken = au.journal_ids(root)
    if new_id.casefold() in taken:
        hint = au.free_id(new_id, taken)
        where = _shown_path(taken[new_id.casefold()])
        return refuse(f"{where} already exists; for another person of that name: --id {hint}")
    referrer = _referrer(args.referred_by, journal.contacts, args.force)
    if isinstance(referrer, au.Refusal):
        return refuse(referrer.message)
    _warn_same_name(name, journal.contacts)
    return _create_new(args, _folder(root, args.into) / f"{new_id}.md", name, referrer, today)


def _referrer(text: str | None, contacts: tuple, force: bool) -> str | au.Refusal | None:
    """Return the referrer to write: the resolved id, as given with --force, or a refusal."""
    from . import authoring as au

    if text is None or reference_target(text) is None:
        return text.strip() if text and text.strip() else None
    found = Resolver(contacts).resolve(text)
    if found or force:
        return found or text.strip()
    names = [c.id for c in contacts] + [c.name for c in contacts]
    import difflib

    close = difflib.get_close_matches(reference_target(text) or "", names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return au.Refusal(f"referred_by {text!r} matches no contact{hint} (--force writes it anyway)")


def _warn_same_name(name: str, contacts: tuple) -> None:
    same = [c.id for c in contacts if c.name.casefold() == name.casefold()]
    if same:
        print(f"netsite: note: {', '.join(same)} has the same name", file=sys.stderr)


def _create_new(args: argparse.Namespace, path: Path, name: str, referrer: str | None, today: date) -> int:
    from . import authoring as au

    values = {key: getattr(args, key) for key in ("company", "role", "email", "phone", "linkedin", "how_met")}
    values = {key: " ".join(v.split()) or None if v else None for key, v in values.items()}
    values |= {"referred_by": referrer, "tags": list(dict.fromkeys(t.strip() for t in args.tag if t.strip()))}
    values["strength"] = args.strength
    fields = au.new_contact_fields(name, today, values)
    text = au.contact_text(fields)
    failed = au.check_written(text, fields) or au.write_new(path, text)
    if failed:
        return refuse(failed.message)
    print(_shown_path(path))
    return _open_editor(path) if args.edit else EXIT_OK


def _open_editor(path: Path) -> int:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        return refuse("--edit: set $EDITOR (or $VISUAL) to your editor's command")
    import shlex
    import subprocess

    subprocess.run([*shlex.split(editor), str(path)], check=False)
    return EXIT_OK


# --- log ------------------------------------------------------------------------------------------


def _register_log(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    kinds = ", ".join(LOG_CLASSES)
    command = add_command(
        sub,
        common,
        "log",
        "append one entry to a contact's log (the rest of the file stays as it was)",
        run_log,
        epilog=f'kinds: {kinds}\nexamples:\n  netsite log jane-doe call "fintech trends; suggested Carol"'
        "\n  netsite log jane-doe thanks",
    )
    command.add_argument("contact", help="the contact's id (or name)")
    command.add_argument("kind", help="what happened: call, meeting, email, thanks, …")
    command.add_argument("note", nargs="*", help="what about (quote it, or just type the words)")
    command.add_argument("--date", help="when, YYYY-MM-DD (default: today)")


def run_log(args: argparse.Namespace) -> int:
    from . import authoring as au

    root = _journal_here(args)
    day = _log_date(args)
    kind = args.kind.strip().lower()
    if kind not in LOG_CLASSES:
        raise UsageError(f"kind {args.kind!r} is not one of {', '.join(LOG_CLASSES)}")
    note = " ".join(args.note).strip()
    path = _contact_path(root, args.contact)
    if isinstance(path, au.Refusal):
        return refuse(path.message)
    failed = _append(path, day, kind, note)
    if failed:
        return refuse(f"{_shown_path(path)}: {failed.message}")
    print(f"{_shown_path(path)}: logged {day} {kind}{': ' + note if note else ''}")
    return EXIT_OK


def _log_date(args: argparse.Namespace) -> date:
    if not args.date:
        return resolve_today(args)
    try:
        return date.fromisoformat(args.date.strip())
    except ValueError as exc:
        raise UsageError(f"--date {args.date!r} is not a date written YYYY-MM-DD") from exc


def _contact_path(root: Path, ref: str) -> Path | au.Refusal:
    """Find a contact's file by id (exact, then any case), else by name or [[wikilink]]."""
    from . import authoring as au

    files = contact_files(root)
    exact = [f for f in files if f.stem == ref] or [f for f in files if f.stem.casefold() == ref.casefold()]
    if len(exact) > 1:
        return au.Refusal(f"{len(exact)} files have the id {ref!r}: {', '.join(map(_shown_path, exact))}")
    if exact:
        return exact[0]
    found = Resolver(load_journal(root).contacts).resolve(ref)
    if found:
        return next(f for f in files if f.stem == found)
    import difflib

    close = difflib.get_close_matches(ref, [f.stem for f in files], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return au.Refusal(f"no contact {ref!r}{hint}")


def _append(path: Path, day: date, kind: str, note: str) -> au.Refusal | None:
    from . import authoring as au

    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return au.Refusal("not UTF-8 text; left as it was")
    result = au.append_log(text, day, kind, note)
    if isinstance(result, au.Refusal):
        return result
    au.write_atomic(path, result.encode("utf-8"))
    return None


# --- import -------------------------------------------------------------------------------------

IMPORT_HELP = """\
LinkedIn: Settings → Data privacy → Get a copy of your data → Connections; give the
Connections.csv inside the archive. vCard: a .vcf file exported from Apple Contacts,
Google Contacts, Outlook or a phone (vCard 2.1, 3.0 or 4.0, one or many cards).

New people become contact files in contacts/ (or --into FOLDER inside it); with no log yet
they count as identified. LinkedIn's 'Connected On' becomes `added` (vCards: today). People in
the journal (same LinkedIn URL, else same email, else same name) are not added again; when
their company or role differs, the import reports it and leaves their file alone. Existing
files are never modified.
"""


def _register_import(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    command = add_command(
        sub, common, "import", "bring people in from LinkedIn or vCard", run_import, IMPORT_HELP
    )
    command.add_argument("source", choices=("linkedin", "vcard"), help="the kind of file")
    command.add_argument("file", type=Path, help="Connections.csv or a .vcf file")
    command.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")
    command.add_argument("--into", metavar="FOLDER", help="a folder inside contacts/ for the new files")
    command.add_argument("--tag", action="append", default=[], help="tag every new contact (repeatable)")
    command.add_argument("-v", "--verbose", action="store_true", help="also list people already there")


def run_import(args: argparse.Namespace) -> int:
    from . import authoring as au
    from . import importing

    root = _journal_here(args)
    parsed = _read_import(args.source, args.file)
    if isinstance(parsed, str):
        return refuse(f"{args.file}: {parsed}; nothing imported")
    journal = load_journal(root)
    _warn_unusable(len(contact_files(root)) - len(journal.contacts))
    folder = _folder(root, args.into).relative_to(root.resolve()).as_posix()
    where = importing.Destination(
        folder, frozenset(au.journal_ids(root)), resolve_today(args), tuple(args.tag)
    )
    outcomes = importing.plan_import(parsed, journal.contacts, where)
    for line in importing.outcome_lines(outcomes, args.file.name, args.dry_run, args.verbose):
        print(line)
    failures = [] if args.dry_run else importing.write_plan(root, outcomes)
    for failure in failures:
        print(f"netsite: {failure}", file=sys.stderr)
    print(importing.summary_line(outcomes, parsed.source, args.file.name, args.dry_run))
    malformed = any(isinstance(o, importing.Skip) and o.malformed for o in outcomes)
    return EXIT_REFUSED if failures or malformed else EXIT_OK


def _warn_unusable(count: int) -> None:
    """Say that people in unreadable files could not be matched (they may be imported twice)."""
    if count > 0:
        message = f"{count} contact file(s) cannot be used (see `netsite check`); nobody in them was matched"
        print(f"netsite: warning: {message}", file=sys.stderr)


def _read_import(source: str, file: Path) -> importing.Parsed | str:
    from . import importing

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text; save or export it as UTF-8"
    return importing.read_linkedin(text) if source == "linkedin" else importing.read_vcards(text)


# --- export -------------------------------------------------------------------------------------


def _register_export(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    help_text = "write the due items as a calendar (ics), or every contact as vCards or CSV"
    command = add_command(sub, common, "export", help_text, run_export)
    command.add_argument("format", choices=("ics", "vcard", "csv"))
    command.add_argument("-o", "--output", type=Path, help="write to this file (default: standard output)")


def run_export(args: argparse.Namespace) -> int:
    from . import exporting

    network = build_network(load_journal(_journal_here(args)), resolve_today(args))
    if args.format == "ics":
        data = exporting.due_calendar(network)
    elif args.format == "vcard":
        data = exporting.address_book(network).encode("utf-8")
    else:
        data = exporting.contacts_csv(network).encode("utf-8")
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    args.output.write_bytes(data)
    print(f"wrote {_shown_path(args.output)}", file=sys.stderr)
    return EXIT_OK


COMMANDS: list[Register] = [
    _register_init,
    _register_new,
    _register_log,
    _register_import,
    _register_export,
]
