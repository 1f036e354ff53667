"""Behaviour analysis of one person: deterministic findings from stored rows (plain data, no database).

Each finding names its source, its period and its sample size, and says `enough_data: false` rather
than guessing; none predicts anything or reads intent into numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ROOM, STATBATE = "my_room", "statbate"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # the histogram's rows, Monday first
FINDINGS = ("room_spending", "statbate_spending", "statbate_on_me", "active_hours", "loyalty", "tag_spending")


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Finding:
    """One finding: where it comes from, over which period, on how many rows, and its figures."""

    source: str
    period_from: datetime | None
    period_to: datetime | None
    sample_size: int
    enough_data: bool
    figures: Mapping[str, Any]  # numbers, lists and datetimes only

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "period": {"from": _json(self.period_from), "to": _json(self.period_to)},
            "sample_size": self.sample_size,
            "enough_data": self.enough_data,
            **{k: _json(v) for k, v in self.figures.items()},
        }


@dataclass(frozen=True)
class SessionTokens:
    """Tokens a person tipped in one attended session (for the tokens-per-session chart)."""

    session_id: int
    started_at: datetime
    tokens: int


@dataclass(frozen=True)
class AnalysisView:
    room_spending: Finding
    statbate_spending: Finding
    statbate_on_me: Finding
    active_hours: Finding
    loyalty: Finding
    tag_spending: Finding
    sessions: tuple[SessionTokens, ...]  # attended sessions, oldest first (the newest 30)
    computed_for_excluded: bool  # the person is excluded: figures are shown here, never in room totals

    def as_json(self) -> dict[str, Any]:
        """The `analysis` key of PERSON."""
        return {name: getattr(self, name).as_json() for name in FINDINGS}
