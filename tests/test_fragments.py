"""The HTML fragments pages repeat: escaped, linked from the right depth, and the same when memoised."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from conftest import write_journal

from netsite.due import DueItem
from netsite.fragments import Fragments, due_label, due_when
from netsite.journal import load_journal
from netsite.model import Network, build_network

TODAY = date(2026, 11, 25)


HOSTILE = {
    "a.md": '---\nname: "<b>Ann</b> & Co"\nlog:\n  - 2026-11-20 call\n---\n',
    "b.md": "---\nname: Bob\nreferred_by: a\ncompany: <i>B</i> & Co\nlog:\n  - 2026-01-02 email\n---\n",
}


def _network(root: Path) -> Network:
    write_journal(root, HOSTILE)
    return build_network(load_journal(root), TODAY)


def test_person_links_escape_names_and_follow_the_folder_depth(tmp_path: Path) -> None:
    network = _network(tmp_path)
    ann = network.contacts["a"]
    top, nested = Fragments(network, ""), Fragments(network, "../")
    assert top.person(ann) == '<a href="contacts/a.html">&lt;b&gt;Ann&lt;/b&gt; &amp; Co</a>'
    assert nested.person(ann) == '<a href="../contacts/a.html">&lt;b&gt;Ann&lt;/b&gt; &amp; Co</a>'


def test_memoised_fragments_equal_fresh_ones(tmp_path: Path) -> None:
    network = _network(tmp_path)
    chain = [network.contacts["a"], network.contacts["b"]]
    used = Fragments(network, "../")
    first = (used.person(chain[1]), used.status_badge("b"), used.chain_path(chain))
    again = (used.person(chain[1]), used.status_badge("b"), used.chain_path(chain))
    fresh = Fragments(network, "../")
    assert first == again == (fresh.person(chain[1]), fresh.status_badge("b"), fresh.chain_path(chain))
    assert fresh.chain_path(chain[:1]) != first[2]  # a shorter chain is not taken from the memo


def test_chain_path_links_every_step(tmp_path: Path) -> None:
    network = _network(tmp_path)
    html = Fragments(network, "").chain_path([network.contacts["a"], network.contacts["b"]])
    assert html.startswith('<span class="chain">me <span class="arrow" aria-hidden="true">→</span> ')
    assert html.count("<a href=") == 2 and html.endswith('<a href="contacts/b.html">Bob</a></span>')


def test_status_badge_says_when_a_contact_is_going_cold(tmp_path: Path) -> None:
    network = _network(tmp_path)
    fragments = Fragments(network, "")
    assert "going cold" not in fragments.status_badge("a")
    assert fragments.status_badge("b").startswith('<span class="badge status-')
    assert "going cold" in fragments.status_badge("b")  # nothing since January


def test_due_wording() -> None:
    def item(kind: str, days: int, warm: bool | None = None) -> DueItem:
        return DueItem("a", "A", kind, TODAY, days, warm)

    assert due_when(item("follow-up", 3)) == '<span class="late">3 days overdue</span>'
    assert due_when(item("follow-up", 0)) == '<span class="today">today</span>'
    assert due_when(item("follow-up", -1)) == '<span class="soon">in 1 day</span>'
    assert [due_label(item(k, 0, w)) for k, w in [("thank-you", None), ("follow-up", None)]] == [
        "Send a thank-you",
        "Follow up",
    ]
    assert due_label(item("reach-out", 0, True)) == "Reach out (warm lead)"
    assert due_label(item("reach-out", 0, False)) == "Reach out (cold)"


def _trail(tmp_path: Path, count: int) -> Network:
    """Model one referral trail p0 → p1 → … of count people."""
    files = {f"p{i}.md": f"---\nname: P{i}\nreferred_by: p{i - 1}\n---\n" for i in range(1, count)}
    write_journal(tmp_path, {"p0.md": "---\nname: P0\n---\n", **files})
    return build_network(load_journal(tmp_path), TODAY)


def test_a_long_chain_shows_its_ends_and_how_many_are_between(tmp_path: Path) -> None:
    from netsite.fragments import Chain
    from netsite.site import SiteFacts

    network = _trail(tmp_path, 50)
    chain = SiteFacts(network).chain("p49")
    assert isinstance(chain, Chain) and len(chain) == 50 and chain[-2].id == "p48"
    assert [c.id for c in chain] == [f"p{i}" for i in range(50)] and chain[10].id == "p10"
    html = Fragments(network, "").chain_path(chain)
    names = re.findall(r">(P\d+)</a>", html)
    assert names == ["P0", "P1", "P2", *(f"P{i}" for i in range(44, 50))] and "… 41 more …" in html
    assert html.index("P2<") < html.index("41 more") < html.index("P44<")
    # Any list of contacts is shown the same way as the forest's chain.
    assert Fragments(network, "").chain_path(list(chain)) == html


def test_a_chain_up_to_ten_long_is_shown_whole(tmp_path: Path) -> None:
    from netsite.site import SiteFacts

    network = _trail(tmp_path, 11)
    facts, fragments = SiteFacts(network), Fragments(network, "")
    whole = fragments.chain_path(facts.chain("p9"))
    assert whole.count("<a href=") == 10 and "more" not in whole
    assert fragments.chain_path(facts.chain("p10")).count("<a href=") == 9  # 11: two left out
    assert "… 2 more …" in fragments.chain_path(facts.chain("p10"))


def test_chain_ends_of_a_deep_trail_are_its_first_three_and_last_six(tmp_path: Path) -> None:
    network = _trail(tmp_path, 3000)
    forest = network.forest
    ids, hidden = forest.chain_ends("p2999")
    assert ids == ["p0", "p1", "p2", *(f"p{i}" for i in range(2994, 3000))] and hidden == 2991
    assert forest.chain_ends("p5") == (["p0", "p1", "p2", "p3", "p4", "p5"], 0)
    assert all(len(forest.chain_ends(f"p{i}")[0]) == min(i + 1, 9 + (i < 10)) for i in range(3000))


def test_due_table_escapes_and_shows_the_contact_only_when_asked(tmp_path: Path) -> None:
    network = _network(tmp_path)
    items = [DueItem("a", "x", "thank-you", TODAY, 2), DueItem("b", "Bob", "follow-up", TODAY, -3)]
    with_who = Fragments(network, "../").due_table(items)
    assert with_who.count("<tr class=") == 2 and 'class="due-thank-you overdue"' in with_who
    assert '<td><a href="../contacts/a.html">&lt;b&gt;Ann&lt;/b&gt; &amp; Co</a></td>' in with_who
    without = Fragments(network, "../").due_table(items, show_contact=False)
    assert "<th>Who</th>" not in without and "contacts/a.html" not in without
    assert without.endswith("</tbody>\n</table></div>")


def test_contact_rows_escape_every_value(tmp_path: Path) -> None:
    from netsite.fragments import ContactRow

    network = _network(tmp_path)
    ann = network.contacts["a"]
    row = ContactRow(ann, "met", 1, None, TODAY, None, '"q"', [("<t>", "tags/t.html")], "", True)
    html = Fragments(network, "").contact_rows([row])
    assert 'data-company="&#34;q&#34;"' in html and '<a class="tag" href="tags/t.html">&lt;t&gt;</a>' in html
    assert "<td></td>" in html  # no company page, no link
    assert 'title="has problems"' in html and '<span class="muted">me</span>' in html


def test_log_items_escape_notes_and_date_them(tmp_path: Path) -> None:
    from netsite.contact import LogEntry

    network = _network(tmp_path)
    entry = LogEntry(date(2026, 11, 20), "call", "<b>big</b> & small", 3, "")
    fragments = Fragments(network, "../")
    item = fragments.timeline_items([entry])
    assert item == (
        '<li class="kind-call"><time datetime="2026-11-20">Fri 20 Nov 2026</time>\n'
        '<span class="badge log-conversation">call</span> &lt;b&gt;big&lt;/b&gt; &amp; small</li>\n'
    )
    row = fragments.interaction_items([(entry, network.contacts["b"])])
    assert row.startswith('<li class="kind-call"><time datetime="2026-11-20">20 Nov</time> ')
    assert row.endswith('<a href="../contacts/b.html">Bob</a> — &lt;b&gt;big&lt;/b&gt; &amp; small</li>')


def test_tree_items_nest_and_close_every_list(tmp_path: Path) -> None:
    files = {
        "root.md": "---\nname: Root & Co\n---\n",
        "kid.md": "---\nname: Kid\nreferred_by: root\ncompany: <Acme>\n---\n",
        "grandkid.md": "---\nname: Grandkid\nreferred_by: kid\n---\n",
        "other.md": "---\nname: Other\n---\n",
    }
    write_journal(tmp_path, files)
    network = build_network(load_journal(tmp_path), TODAY)
    c = network.contacts
    order = [(c["root"], 1, 2), (c["kid"], 2, 1), (c["grandkid"], 3, 0), (c["other"], 1, 0)]
    html = Fragments(network, "").tree_items(order)
    assert html.count("<ul>") == html.count("</ul>") == 3
    assert html.count("<li ") == html.count("</li>") == 4
    assert 'title="people in this branch below Root &amp; Co">+2</span>' in html
    assert '<span class="muted">· &lt;Acme&gt;</span>' in html
    assert html.endswith("</li></ul>")


def test_people_lists_escape_names_and_companies(tmp_path: Path) -> None:
    network = _network(tmp_path)
    fragments = Fragments(network, "../")
    ann = '<a href="../contacts/a.html">&lt;b&gt;Ann&lt;/b&gt; &amp; Co</a>'
    bob = '<a href="../contacts/b.html">Bob</a>'
    assert fragments.people_list(["a", "b"]) == f"{ann}, {bob}"
    members = fragments.member_items(["b"])
    assert members.startswith(f'<li>{bob}, &lt;i&gt;B&lt;/i&gt; &amp; Co <span class="badge status-')
    assert members.endswith("</li>\n")
    newcomers = fragments.newcomer_items(["b", "a"], referred=["b"])
    assert (
        newcomers
        == f'<li>{ann}</li><li>{bob}, &lt;i&gt;B&lt;/i&gt; &amp; Co <span class="muted">via {ann}</span></li>'
    )


def test_weeks_look_at_their_contacts_logs_until_indexing_the_whole_log_costs_less(tmp_path: Path) -> None:
    """A logged call's week looks at its few contacts' logs; a build of every week indexes the log once."""
    from netsite.site import SiteFacts

    calls = "".join(f"  - 2026-{month:02d}-10 call\n" for month in range(1, 12))  # 11 weeks
    files = {"p0.md": f"---\nname: P0\nlog:\n{calls}---\n"}
    files |= {f"p{i}.md": f"---\nname: P{i}\nlog:\n  - 2026-11-{9 + 7 * i} email\n---\n" for i in (1, 2)}
    write_journal(tmp_path, files)  # 13 entries in all
    network = build_network(load_journal(tmp_path), TODAY)
    facts, reports = SiteFacts(network), network.week_reports
    by_week = {r.week.label: r for r in reports}
    for label in ("2026-W47", "2026-W48", "2026-W46"):  # 1, 1 and 11 entries looked at
        assert facts.log_days(by_week[label]) and "_log_by_day" not in facts.__dict__
    facts.log_days(by_week["2026-W41"])  # 11 more: 24, more than the log has
    assert "_log_by_day" in facts.__dict__
    fresh = SiteFacts(network)
    for report in reports:
        days = [report.week.start + timedelta(days=n) for n in range(7)]
        assert [facts.log_days(report).get(d) for d in days] == [fresh.log_days(report).get(d) for d in days]
