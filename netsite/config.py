"""Configuration: `netsite.toml` read into typed, frozen settings with located problems."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .problems import Problem

CONFIG_NAME = "netsite.toml"


@dataclass(frozen=True)
class SiteSettings:
    title: str = "My network"
    owner: str = ""
    allow_html: bool = False


@dataclass(frozen=True)
class Rules:
    follow_up_days: int = 21
    thank_you_days: int = 2
    stale_days: int = 60
    min_gap_days: int = 7


@dataclass(frozen=True)
class Goals:
    new_contacts: int = 10
    conversations: int = 5
    referrals_per_conversation: float = 2
    network_size: int = 50
    network_weeks: int = 3

    def as_json(self) -> dict[str, float | int]:
        """Return the goals keyed as in `[goals]`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Config:
    site: SiteSettings = field(default_factory=SiteSettings)
    rules: Rules = field(default_factory=Rules)
    goals: Goals = field(default_factory=Goals)
    target_companies: tuple[str, ...] = ()


_SECTIONS = {"site": SiteSettings, "rules": Rules, "goals": Goals}
_TYPES = {"str": str, "int": int, "float": float, "bool": bool}  # field annotations are strings
_TOML_LINE = re.compile(r"at line (\d+)")


def parse_config(text: str, path: str = CONFIG_NAME) -> tuple[Config | None, list[Problem]]:
    """Parse config text; None means the file is unreadable and nothing in it can be trusted."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        return None, [Problem(path, line, "error", f"invalid TOML: {exc}")]
    problems: list[Problem] = []
    config = Config()
    for name, table in raw.items():
        if name == "targets":
            targets = _read_targets(table, text, path, problems)
            config = replace(config, target_companies=targets)
        elif name in _SECTIONS and isinstance(table, dict):
            section = _read_section(name, table, text, path, problems)
            config = replace(config, **{name: section})
        elif name in _SECTIONS:
            message = f"{name} must be a table like [{name}]; using the defaults"
            problems.append(Problem(path, _line_of(text, name), "error", message))
        else:
            problems.append(Problem(path, _line_of(text, name), "warning", f"unknown key {name!r}"))
    return config, problems


def _read_section(name: str, table: dict[str, Any], text: str, path: str, problems: list[Problem]) -> Any:
    """Build one settings dataclass from a TOML table, keeping defaults for bad values."""
    cls = _SECTIONS[name]
    values: dict[str, Any] = {}
    known = {f.name: _TYPES[str(f.type)] for f in fields(cls)}
    for key, value in table.items():
        line = _line_of(text, key, name)
        if key not in known:
            problems.append(Problem(path, line, "warning", f"unknown key {key!r} ignored"))
            continue
        expected = known[key]
        if _fits(value, expected):
            values[key] = value
        else:
            message = f"{key} must be {_describe(expected)}, got {value!r}; using the default"
            problems.append(Problem(path, line, "error", message))
    return cls(**values)


def _fits(value: Any, expected: type) -> bool:
    """Tell whether a TOML value can stand for a setting of the expected type."""
    if isinstance(value, bool) or expected is bool:
        return isinstance(value, bool) and expected is bool
    if expected is int:
        return isinstance(value, int) and value >= 0
    if expected is float:
        return isinstance(value, int | float) and value >= 0
    return isinstance(value, expected)


def _describe(expected: type) -> str:
    return {
        int: "a whole number ≥ 0",
        float: "a number ≥ 0",
        bool: "true or false",
        str: "text",
    }[expected]


def _read_targets(table: Any, text: str, path: str, problems: list[Problem]) -> tuple[str, ...]:
    """Read `[targets] companies`, a list of company names."""
    companies = table.get("companies", []) if isinstance(table, dict) else None
    if isinstance(companies, list) and all(isinstance(c, str) for c in companies):
        return tuple(c.strip() for c in companies if c.strip())
    line = _line_of(text, "companies", "targets")
    problems.append(Problem(path, line, "error", "targets.companies must be a list of names"))
    return ()


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """Find the line a key is set on, after its table's header if given (TOML parsers do not say)."""
    start = 0
    if table is not None:
        header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", text, re.MULTILINE)
        start = header.end() if header else 0
    pattern = re.compile(rf"^[ \t]*(\[[ \t]*{re.escape(key)}[ \t]*\]|{re.escape(key)}[ \t]*=)", re.MULTILINE)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None
