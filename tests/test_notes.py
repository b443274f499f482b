"""Notes: the Markdown subset rendered without Python-Markdown gives exactly what Python-Markdown gives."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from netsite.notes import NotesRenderer, contact_href

PEOPLE = {"ann": ("ann", "Ann & <Co>"), "bob lee": ("bob-lee", "Bob Lee"), "x": ("x", "X*y*")}


def resolve(target: str) -> tuple[str, str] | None:
    return PEOPLE.get(target.strip().lower())


def by_python_markdown(renderer: NotesRenderer, text: str) -> str:
    """Render a note through Python-Markdown itself, never the shortcut."""
    return renderer.python_markdown(text)


def by_shortcut(renderer: NotesRenderer, text: str) -> str:
    """Render a note as NotesRenderer.render does, but let an error of the shortcut through (render
    would hand the note to Python-Markdown instead)."""
    html = renderer.subset.render(text.replace("\r\n", "\n"))
    return by_python_markdown(renderer, text) if html is None else html


# Pieces that mean something to Markdown, or to the shortcut's checks, in many combinations.
TOKENS = [
    "word",
    "Two words.",
    " ",
    "\n",
    "\n\n",
    "\n\n\n",
    "[[Ann]]",
    "[[bob lee|Bob]]",
    "[[nobody]]",
    "[[ x ]]",
    "[[[Ann]]",
    "[[a|b]c]]",
    "[",
    "]",
    "|",
    "#",
    "# ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "=",
    "---",
    ">",
    "<b>",
    "&",
    "&amp;",
    "*",
    "_",
    "`",
    "\\",
    "!",
    "](x)",
    "]: x",
    "  \n",
    "\t",
    "\r",
    "\u00a0",
    "\u2028",
    "\x02",
    "é—ü",
    ":",
    "    ",
    "https://example.com/a_b",
    "- ",
    "\n- ",
    "\n- item",
    "\n\n- one\n- two [[Ann]]\n\n",
    "\n* item",
    "\n+ item",
    "\n\n* one\n* two **b**\n\n",
    "\n* * *\n",
    "***",
    "_em_",
    "_two words_",
    "snake_case",
    "__",
    " _",
    "_ ",
    "a_",
    "x_y_z",
    "___",
    "`code`",
    "` x `",
    "`a*b*`",
    "`[[Ann]]`",
    "``",
    "`|`",
    "**",
    "**bold**",
    "** loose **",
    "*em*",
    "[the guide](https://example.com/a_b?x=1&y=2)",
    "[rel](page.html)",
    "[x](mailto:a@b.c)",
    "[[Ann]](x)",
    "(",
    ")",
    "R&D",
    "&copy;",
    "[[bob lee|**Bob**]]",
    "[[x]]",
    "## ",
    "\n### Heading *one*\n",
    "#tag",
    "\n1. first\n2. second",
    "\n\n1. one\n2. two *b*\n\n",
    "\n\n---\n\n",
    "***",
    "\n- [ ] task",
    "\n- [x] done **b**",
    "[ ]",
    "\n1) x",
    "\n- - -",
    "\n- -x",
    "\n+ [[Ann]]",
    "\n- _a_ **b**",
    "3. ",
    "10. ",
    "a*b*c",
    "*",
    "\n\n| a | b |\n| --- | --- |\n| 1 | [[Ann]] |\n",
    "\n| x | **y** |",
    "\n|:--|--:|",
    "\n| :-: | - |",
    "\n|---|",
    "\n| |",
    "| a |",
    "|",
    " | ",
    "\n\n| h |\n| --- |\n",
    "\n\n> she said **yes** to [[Ann]]\n",
    "\n> ",
    "> ",
    ">",
    "\n>",
]
NOTES = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)


@pytest.mark.parametrize("allow_html", [False, True])
@settings(max_examples=400, deadline=None)
@given(text=NOTES | st.text(max_size=60))
@example(text="Met at the fair.\n\nName from [[Ann]], who knows them.\n\nSuggested [[bob lee|Bob]].\n")
@example(text="[[Ann]]")
@example(text="\n\n[[nobody]] and [[ x ]]\n\n\n")
@example(text="line one \nline two\n\n\n\npara")
def test_the_shortcut_gives_what_python_markdown_gives(allow_html: bool, text: str) -> None:
    renderer = NotesRenderer(resolve, allow_html)
    assert by_shortcut(renderer, text) == by_python_markdown(renderer, text)


CELL = st.lists(
    st.sampled_from(
        ["a", " ", "**b**", "*c*", "_d_", "[[Ann]]", "[[x|Y]]", "R&D", "x_y", "[t](https://e.com)"]
    )
    | st.sampled_from(["-", ":", "é", "1.", "#", "word", "  ", "5 > 3", "`c`", "[", "*"]),
    max_size=4,
).map("".join)
SEPARATOR = st.sampled_from(["---", " --- ", ":--", "--:", ":-:", "-", " :---: ", "", ":"])


# What may stand around a generated block: blocks before and after it, or lines of its own block.
BEFORE = st.sampled_from(
    ["", "", "Para.\n\n", "## H\n", "- x\n\n", "Para.\n", "> q\n\n", "| a |\n| - |\n| 1 |\n\n"]
)
AFTER = st.sampled_from(["", "", "\n", "\n\nAfter.", "\n## H", "\nword", "\n\n- y", "\n\n> more"])


@st.composite
def tables(draw: st.DrawFn) -> list[str]:
    """The lines of a table, mostly well formed (rows sometimes a cell short or long)."""
    width = draw(st.integers(1, 4))
    widths = st.sampled_from([width] * 5 + [width - 1, width + 1])
    rows = [[draw(CELL) for _ in range(width)], [draw(SEPARATOR) for _ in range(width)]]
    rows += [[draw(CELL) for _ in range(draw(widths))] for _ in range(draw(st.integers(0, 3)))]
    return ["|" + "|".join(cells) + "|" + draw(st.sampled_from(["", "", "", " "])) for cells in rows]


@st.composite
def quotes(draw: st.DrawFn) -> list[str]:
    """The lines of a quote, mostly `> ` and text (sometimes lazy, empty or holding a list)."""
    marks = st.sampled_from(["> ", "> ", "> ", ">", "", "  > "])
    texts = CELL | st.sampled_from(["- x", "1. y", "# z"])
    return [draw(marks) + draw(texts) for _ in range(draw(st.integers(1, 4)))]


@settings(max_examples=600, deadline=None)
@given(before=BEFORE, lines=tables() | quotes(), after=AFTER)
def test_tables_and_quotes_take_the_shortcut_only_as_python_markdown_reads_them(
    before: str, lines: list[str], after: str
) -> None:
    text = before + "\n".join(lines) + after
    renderer = NotesRenderer(resolve, False)
    assert by_shortcut(renderer, text) == by_python_markdown(renderer, text)


@settings(max_examples=300, deadline=None)
@given(text=NOTES)
@example(text="Met at the fair.\n\n- one\n- two [[Ann]]\n\n1. three\n")
def test_crlf_line_ends_give_what_python_markdown_gives(text: str) -> None:
    """Notes saved with Windows line ends take the shortcut too, and give the same HTML."""
    renderer = NotesRenderer(resolve, False)
    crlf = text.replace("\n", "\r\n")
    assert by_shortcut(renderer, crlf) == by_python_markdown(renderer, crlf)


ITEM_TEXT = st.sampled_from(["a", "**b** c", "[[Ann]]", "[ ] g", "d [[x|Y]]", "e", "f", "# i"])
BETWEEN = st.sampled_from(["\n\n", "\n\n", "\n\n\n", "\n", "\n\nText.\n\n", "\n## H\n", "\n\n> q\n\n"])
ODD_PAD = st.sampled_from(["  ", "     ", "\t", "        "])  # not four spaces a level
# Lines that go on with an item's text (wrapped), or look as if they might.
CONTINUED = st.sampled_from(
    [
        "  and more",
        "continued [[Ann]]",
        "   three",
        "  **b** c",
        "  x  ",
        "  # x",
        "  > q",
        "  - s",
        "  ---",
        " *c",
        "    four",
        "      six",
        "        eight [[Ann]]",
    ]
)


@st.composite
def list_block(draw: st.DrawFn) -> str:
    """One to five list lines, each at the level of the line before, one deeper or back out, with
    one marker a level (now and then another, or another indentation)."""
    markers = [draw(st.sampled_from(["- ", "* ", "+ ", "1. ", "2. "])) for _ in range(4)]
    lines, depth = [], 0
    for _ in range(draw(st.integers(1, 5))):
        pad = "    " * depth if draw(st.integers(0, 9)) else draw(ODD_PAD)
        marker = markers[depth] if draw(st.integers(0, 9)) else draw(st.sampled_from(["- ", "3. "]))
        lines.append(pad + marker + draw(ITEM_TEXT))
        lines += draw(st.lists(CONTINUED, max_size=2)) if draw(st.integers(0, 3)) == 0 else []
        depth = draw(st.integers(0, min(depth + 1, 3)))
    return "\n".join(lines)


@st.composite
def lists(draw: st.DrawFn) -> str:
    """Lists one after another, with blank lines, text or headings between."""
    return "".join(draw(list_block()) + draw(BETWEEN) for _ in range(draw(st.integers(1, 4))))


@settings(max_examples=800, deadline=None)
@given(text=lists())
@example(text="- a\n- b\n\n- c\n- d\n")
@example(text="- a\n\n- b\n\n- c\n")
@example(text="3. a\n\n7. b\n8. c\n")
@example(text="- a\n\n* b\n\n+ c\n")
@example(text="- a\n    - b\n        - c\n- d\n    1. e\n")
@example(text="- a\n    - b\n- c\n\n- d\n")
@example(text="- a\n  ")
@example(text="- a\n    ")
@example(text="- a\n  x  \n  **b** c\n\n")
@example(text="- a\n    four\n    - b\n      six\n")
@example(text="- a\n    - b\n        - c\n\n- d\n    1. e\n\n- f\n")
def test_lists_take_the_shortcut_as_python_markdown_reads_them(text: str) -> None:
    """A list that goes on after a blank line is one loose list: the items either side of each blank
    line hold a paragraph. Lines indented four spaces more below an item are a list inside it."""
    renderer = NotesRenderer(resolve, False)
    assert by_shortcut(renderer, text) == by_python_markdown(renderer, text)


LINE_ENDS = st.sampled_from(["\n", "  \n", "  \n", "   \n", "    \n", " \n", "  \n\n", "\n\n"])
LINE_WORDS = st.lists(
    st.sampled_from(
        ["a", "**b**", "*c*", "_d_", "[[Ann]]", "[t](https://e.com)", "`e`", "f", "**", "`", "["]
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@st.composite
def broken_lines(draw: st.DrawFn) -> str:
    """Lines of text, quoted or listed or plain, some ending in two spaces or more (a hard break)."""
    lead = draw(st.sampled_from(["", "", "> ", "- ", "## "]))
    lines = [lead + draw(LINE_WORDS) + draw(LINE_ENDS) for _ in range(draw(st.integers(1, 4)))]
    return "".join(lines) + draw(st.sampled_from(["", "  ", "end"]))


@settings(max_examples=800, deadline=None)
@given(text=broken_lines())
@example(text="line one  \nline two   \n**three**  \nfour  ")
@example(text="> she said  \n> yes to [[Ann]]  \n")
def test_hard_line_breaks_take_the_shortcut_as_python_markdown_reads_them(text: str) -> None:
    """Two spaces or more at a line's end break it where Python-Markdown breaks it: inside a paragraph
    or quote, not at a block's end, where the spaces stay."""
    renderer = NotesRenderer(resolve, False)
    assert by_shortcut(renderer, text) == by_python_markdown(renderer, text)


def test_lists_nested_past_what_python_markdown_can_read_are_shown_as_text() -> None:
    """Python-Markdown takes time as the cube of how deep lists nest, and fails some 250 deep: a note
    indented past MAX_INDENT is shown as its text; the subset refuses it without recursing as deep."""
    renderer = NotesRenderer(resolve, False)
    deep = "\n".join("    " * i + "- x & y" for i in range(2000))
    assert renderer.subset.render(deep) is None
    far = " " * 401 + "- <b> & c"
    assert renderer.render(far) == "<pre>" + " " * 401 + "- &lt;b&gt; &amp; c</pre>"
    shown = renderer.render(deep)
    assert shown[:5] == "<pre>"  # before comparing the whole: a diff of a megabyte takes minutes
    assert shown == "<pre>" + deep.replace("&", "&amp;") + "</pre>"
    tabs = "- a\n" + "\t" * 101 + "- b"
    assert renderer.render(tabs).startswith("<pre>")
    shallow = "\n".join("    " * i + "- x" for i in range(100))
    assert renderer.render(shallow) == by_python_markdown(renderer, shallow)


def test_a_note_the_shortcut_trips_over_goes_to_python_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the shortcut costs one note its speed, not the build."""
    renderer = NotesRenderer(resolve, False)
    note = "- a\n    - b\n\nSee [[Ann]]."
    wanted = by_python_markdown(renderer, note)

    def tripped(text: str) -> str:
        raise IndexError(text)

    monkeypatch.setattr(renderer.subset, "render", tripped)
    assert renderer.render(note) == wanted


def test_a_note_python_markdown_fails_on_is_shown_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """And the converter that failed is not used again: its parser may have been left mid-way."""
    renderer = NotesRenderer(resolve, False)
    nested = "__a__\n\n> c"  # outside the subset
    wanted = renderer.python_markdown(nested)
    converters = renderer.full.converters
    [failing] = converters.values()
    monkeypatch.setattr(failing, "convert", lambda text: (_ for _ in ()).throw(RecursionError()))
    assert renderer.render(nested) == "<pre>__a__\n\n&gt; c</pre>"
    assert failing not in converters.values()
    assert renderer.render(nested) == wanted


@pytest.mark.parametrize(
    "text",
    [
        "Met at the fair.\n\nName from [[Ann]], who knows them.\n",
        "Two lines\nof one paragraph, then [[nobody]].",
        "",
        "\n\n",
        "- **Trends**: hiring\n- **Advice**: ask [[bob lee|Bob]]\n- see [the guide](https://example.com/g)",
        "Intro.\n\n- one\n- two\n\nR&D, Q&A and 5 > 3.",
        "Asked about:\n\n* roadmap\n* hiring, with *care*\n\nThen:\n\n+ one\n+ two",
        "Uses `kubectl` daily; ask about `make test` and `*globs*`.",
        "She is _very_ keen on data_pipeline work (_really_).",
        "## TIARA\nWhat *trends* matter?\n\n3. Which skills?\n4. What next?",
        "Asked:\n\n| topic | answer |\n| --- | :-: |\n| team | [[Ann]] |\n| hiring | **Q1** |\n",
        "## TIARA\n> Ask what *trends* she sees,\n> and who else to ask ([[Ann]]).\n\nThen:\n\n- thank her",
        "Topics:\n- roadmap, with [[Ann]]\n- hiring\n1) next steps",
        "Advice:\n\n- update the CV\n- ask for *two* names\n\n1. send thanks\n2. follow up\n\n- then rest",
        "Met at the fair.\n\n---\n\nNext:\n\n- [ ] send the CV\n- [x] thank **Ann**\n\n***",
        "Asked:\n\n- the roadmap\n\n- who hires, and when\n- [[Ann]]\n\n1. thank her\n\n2. follow up",
        "TIARA:\n\n- Trends\n    - payments\n    - *AI*\n- Advice\n    1. ask [[Ann]]\n        - soon",
        "Called her.  \nShe said **yes**   \nto [[Ann]].\n\n> keep  \n> going  ",
        "- asked about the roadmap and how the platform team hires,\n  and she suggested [[Ann]]\n- b",
    ],
)
def test_plain_notes_take_the_shortcut(text: str) -> None:
    assert NotesRenderer(resolve, False).subset.render(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "a\n    code",
        "**a `b` c**",
        "a ``b`` c",
        "> quote\n>\n> two paragraphs",
        "> a\n\n> b",
        "a | b\n--- | ---",
        "tab\tx",
        "a [b]",
        "* * *",
        "- a\n* b",
        "*a**b*",
        "- [ ] ask [[Ann]]",
        "- [x] [the guide](https://example.com)",
        "- - -",
        "Text\n---",
        "a paragraph\n- - -",
        "_a",
        "__strong__",
        "&amp;",
        "[[x]]",
        "**[[Ann]]**",
        "[[Ann]](x)",
    ],
)
def test_anything_else_goes_through_python_markdown(text: str) -> None:
    assert NotesRenderer(resolve, False).subset.render(text) is None


@given(st.one_of(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True), st.text()))
@example("josé-núñez")
@example("a b?c#d%e/f~g_h.i")
@example("ann lee")
@example("ann+lee")
def test_contact_links_are_the_quoted_id_whether_or_not_the_id_needs_quoting(contact_id: str) -> None:
    assert contact_href(contact_id) == quote(contact_id) + ".html"
