"""The dashboard charts' data: plain values (see views.py), every empty bucket filled in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

BUCKET_MINUTES = 5


@dataclass(frozen=True)
class SessionTokens:
    """One session's tokens per five minutes: `tokens[i]` tipped in minutes [5i, 5i + 5) since its start,
    up to its end (up to now while LIVE)."""

    session_id: int
    started_at: datetime
    ended_at: datetime | None
    live: bool
    tokens: tuple[int, ...]
    span_minutes: float  # how long it ran (so far, while LIVE)

    @property
    def minutes(self) -> tuple[int, ...]:
        """Each bucket's first minute since the session's start (the charts' x axis)."""
        return tuple(BUCKET_MINUTES * i for i in range(len(self.tokens)))


@dataclass(frozen=True)
class ViewerPoint:
    captured_at: datetime
    minute: float  # since the session's start
    viewers: int


@dataclass(frozen=True)
class SessionChartsView:
    session: SessionTokens | None  # the LIVE session, else the latest one; None before the first
    previous: SessionTokens | None  # the session before it
    viewers: tuple[ViewerPoint, ...]  # the Stats API's viewer counts in `session`, oldest first
