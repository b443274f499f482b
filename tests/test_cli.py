"""The command line: exit codes, TODAY, JSON shapes from SPEC §5, readable terminal output, the sample."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPORT_KEYS

from netsite import cli

MakeJournal = Callable[..., Path]
RunCli = Callable[..., Any]  # conftest.run_cli: returns a CliResult with code, out, err and json()
SAMPLE_TODAY = "2026-11-25"

DUE_KEYS = {"contact", "name", "kind", "due", "overdue_days"}
GOAL_KEYS = {"new_contacts", "conversations", "referrals_per_conversation", "network_size", "network_weeks"}


def f(name: str, *lines: str) -> str:
    return "\n".join(["---", f"name: {name}", *lines, "---", ""])


SMALL = {
    "amy.md": f("Amy Adams", "company: Acme", "log:", "  - 2026-11-20 call: coffee"),
    "ben.md": f("Ben", "referred_by: amy", "added: 2026-11-22"),
    "cy.md": f("Cy", "referred_by: '[[Ben]]'", "status: dormant", "log:", "  - 2026-11-01 email"),
}


@pytest.fixture
def small(tmp_path: Path, make_journal: MakeJournal) -> Path:
    return make_journal(tmp_path, SMALL)


# --- exit codes -------------------------------------------------------------------------------


def test_check_ok_exits_0(run_cli: RunCli, small: Path) -> None:
    result = run_cli("check", "--journal", small, "--today", "2026-11-25")
    assert result.code == 0
    assert result.out == "ok: 3 contacts, no problems\n"


def test_check_with_only_warnings_exits_0(run_cli: RunCli, tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": f("A", "website: example.org")})
    result = run_cli("check", "--journal", root, "--today", "2026-11-25")
    assert result.code == 0
    assert result.out.splitlines()[0].startswith("contacts/a.md:3: warning: website 'example.org'")


def test_check_with_an_error_exits_1_and_prints_located_lines(
    run_cli: RunCli, tmp_path: Path, make_journal: MakeJournal
) -> None:
    root = make_journal(
        tmp_path,
        {"a.md": f("A", "added: 2026-02-30"), "b.md": f("B", "referred_by: zed"), "c.md": "---\n[\n---\n"},
    )
    result = run_cli("check", "--journal", root, "--today", "2026-11-25")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("contacts/a.md:3: error: added '2026-02-30'")
    assert lines[1].startswith("contacts/b.md:3: warning: referred_by 'zed'")
    assert lines[2].startswith("contacts/c.md:") and ": error: " in lines[2]
    assert lines[-1].startswith("2 errors, 1 warning")


def test_check_error_in_config_exits_1(run_cli: RunCli, tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": f("A")}, "[rules\n")
    result = run_cli("check", "--journal", root, "--json")
    assert result.code == 1
    (problem,) = result.json()["problems"]
    assert (problem["path"], problem["line"], problem["severity"]) == ("netsite.toml", 1, "error")


@pytest.mark.parametrize(
    "args",
    [
        ["due", "--today", "2026-13-01"],
        ["due", "--today", "tomorrow"],
        ["report", "--week", "2026-W54"],
        ["report", "--week", "47"],
        ["tree", "--journal", "{missing}"],
        ["check", "--journal", "{missing}"],
        ["due", "--no-such-flag"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2(run_cli: RunCli, small: Path, tmp_path: Path, args: list[str]) -> None:
    args = [a.replace("{missing}", str(tmp_path / "nope")) for a in args]
    if "--journal" not in args and args:
        args += ["--journal", str(small)]
    result = run_cli(*args)
    assert result.code == 2
    assert result.out == "" or "usage" in result.out


def test_usage_error_says_what_is_wrong(run_cli: RunCli, small: Path, tmp_path: Path) -> None:
    assert "2026-13-01" in run_cli("due", "--journal", small, "--today", "2026-13-01").err
    assert "2026-W54" in run_cli("report", "--journal", small, "--week", "2026-W54").err
    assert "does not exist" in run_cli("due", "--journal", tmp_path / "nope").err


def test_journal_defaults_to_the_current_folder(
    run_cli: RunCli, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(small)
    result = run_cli("tree", "--json", "--today", "2026-11-25")
    assert result.code == 0
    assert [r["contact"] for r in result.json()["roots"]] == ["amy"]


def test_tree_json_of_a_deep_trail_is_quick_and_stays_small(run_cli: RunCli, tmp_path: Path) -> None:
    """3,000 referrals in one trail: JSON's own writer took a minute and gigabytes for 10,000."""
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    for i in range(3000):
        referrer = f"referred_by: p{i - 1}\n" if i else ""
        (contacts / f"p{i}.md").write_text(f"---\nname: P{i}\n{referrer}---\n", encoding="utf-8")
    result = run_cli("tree", "--json", "--journal", tmp_path, "--today", "2026-11-25")
    assert result.code == 0 and len(result.out) < 3000 * 700  # 8 lines a node, 80 columns deep at most
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # json.loads recurses, once a level
    try:
        node, depth = result.json()["roots"][0], 1  # type: ignore[index]
    finally:
        sys.setrecursionlimit(limit)
    while node["children"]:
        node, depth = node["children"][0], depth + 1
    assert (node["contact"], node["degree"], depth) == ("p2999", 3000, 3000)


# --- TODAY --------------------------------------------------------------------------------------


def test_netsite_today_env_sets_today(run_cli: RunCli, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSITE_TODAY", "2026-12-01")
    assert run_cli("due", "--journal", small, "--json").json()["today"] == "2026-12-01"
    assert run_cli("report", "--journal", small, "--json").json()["week"] == "2026-W49"


def test_today_flag_beats_the_env(run_cli: RunCli, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSITE_TODAY", "2026-12-01")
    assert (
        run_cli("due", "--journal", small, "--json", "--today", "2026-11-21").json()["today"] == "2026-11-21"
    )


def test_bad_env_today_is_a_usage_error(
    run_cli: RunCli, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETSITE_TODAY", "someday")
    assert run_cli("due", "--journal", small).code == 2


def test_without_today_the_local_date_is_used(run_cli: RunCli, small: Path) -> None:
    before = date.today()
    today = run_cli("due", "--journal", small, "--json").json()["today"]
    assert today in {before.isoformat(), (before + timedelta(days=1)).isoformat()}


def test_overdue_days_move_with_today(run_cli: RunCli, small: Path) -> None:
    def amy_thanks(today: str) -> int:
        items = run_cli("due", "--journal", small, "--json", "--today", today).json()["items"]
        return next(i["overdue_days"] for i in items if i["kind"] == "thank-you")

    assert [amy_thanks(t) for t in ("2026-11-20", "2026-11-22", "2026-11-30")] == [-2, 0, 8]


# --- JSON shapes --------------------------------------------------------------------------------


def test_due_json_shape(run_cli: RunCli, small: Path) -> None:
    data = run_cli("due", "--journal", small, "--json", "--today", "2026-11-25").json()
    assert set(data) == {"today", "items"}
    assert data["items"] == [
        {"contact": "amy", "name": "Amy Adams", "kind": "thank-you", "due": "2026-11-22", "overdue_days": 3},
        {
            "contact": "ben",
            "name": "Ben",
            "kind": "reach-out",
            "due": "2026-11-22",
            "overdue_days": 3,
            "warm": True,
        },
        {
            "contact": "amy",
            "name": "Amy Adams",
            "kind": "follow-up",
            "due": "2026-12-11",
            "overdue_days": -16,
        },
    ]


def test_report_json_shape(run_cli: RunCli, small: Path) -> None:
    data = run_cli(
        "report", "--journal", small, "--json", "--today", "2026-11-25", "--week", "2026-W47"
    ).json()
    assert set(data) == REPORT_KEYS
    assert set(data["goals"]) == GOAL_KEYS
    assert (data["week"], data["start"], data["end"]) == ("2026-W47", "2026-11-16", "2026-11-22")
    assert (data["new_contacts"], data["conversations"], data["referrals"]) == (2, 1, 1)
    assert data["referrals_per_conversation"] == 1.0


def tree_nodes(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from tree_nodes(node["children"])


def test_tree_json_shape(run_cli: RunCli, small: Path) -> None:
    data = run_cli("tree", "--journal", small, "--json", "--today", "2026-11-25").json()
    assert set(data) == {"roots", "cycles", "unresolved"}
    assert [(n["contact"], n["degree"]) for n in tree_nodes(data["roots"])] == [
        ("amy", 1),
        ("ben", 2),
        ("cy", 3),
    ]
    assert all(set(n) == {"contact", "name", "degree", "children"} for n in tree_nodes(data["roots"]))
    assert (data["cycles"], data["unresolved"]) == ([], [])


def test_check_json_shape(run_cli: RunCli, tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": f("A", "strength: cold"), "b.md": "nothing\n"})
    result = run_cli("check", "--journal", root, "--json", "--today", "2026-11-25")
    assert result.code == 1
    assert result.json() == {
        "problems": [
            {
                "path": "contacts/a.md",
                "line": 3,
                "severity": "error",
                "message": "strength 'cold' is not one of close, warm, acquaintance; ignored",
            },
            {
                "path": "contacts/b.md",
                "line": 1,
                "severity": "error",
                "message": "no front matter: the file must start with '---'",
            },
        ]
    }


# --- terminal output ----------------------------------------------------------------------------


def test_tree_terminal_output_is_an_indented_outline(run_cli: RunCli, small: Path) -> None:
    out = run_cli("tree", "--journal", small, "--today", "2026-11-25").out
    assert out.splitlines() == ["Amy Adams, Acme [amy]  (+2)", "  Ben [ben]  (+1)", "    Cy [cy]"]


def test_tree_outline_of_a_deep_trail_stops_indenting_and_says_the_degree(
    run_cli: RunCli, tmp_path: Path
) -> None:
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    for i in range(60):
        referrer = f"referred_by: p{i - 1}\n" if i else ""
        (contacts / f"p{i}.md").write_text(f"---\nname: P{i}\n{referrer}---\n", encoding="utf-8")
    lines = run_cli("tree", "--journal", tmp_path, "--today", "2026-11-25").out.splitlines()
    assert lines[39] == " " * 78 + "P39 [p39]  (+20)"  # degree 40
    assert lines[40] == " " * 78 + "(41) P40 [p40]  (+19)" and lines[59] == " " * 78 + "(60) P59 [p59]"


def test_due_terminal_output(run_cli: RunCli, small: Path) -> None:
    out = run_cli("due", "--journal", small, "--today", "2026-11-25").out
    lines = out.splitlines()
    assert lines[0] == "Overdue (2)"
    assert lines[1].split() == ["2026-11-22", "3d", "overdue", "thank-you", "Amy", "Adams", "amy"]
    assert lines[2].split() == ["2026-11-22", "3d", "overdue", "warm", "lead", "Ben", "ben"]
    assert "Coming up" not in out  # amy's follow-up is 16 days away
    assert lines[-1] == "1 more after 2026-12-09 (netsite due --all)"


def test_due_nothing(run_cli: RunCli, tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": f("A", "status: dormant")})
    assert run_cli("due", "--journal", root, "--today", "2026-11-25").out == "Nothing due as of 2026-11-25.\n"


def test_report_terminal_output(run_cli: RunCli, small: Path) -> None:
    out = run_cli("report", "--journal", small, "--today", "2026-11-25").out
    lines = out.splitlines()
    assert lines[0] == "Week 2026-W48 (2026-11-23 to 2026-11-29)"
    assert len(lines) == 9
    assert lines[1].split() == ["New", "contacts", "0", "goal", "10"]


# --- the sample journal, checked against facts computed here ------------------------------------


def read_front_matter(path: Path) -> dict[str, Any]:
    """Read a file's front matter with plain PyYAML (independently of netsite)."""
    _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front) or {}


def log_dates(meta: dict[str, Any]) -> list[date]:
    dates = []
    for entry in meta.get("log") or []:
        if isinstance(entry, dict) and "date" in entry:
            text = str(entry["date"])
        elif isinstance(entry, dict):
            text = str(next(iter(entry))).split()[0]
        else:
            text = str(entry).split()[0]
        dates.append(date.fromisoformat(text))
    return dates


def added_of(meta: dict[str, Any]) -> date | None:
    """Return `added` (a YAML date or a quoted string), else the first log date."""
    added = meta.get("added")
    if added is not None:
        return added if isinstance(added, date) else date.fromisoformat(str(added))
    return min(log_dates(meta), default=None)


def log_kinds(meta: dict[str, Any]) -> list[str]:
    kinds = []
    for entry in meta.get("log") or []:
        head = entry.get("kind") if isinstance(entry, dict) and "kind" in entry else None
        if head is None:
            head = (str(next(iter(entry))) if isinstance(entry, dict) else str(entry)).split()[1]
        kinds.append(head.rstrip(":").lower())
    return kinds


@pytest.fixture(scope="module")
def sample_meta(sample_root: Path) -> dict[str, dict[str, Any]]:
    files = sorted((sample_root / "contacts").rglob("*.md"))
    return {p.stem: read_front_matter(p) for p in files}


def status_of(meta: dict[str, Any]) -> str:
    if meta.get("status"):
        return str(meta["status"])
    kinds = log_kinds(meta)
    return "met" if {"call", "meeting"} & set(kinds) else "contacted" if kinds else "identified"


def run_sample(run_cli: RunCli, sample_root: Path, *args: str) -> Any:
    result = run_cli(*args, "--journal", sample_root, "--today", SAMPLE_TODAY, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_sample_check_is_clean(run_cli: RunCli, sample_root: Path) -> None:
    assert run_sample(run_cli, sample_root, "check") == {"problems": []}


def test_sample_reach_outs_are_the_identified_contacts(
    run_cli: RunCli, sample_root: Path, sample_meta: dict[str, dict[str, Any]]
) -> None:
    identified = sorted(cid for cid, meta in sample_meta.items() if status_of(meta) == "identified")
    assert identified  # the sample has names waiting for a first message
    items = run_sample(run_cli, sample_root, "due")["items"]
    assert sorted(i["contact"] for i in items if i["kind"] == "reach-out") == identified
    assert all(("warm" in i) == (i["kind"] == "reach-out") for i in items)
    assert all(set(i) == DUE_KEYS | ({"warm"} if i["kind"] == "reach-out" else set()) for i in items)
    dormant = {cid for cid, meta in sample_meta.items() if meta.get("status") == "dormant"}
    assert not dormant & {i["contact"] for i in items}
    keys = [(i["due"], i["contact"], i["kind"]) for i in items]
    assert keys == sorted(keys)
    today = date.fromisoformat(SAMPLE_TODAY)
    assert all(i["overdue_days"] == (today - date.fromisoformat(i["due"])).days for i in items)


def test_sample_follow_ups_match_a_hand_computation(
    run_cli: RunCli, sample_root: Path, sample_meta: dict[str, dict[str, Any]]
) -> None:
    expected = {}
    for cid, meta in sample_meta.items():
        if status_of(meta) not in ("contacted", "met"):
            continue
        if meta.get("next_follow_up"):
            expected[cid] = str(meta["next_follow_up"])
            continue
        dates = log_dates(meta)
        last = max(dates) if dates else added_of(meta) or date.fromisoformat(SAMPLE_TODAY)
        expected[cid] = str(last + timedelta(days=meta.get("follow_up_days") or 21))
    items = run_sample(run_cli, sample_root, "due")["items"]
    assert {i["contact"]: i["due"] for i in items if i["kind"] == "follow-up"} == expected


def test_sample_tree_holds_every_contact_once(
    run_cli: RunCli, sample_root: Path, sample_meta: dict[str, dict[str, Any]]
) -> None:
    tree = run_sample(run_cli, sample_root, "tree")
    nodes = list(tree_nodes(tree["roots"]))
    assert sorted(n["contact"] for n in nodes) == sorted(sample_meta)
    assert all(child["degree"] == node["degree"] + 1 for node in nodes for child in node["children"])
    roots = {cid for cid, meta in sample_meta.items() if str(meta.get("referred_by") or "me").lower() == "me"}
    assert {r["contact"] for r in tree["roots"]} == roots


def test_sample_report_for_this_week(
    run_cli: RunCli, sample_root: Path, sample_meta: dict[str, dict[str, Any]]
) -> None:
    report = run_sample(run_cli, sample_root, "report")
    start, end = date(2026, 11, 23), date(2026, 11, 29)
    assert (report["week"], report["start"], report["end"]) == ("2026-W48", str(start), str(end))
    added = [added_of(meta) for meta in sample_meta.values()]
    assert report["new_contacts"] == sum(1 for a in added if a and start <= a <= end)
    in_touch = [cid for cid, meta in sample_meta.items() if any(d <= end for d in log_dates(meta))]
    assert report["network_size"] == len(in_touch)
    talks = sum(
        1
        for meta in sample_meta.values()
        for d, kind in zip(log_dates(meta), log_kinds(meta), strict=True)
        if start <= d <= end and kind in ("call", "meeting")
    )
    assert report["conversations"] == talks
    assert report["goals"] == {
        "new_contacts": 10,
        "conversations": 5,
        "referrals_per_conversation": 2,
        "network_size": 50,
        "network_weeks": 3,
    }


# --- real processes -----------------------------------------------------------------------------


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "NETSITE_TODAY"} | (env or {})
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=full_env, check=False)


def test_python_dash_m_on_the_sample(sample_root: Path) -> None:
    done = run_process(
        sys.executable,
        "-m",
        "netsite",
        "due",
        "--json",
        "--journal",
        str(sample_root),
        "--today",
        SAMPLE_TODAY,
    )
    assert done.returncode == 0, done.stderr
    assert '"today": "2026-11-25"' in done.stdout


def test_python_dash_m_exit_codes(tmp_path: Path, make_journal: MakeJournal) -> None:
    root = make_journal(tmp_path, {"a.md": "---\nname: [\n---\n"})
    assert run_process(sys.executable, "-m", "netsite", "check", "--journal", str(root)).returncode == 1
    bad_today = run_process(sys.executable, "-m", "netsite", "due", "--journal", str(root), "--today", "x")
    assert bad_today.returncode == 2
    assert bad_today.stderr.startswith("netsite: ")


def test_console_script_with_env_today(sample_root: Path) -> None:
    script = shutil.which("netsite")
    if script is None:
        pytest.skip("the netsite console script is not installed")
    done = run_process(script, "report", "--journal", str(sample_root), env={"NETSITE_TODAY": SAMPLE_TODAY})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Week 2026-W48 (2026-11-23 to 2026-11-29)")
    check = run_process(script, "check", "--journal", str(sample_root), "--today", SAMPLE_TODAY)
    count = len(list((sample_root / "contacts").rglob("*.md")))
    assert (check.returncode, check.stdout) == (0, f"ok: {count} contacts, no problems\n")


def test_today_must_be_written_yyyy_mm_dd(run_cli, sample_root) -> None:
    result = run_cli("due", "--journal", str(sample_root), "--today", "20261125")
    assert result.code == 2
    assert "YYYY-MM-DD" in result.err


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def test_a_command_sets_up_only_its_own_parser() -> None:
    every = subcommands(cli.make_parser())
    assert len(every) >= 11 and subcommands(cli.make_parser("--help")) == every
    for name in every:
        assert subcommands(cli.make_parser(name)) == [name]


@pytest.fixture
def fresh_workers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record what a command asks of the process's memory, leaving the real process as it was."""
    from netsite import workers

    asked: list[str] = []
    monkeypatch.setattr(workers, "_left", None)
    monkeypatch.setattr(cli, "ending_at_once", lambda: asked.append("ending at once"))
    monkeypatch.setattr(cli, "keep_freed_memory", lambda: asked.append("keep freed memory"))
    monkeypatch.setattr(cli, "collect_no_cycles", lambda: asked.append("collect no cycles"))
    return asked


def test_a_one_shot_build_leaves_its_memory_to_the_end(small: Path, fresh_workers: list[str]) -> None:
    assert cli.main(["build", "--journal", str(small)], one_shot=True) == 0
    assert fresh_workers == ["ending at once", "keep freed memory", "collect no cycles"]


def test_serve_frees_what_it_is_done_with(
    small: Path, fresh_workers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsite import serve

    monkeypatch.setattr(serve, "run", lambda *args: 0)  # a server that stops at once
    assert cli.main(["serve", "--journal", str(small)], one_shot=True) == 0
    assert fresh_workers == []
    assert cli.main(["build", "--journal", str(small)]) == 0  # main() alone: a process that goes on
    assert fresh_workers == []
