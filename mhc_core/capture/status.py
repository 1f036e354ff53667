"""What each part a console depends on is doing, in a shape the console and `mhc listen` can show.

The capture and the stats poller report theirs (`CaptureService.on_status`); the console keeps the
database connection's and the live updates' (its LISTEN connection) in the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Component = Literal["capture", "stats", "database", "live_updates", "statbate"]
State = Literal[
    "not_configured", "starting", "connecting", "connected", "retrying", "reconnecting", "unreachable",
    "auth_failed", "held_elsewhere", "stopped", "error",
]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ComponentStatus:
    """One component's state. `message` is one human line, already masked (never holds a token)."""

    component: Component
    state: State
    message: str
    retry_in: float | None = None
    holder: str | None = None  # "host:pid" of the process holding capture, when held_elsewhere
    at: datetime = field(default_factory=_now)
    # Counters of this process's run (the health panel reads the totals from the journal).
    events_captured: int = 0
    journal_errors: int = 0
    last_event_at: datetime | None = None

    def same_state(self, other: ComponentStatus | None) -> bool:
        """True when `other` says the same thing (ignoring the time and the counters)."""
        return (
            other is not None
            and (self.component, self.state, self.message, self.retry_in, self.holder)
            == (other.component, other.state, other.message, other.retry_in, other.holder)
        )


def retry_message(delay: float, attempt: int, reason: str) -> str:
    return f"retrying in {delay:.0f} s (attempt {attempt}): {reason}" if delay >= 1 else (
        f"retrying in {delay:.1f} s (attempt {attempt}): {reason}"
    )
