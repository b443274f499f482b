"""What a build reports: the problems it found, the files of the site, and why it failed, if it did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import Network
from .output import WriteStats
from .problems import Problem


@dataclass
class BuildResult:
    """What a build did: the problems found, the files rendered, and why it failed, if it did."""

    problems: list[Problem] = field(default_factory=list)
    files: Mapping[str, bytes] = field(default_factory=dict)  # read from output/ on demand after a write
    network: Network | None = None  # None when the model was not needed (nothing or only notes changed)
    failure: str | None = None
    stats: WriteStats | None = None
    contacts: int = 0  # how many contacts the site shows

    @property
    def ok(self) -> bool:
        return self.failure is None
