"""Reading one contact file: every shape SPEC §2 allows, every problem located, odd inputs survived."""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
from datetime import date

import pytest

from netsite.contact import NOTES_MAX_INDENT, Contact, LogEntry, parse_contact
from netsite.forest import Resolver
from netsite.journal import parse_bytes
from netsite.problems import Problem

PATH = "contacts/x.md"


def doc(*lines: str) -> str:
    """Join lines into a file; line n of the file is lines[n - 1]."""
    return "\n".join(lines) + "\n"


def parse(text: str, cid: str = "x") -> tuple[Contact | None, list[Problem]]:
    return parse_contact(cid, PATH, text)


def ok(text: str, cid: str = "x") -> Contact:
    """Parse a file that must give a contact without any problem."""
    contact, problems = parse(text, cid)
    assert problems == []
    assert contact is not None
    return contact


def only_problem(text: str) -> tuple[Contact | None, Problem]:
    contact, problems = parse(text)
    assert len(problems) == 1, problems
    return contact, problems[0]


def entry_facts(contact: Contact) -> list[tuple[date, str, str]]:
    return [(e.date, e.kind, e.note) for e in contact.log]


# --- log entries ------------------------------------------------------------------------------


LOG_SHAPES = {
    "one-key mapping": "  - 2026-11-06 call: market trends",
    "quoted string": '  - "2026-11-06 call: market trends"',
    "flow mapping": "  - {date: 2026-11-06, kind: call, note: market trends}",
    "single-quoted string": "  - '2026-11-06 call: market trends'",
    "block mapping with string date": '  - date: "2026-11-06"\n    kind: call\n    note: market trends',
}


@pytest.mark.parametrize("entry", LOG_SHAPES.values(), ids=LOG_SHAPES.keys())
def test_every_log_shape_gives_the_same_entry(entry: str) -> None:
    contact = ok(doc("---", "name: A", "log:", entry, "---"))
    assert entry_facts(contact) == [(date(2026, 11, 6), "call", "market trends")]
    assert contact.log[0].line == 4


def test_the_four_shapes_side_by_side_are_equal_but_for_their_lines() -> None:
    contact = ok(
        doc(
            "---",
            "name: A",
            "log:",
            "  - 2026-11-06 call: trends in fintech",
            '  - "2026-11-06 call: trends in fintech"',
            "  - {date: 2026-11-06, kind: call, note: trends in fintech}",
            "  - date: 2026-11-06",
            "    kind: call",
            "    note: trends in fintech",
            "---",
        )
    )
    assert [e.line for e in contact.log] == [4, 5, 6, 7]
    assert entry_facts(contact) == [(date(2026, 11, 6), "call", "trends in fintech")] * 4
    assert len({(e.date, e.kind, e.note, e.label) for e in contact.log}) == 1


def test_quoted_entry_may_hold_colons_and_hashes() -> None:
    contact = ok(doc("---", "name: A", "log:", '  - "2026-11-06 call: a note: with colons #1"', "---"))
    assert entry_facts(contact) == [(date(2026, 11, 6), "call", "a note: with colons #1")]


def test_entry_without_note_in_each_shape() -> None:
    contact = ok(
        doc(
            "---",
            "name: A",
            "log:",
            "  - 2026-11-06 reply",
            "  - 2026-11-06 reply:",
            '  - "2026-11-06 reply"',
            "  - {date: 2026-11-06, kind: reply}",
            "---",
        )
    )
    assert entry_facts(contact) == [(date(2026, 11, 6), "reply", "")] * 4


def test_log_is_sorted_by_date_whatever_the_written_order() -> None:
    contact = ok(
        doc(
            "---",
            "name: A",
            "log:",
            "  - 2026-11-09 thanks",
            "  - 2026-11-01 email: hello",
            "  - 2026-11-05 CALL: talked",
            "---",
        )
    )
    assert entry_facts(contact) == [
        (date(2026, 11, 1), "email", "hello"),
        (date(2026, 11, 5), "call", "talked"),
        (date(2026, 11, 9), "thanks", ""),
    ]
    assert [e.line for e in contact.log] == [5, 6, 4]


def test_every_known_kind_is_kept() -> None:
    kinds = ["email", "message", "event", "call", "meeting", "thanks", "update", "intro", "reply", "other"]
    lines = [f"  - 2026-11-{i + 1:02d} {kind}: n{i}" for i, kind in enumerate(kinds)]
    contact = ok(doc("---", "name: A", "log:", *lines, "---"))
    assert [e.kind for e in contact.log] == kinds


def test_note_that_yaml_reads_as_a_number_or_date_is_kept_as_text() -> None:
    contact = ok(
        doc("---", "name: A", "log:", "  - 2026-11-06 call: 42", "  - 2026-11-07 email: 2026-12-01", "---")
    )
    assert [e.note for e in contact.log] == ["42", "2026-12-01"]


# --- referred_by --------------------------------------------------------------------------------

BOB = Contact(id="bob-smith", path="contacts/bob-smith.md", name="Bob Smith")
OTHER = Contact(id="ann", path="contacts/ann.md", name="Ann Lee")


@pytest.mark.parametrize(
    "written",
    [
        "bob-smith",
        "Bob-Smith",
        "Bob Smith",
        "bob smith",
        "BOB SMITH",
        '"[[Bob Smith]]"',
        '"[[bob-smith|Bob]]"',
        "'[[ Bob Smith ]]'",
        "[[Bob Smith]]",
        "[[bob-smith|Bob]]",
        "[[bob smith]]",
    ],
)
def test_referred_by_forms_all_resolve_to_bob(written: str) -> None:
    contact = ok(doc("---", "name: Jane", f"referred_by: {written}", "---"))
    assert Resolver([BOB, OTHER]).resolve(contact.referred_by) == "bob-smith"
    assert contact.line("referred_by") == 3


@pytest.mark.parametrize("written", ["me", "Me", "ME", "", '""', "~", "'  '"])
def test_referred_by_that_means_a_first_degree_contact(written: str) -> None:
    contact = ok(doc("---", "name: Jane", f"referred_by: {written}", "---"))
    assert Resolver([BOB]).resolve(contact.referred_by) is None


def test_unquoted_wikilink_is_turned_back_into_text() -> None:
    contact = ok(doc("---", "name: Jane", "referred_by: [[Bob Smith]]", "---"))
    assert contact.referred_by == "[[Bob Smith]]"


def test_referred_by_list_of_two_names_is_an_error_and_ignored() -> None:
    contact, problem = only_problem(doc("---", "name: Jane", "referred_by: [bob, ann]", "---"))
    assert contact is not None and contact.referred_by is None
    assert (problem.severity, problem.line) == ("error", 3)


# --- tags, dates, unknown keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "[fintech, hiring-manager]",
        '"fintech, hiring-manager"',
        "fintech,hiring-manager,",
        "\n  - fintech\n  - hiring-manager\n  - fintech",
        '" fintech ,  , hiring-manager "',
    ],
)
def test_tags_as_list_or_comma_string(written: str) -> None:
    assert ok(doc("---", "name: A", f"tags: {written}", "---")).tags == ("fintech", "hiring-manager")


def test_tags_that_yaml_reads_as_numbers_stay_text() -> None:
    assert ok(doc("---", "name: A", "tags: [2026, true, ml]", "---")).tags == ("2026", "true", "ml")


def test_tags_mapping_is_an_error() -> None:
    contact, problem = only_problem(doc("---", "name: A", "tags: {a: 1}", "---"))
    assert contact is not None and contact.tags == ()
    assert (problem.severity, problem.line) == ("error", 3)


@pytest.mark.parametrize("written", ["2026-11-02", "'2026-11-02'", '"2026-11-02"', '" 2026-11-02 "'])
def test_dates_as_yaml_dates_or_strings(written: str) -> None:
    contact = ok(doc("---", "name: A", f"added: {written}", f"next_follow_up: {written}", "---"))
    assert contact.added == contact.next_follow_up == date(2026, 11, 2)


def test_added_defaults_to_the_earliest_log_entry() -> None:
    text = doc("---", "name: A", "log:", "  - 2026-11-09 call", "  - 2026-11-03 email", "---")
    assert ok(text).added == date(2026, 11, 3)


def test_explicit_added_wins_over_the_log() -> None:
    text = doc("---", "name: A", "added: 2026-12-01", "log:", "  - 2026-11-03 email", "---")
    assert ok(text).added == date(2026, 12, 1)


def test_no_added_and_no_log_leaves_added_unknown() -> None:
    assert ok(doc("---", "name: A", "---")).added is None


def test_unknown_keys_are_kept_in_order_with_their_values() -> None:
    contact = ok(
        doc(
            "---",
            "name: A",
            "favourite_coffee: flat white",
            "company: Acme",
            "kids: 2",
            "languages: [en, de]",
            "---",
        )
    )
    assert contact.extra == (("favourite_coffee", "flat white"), ("kids", 2), ("languages", ["en", "de"]))
    assert contact.company == "Acme"
    assert contact.line("added") is None  # a contact keeps the lines of LINE_KEYS only
    with pytest.raises(ValueError):
        contact.line("favourite_coffee")


def test_notes_indented_past_what_is_rendered_get_a_warning_at_their_first_such_line() -> None:
    """Notes indented more than NOTES_MAX_INDENT columns are shown as plain text (notes_markdown.py):
    the file's problems say so, where it starts (a tab counts to the next multiple of four)."""
    head = doc("---", "name: X", "---", "- a")  # the notes start at line 4
    deep = head + " " * 400 + "- fine\n" + " " * 401 + "- deep\n" + " " * 900 + "- deeper\n"
    _, problem = only_problem(deep)
    assert (problem.path, problem.line, problem.severity) == (PATH, 6, "warning")
    assert problem.message == "notes indented more than 400 columns here are shown as plain text"
    assert NOTES_MAX_INDENT == 400
    _, problem = only_problem(head + "\t" * 100 + " - tabs\n")
    assert problem.line == 5
    ok(head + "\t" * 100 + "- x\n" + " " * 400 + "- x\n")  # 400 columns are rendered


def test_all_text_fields_and_body() -> None:
    contact = ok(
        doc(
            "---",
            "name: Jane Doe",
            "company: Acme Corp",
            "role: Engineering Manager",
            "email: jane@example.com",
            'phone: "+1 555 0100"',
            "linkedin: https://www.linkedin.com/in/janedoe",
            "website: http://jane.example",
            "location: Chicago, IL",
            "how_met: alumni event",
            "strength: Warm",
            "status: met",
            "follow_up_days: 14",
            "---",
            "Notes with a [[Carol Diaz]] link.",
        )
    )
    assert (contact.name, contact.company, contact.role) == ("Jane Doe", "Acme Corp", "Engineering Manager")
    assert (contact.email, contact.phone) == ("jane@example.com", "+1 555 0100")
    assert contact.linkedin == "https://www.linkedin.com/in/janedoe"
    assert (contact.website, contact.location, contact.how_met) == (
        "http://jane.example",
        "Chicago, IL",
        "alumni event",
    )
    assert (contact.strength, contact.status, contact.follow_up_days) == ("warm", "met", 14)
    assert contact.notes == "Notes with a [[Carol Diaz]] link.\n"
    assert contact.notes_line == 15


def test_values_yaml_1_1_would_mangle_stay_as_written() -> None:
    """A phone with a leading zero is not octal, a time is not base 60, `no` is not false, `=` is text."""
    contact = ok(
        doc(
            "---",
            "name: A",
            "phone: 0201234567",
            "location: NO",
            "call_time: 12:30",
            "remote: yes",
            "mood: =",
            "log:",
            "  - 2026-11-06 call: =",
            "---",
        )
    )
    assert (contact.phone, contact.location) == ("0201234567", "NO")
    assert contact.extra == (("call_time", "12:30"), ("remote", "yes"), ("mood", "="))
    assert contact.log[0].note == "="


def test_plain_numbers_and_booleans_still_read_as_such() -> None:
    contact = ok(doc("---", "name: A", "n: -12", "f: 1.5", "e: 1.5e+3", "b: true", "z: 0", "h: 0x1F", "---"))
    assert contact.extra == (("n", -12), ("f", 1.5), ("e", 1500.0), ("b", True), ("z", 0), ("h", 31))


def test_what_yaml_1_1_reads_as_text_stays_text() -> None:
    contact = ok(doc("---", "name: A", "a: 1e3", "b: 0o17", "c: -.5", "d: 1_000", "e: +1", "---"))
    assert contact.extra == (("a", "1e3"), ("b", "0o17"), ("c", "-.5"), ("d", "1_000"), ("e", "+1"))


# --- problems from SPEC's table -----------------------------------------------------------------


def test_invalid_yaml_points_at_the_file_line_and_drops_the_contact() -> None:
    text = doc("---", "name: A", "company: Acme", "tags: [a, b", "role: x", "---", "body")
    contact, problem = only_problem(text)
    assert contact is None
    assert (problem.path, problem.severity) == (PATH, "error")
    assert problem.line == 5  # where the parser gave up on the list opened on line 4
    assert problem.message.startswith("front matter is not valid YAML")


def test_unclosed_list_at_the_end_points_where_it_opened() -> None:
    contact, problem = only_problem(doc("---", "name: A", "tags: [a, b", "", "---"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_invalid_yaml_line_for_a_bad_indent() -> None:
    contact, problem = only_problem(doc("---", "name: A", "company: Acme", "  role: x", "---"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 4)


def test_invalid_yaml_line_counts_blank_lines_after_the_fence() -> None:
    contact, problem = only_problem(doc("---", "", "", "name: A", "  bad: indent", "---"))
    assert contact is None
    assert problem.line == 5


def test_unquoted_note_with_colon_space_is_a_yaml_error_on_its_line() -> None:
    text = doc("---", "name: A", "log:", "  - 2026-11-06 call: a note: with colons", "---")
    contact, problem = only_problem(text)
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 4)


@pytest.mark.parametrize(
    ("front", "line"),
    [(["- a", "- b"], 2), (["just text"], 2), (["42"], 2), (["", "- a"], 3)],
)
def test_front_matter_that_is_not_a_mapping(front: list[str], line: int) -> None:
    contact, problem = only_problem(doc("---", *front, "---"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", line)
    assert "not a mapping" in problem.message


def test_file_that_is_not_utf8_reports_the_line_of_the_bad_byte() -> None:
    data = "---\nname: Zoë\ncompany: Acme\n".encode("latin-1") + b"---\n"
    contact, problems = parse_bytes("x", PATH, data)
    assert contact is None
    assert len(problems) == 1
    assert (problems[0].severity, problems[0].line) == ("error", 2)
    assert "UTF-8" in problems[0].message


def test_utf8_bytes_parse_like_text() -> None:
    contact, problems = parse_bytes("zoe", PATH, "---\nname: Zoë\n---\n".encode())
    assert problems == ()
    assert contact is not None and contact.name == "Zoë"


@pytest.mark.parametrize(
    ("front", "line"),
    [
        (["company: Acme"], 2),
        (["company: Acme", "name:"], 3),
        (["name: ''"], 2),
        (["name: '   '"], 2),
    ],
)
def test_no_name_uses_the_id(front: list[str], line: int) -> None:
    contact, problems = parse_contact("jane-doe", PATH, doc("---", *front, "---"))
    assert contact is not None and contact.name == "jane-doe"
    assert [(p.severity, p.line) for p in problems] == [("error", line)]
    assert problems[0].message.startswith("no name")


@pytest.mark.parametrize(
    "written", ["2026-13-01", "11/06/2026", "2026-02-30", "2026-11-6", "next week", "2026-11-06T10:00:00"]
)
def test_bad_added_date_is_an_error_on_its_line_and_ignored(written: str) -> None:
    text = doc("---", "name: A", "company: Acme", f"added: {written}", "log:", "  - 2026-11-04 email", "---")
    contact, problem = only_problem(text)
    assert contact is not None
    assert contact.added == date(2026, 11, 4)  # ignored, so the first log entry stands in
    assert (problem.severity, problem.line) == ("error", 4)
    assert "YYYY-MM-DD" in problem.message


@pytest.mark.parametrize("written", ["2026-11-06 10:00:00", "2026-11-06t10:00:00Z", "2026-11-06 10:00:00 +2"])
def test_datetime_values_are_not_dates(written: str) -> None:
    contact, problem = only_problem(doc("---", "name: A", f"next_follow_up: {written}", "---"))
    assert contact is not None and contact.next_follow_up is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_bad_status_is_ignored_so_it_can_be_derived() -> None:
    contact, problem = only_problem(doc("---", "name: A", "status: hired", "---"))
    assert contact is not None and contact.status is None
    assert (problem.severity, problem.line) == ("error", 3)
    assert "status" in problem.message


def test_bad_strength_is_ignored() -> None:
    contact, problem = only_problem(doc("---", "name: A", "", "strength: cold", "---"))
    assert contact is not None and contact.strength is None
    assert (problem.severity, problem.line) == ("error", 4)


@pytest.mark.parametrize("written", ["0", "-3", "2.5", '"14"', "true", "[7]"])
def test_bad_follow_up_days_is_ignored(written: str) -> None:
    contact, problem = only_problem(doc("---", "name: A", f"follow_up_days: {written}", "---"))
    assert contact is not None and contact.follow_up_days is None
    assert (problem.severity, problem.line) == ("error", 3)


@pytest.mark.parametrize(
    "entry",
    [
        "  - garbage",
        "  - 2026-11-06",
        "  - 2026-13-01 call: bad month",
        "  - 2026-02-30 call",
        "  - 06/11/2026 call",
        "  - {date: 2026-11-06}",
        "  - {date: 2026-11-06, kind: call, mood: good}",
        "  - {date: 2026-11-06, kind: two words}",
        "  - {date: nope, kind: call}",
        "  - 2026-11-06 call: [a, b]",
        "  - [2026-11-06, call]",
        "  - 42",
        "  -",
    ],
)
def test_unreadable_log_entry_is_dropped_with_an_error_on_its_line(entry: str) -> None:
    text = doc("---", "name: A", "log:", "  - 2026-11-01 email: first", entry, "  - 2026-11-09 thanks", "---")
    contact, problem = only_problem(text)
    assert contact is not None
    assert [e.kind for e in contact.log] == ["email", "thanks"]
    assert (problem.severity, problem.line) == ("error", 5)
    assert problem.message.endswith("dropped")


def test_log_that_is_not_a_list_is_an_error() -> None:
    contact, problem = only_problem(doc("---", "name: A", "log: 2026-11-06 call", "---"))
    assert contact is not None and contact.log == ()
    assert (problem.severity, problem.line) == ("error", 3)


@pytest.mark.parametrize("entry", ["  - 2026-11-06 coffee: latte", "  - {date: 2026-11-06, kind: coffee}"])
def test_unknown_log_kind_counts_as_other(entry: str) -> None:
    contact, problem = only_problem(doc("---", "name: A", "log:", entry, "---"))
    assert contact is not None
    (logged,) = contact.log
    assert (logged.kind, logged.label, logged.date) == ("other", "coffee", date(2026, 11, 6))
    assert (problem.severity, problem.line) == ("error", 4)
    assert "coffee" in problem.message


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("linkedin", "linkedin.com/in/jane"),
        ("linkedin", "javascript:alert(1)"),
        ("website", "ftp://jane.example"),
        ("website", "www.jane.example"),
    ],
)
def test_link_that_is_not_http_is_a_warning(key: str, url: str) -> None:
    contact, problem = only_problem(doc("---", "name: A", "company: Acme", f"{key}: '{url}'", "---"))
    assert contact is not None and getattr(contact, key) == url
    assert (problem.severity, problem.line) == ("warning", 4)


@pytest.mark.parametrize("url", ["https://linkedin.com/in/jane", "HTTP://jane.example/x"])
def test_http_links_are_fine(url: str) -> None:
    assert ok(doc("---", "name: A", f"linkedin: {url}", f"website: {url}", "---")).linkedin == url


def test_text_field_given_a_list_is_an_error_and_ignored() -> None:
    contact, problem = only_problem(doc("---", "name: A", "company: [Acme, Globex]", "---"))
    assert contact is not None and contact.company is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_duplicate_key_is_a_warning_at_the_second_one_and_the_last_wins() -> None:
    contact, problem = only_problem(doc("---", "name: A", "company: Acme", "name: B", "---"))
    assert contact is not None and contact.name == "B"
    assert (problem.severity, problem.line) == ("warning", 4)
    assert "'name'" in problem.message


def test_several_problems_in_one_file_are_all_reported() -> None:
    text = doc(
        "---",
        "status: busy",
        "added: 2026-02-30",
        "website: example.org",
        "log:",
        "  - 2026-11-06 lunch: tacos",
        "  - nonsense",
        "---",
    )
    contact, problems = parse(text)
    assert contact is not None
    found = sorted((p.line or 0, p.severity) for p in problems)
    assert found == [(2, "error"), (2, "error"), (3, "error"), (4, "warning"), (6, "error"), (7, "error")]


# --- odd inputs ---------------------------------------------------------------------------------


def test_byte_order_mark_is_ignored() -> None:
    contact = ok("\ufeff" + doc("---", "name: A", "---"))
    assert contact.name == "A"
    contact, problems = parse_bytes("x", PATH, b"\xef\xbb\xbf---\nname: B\n---\n")
    assert problems == () and contact is not None and contact.name == "B"


def test_crlf_line_endings_keep_line_numbers() -> None:
    text = doc(
        "---", "name: A", "added: 2026-99-01", "log:", "  - 2026-11-06 call: hi", "---", "body"
    ).replace("\n", "\r\n")
    contact, problem = only_problem(text)
    assert contact is not None
    assert problem.line == 3
    assert entry_facts(contact) == [(date(2026, 11, 6), "call", "hi")]
    assert contact.log[0].line == 5
    assert contact.notes.strip() == "body"


def test_crlf_yaml_error_line() -> None:
    _, problem = only_problem(doc("---", "name: A", "tags: [a", "---").replace("\n", "\r\n"))
    assert problem.line == 3


def test_unusual_line_breaks_do_not_shift_line_numbers() -> None:
    """Lines are counted as editors and grep count them: by newline only."""
    text = doc("---", "name: 'A\u2028B'", 'note: "x\x85y\u2029z"', "added: 2026-99-01", "---")
    contact, problem = only_problem(text)
    assert contact is not None
    assert problem.line == 4


def test_empty_front_matter_gives_a_contact_named_by_id() -> None:
    for text in ("---\n---\n", "---\n\n---\nbody\n", "---\n# only a comment\n---\n"):
        contact, problems = parse_contact("jane-doe", PATH, text)
        assert contact is not None and contact.name == "jane-doe"
        assert [(p.severity, p.line) for p in problems] == [("error", 2)]


@pytest.mark.parametrize("text", ["", "just notes\n", "name: A\n", "\n---\nname: A\n---\n"])
def test_no_front_matter_is_an_error_on_line_one(text: str) -> None:
    contact, problem = only_problem(text)
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 1)
    assert "front matter" in problem.message


def test_unclosed_front_matter_says_so() -> None:
    contact, problem = only_problem(doc("---", "name: A", "company: Acme"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 1)
    assert "closing '---'" in problem.message


def test_body_may_contain_more_fences() -> None:
    contact = ok(doc("---", "name: A", "---", "notes", "---", "more: notes", "---"))
    assert contact.notes == "notes\n---\nmore: notes\n---\n"


def test_control_character_is_an_error_on_its_line() -> None:
    contact, problem = only_problem(doc("---", "name: A", "company: Ac\x07me", "---"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_python_tags_are_refused_not_run() -> None:
    text = doc("---", "name: A", "x: !!python/object/apply:os.system ['echo pwned']", "---")
    contact, problem = only_problem(text)
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_non_scalar_key_is_an_error() -> None:
    contact, problem = only_problem(doc("---", "name: A", "? [a, b]", ": c", "---"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_moderate_nesting_is_kept_as_an_unknown_value() -> None:
    contact = ok(doc("---", "name: A", "deep: " + "[" * 50 + "x" + "]" * 50, "---"))
    value = dict(contact.extra)["deep"]
    for _ in range(50):
        (value,) = value
    assert value == "x"


DEEP = {
    "flow lists": "[" * 5000 + "]" * 5000,
    "flow mappings": "{a: " * 3000 + "1" + "}" * 3000,
    "unclosed": "[" * 5000,
    "block lists": "\n  " + "- " * 3000 + "x",
    "just too deep": "[" * 65 + "]" * 65,
}


@pytest.mark.parametrize("deep", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_an_error_not_a_crash(deep: str) -> None:
    text = doc("---", "name: A", f"deep: {deep}", "---")
    contact, problem = only_problem(text)
    assert contact is None
    assert problem.severity == "error"
    assert problem.line is not None and 3 <= problem.line <= text.count("\n")


def test_deep_nesting_cannot_crash_even_with_a_raised_recursion_limit() -> None:
    """`netsite ... --json` raises the recursion limit for deep trees; parsing must stay safe after."""
    code = (
        "import sys; sys.setrecursionlimit(100_000)\n"
        "from netsite.contact import parse_contact\n"
        "text = '---\\nname: A\\ndeep: ' + '[' * 60000 + ']' * 60000 + '\\n---\\n'\n"
        "contact, problems = parse_contact('x', 'x.md', text)\n"
        "print(contact is None, [(p.line, p.severity) for p in problems])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout) == (0, "True [(3, 'error')]\n")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    started = time.perf_counter()
    contact, problem = only_problem(doc("---", "name: A", *lines, "---"))
    assert time.perf_counter() - started < 2
    assert contact is None
    assert problem.severity == "error"
    assert problem.line is not None and 3 <= problem.line <= 14
    assert "alias" in problem.message


def test_small_aliases_are_fine() -> None:
    contact = ok(doc("---", "name: A", "home: &h Chicago, IL", "location: *h", "---"))
    assert contact.location == "Chicago, IL"


def test_merge_keys_work() -> None:
    contact = ok(doc("---", "base: &b {company: Acme, role: PM}", "<<: *b", "name: A", "role: CTO", "---"))
    assert (contact.company, contact.role) == ("Acme", "CTO")


@pytest.mark.parametrize("text", ["a: &a [*a]", "a: &a {b: *a}"])
def test_recursive_alias_is_an_error(text: str) -> None:
    contact, problem = only_problem(doc("---", "name: A", text, "---"))
    assert contact is None
    assert (problem.severity, problem.line) == ("error", 3)


def test_long_log_parses_fast() -> None:
    entries = [f"  - 2026-{1 + i % 12:02d}-{1 + i % 28:02d} email: note {i}" for i in range(2000)]
    started = time.perf_counter()
    contact = ok(doc("---", "name: A", "log:", *entries, "---"))
    assert time.perf_counter() - started < 2
    assert len(contact.log) == 2000
    assert contact.log[-1].line is not None and 4 <= contact.log[-1].line <= 2003


def test_a_contact_pickles_as_its_values_and_comes_back_whole() -> None:
    """The build cache pickles contacts and log entries as tuples of values made by tuple.__new__
    (their __reduce__, no Python call to read them back): every field comes back, the lines of each
    key too, and the pickle names no field."""
    text = (
        "---\nname: Ana Lopez\ncompany: Acme\ntags: [a, b]\nadded: 2026-01-02\nnext_follow_up: 2026-02-03\n"
        "log:\n  - 2026-01-05 call: talked\nhobby: sailing\n---\nNotes [[bob]].\n"
    )
    contact, _ = parse_contact("ana", "contacts/ana.md", text)
    assert contact is not None
    data = pickle.dumps(contact, pickle.HIGHEST_PROTOCOL)
    again = pickle.loads(data)
    assert type(again) is Contact and tuple(again) == tuple(contact) and again.lines == contact.lines
    assert type(again.log[0]) is LogEntry and again.log == contact.log
    assert b"__new__" in pickle.dumps(contact.log[0], pickle.HIGHEST_PROTOCOL)
    assert again.line("next_follow_up") == 6 and b"notes_line" not in data and b"__new__" in data


def test_each_day_is_one_object_whichever_field_or_entry_names_it() -> None:
    """The parse cache pickles a day once however many entries name it (and reads it back once)."""
    text = (
        "---\nname: A\nadded: 2026-11-02\nlog:\n  - 2026-11-02 call: hi\n  - 2026-11-02 thanks: sent\n---\n"
    )
    first, _ = parse(text, "a")
    second, _ = parse(text.replace("name: A", "name: B"), "b")
    assert first is not None and second is not None
    days = {id(first.added), id(second.added), *(id(e.date) for e in (*first.log, *second.log))}
    assert len(days) == 1 and first.added == date(2026, 11, 2)
    assert pickle.dumps((first, second)).count(b"\x07\xea\x0b\x02") == 1
    assert first.log[0].kind is second.log[0].kind  # and each kind of entry, tag and strength
