"""The health line, docked on every screen: capture, stats poller, database, live updates (the NOTIFY
connection, shown only while it is lost), last event, LIVE session.

The state lives on the App (`HealthState`, replaced on each change); every HealthLine subscribes to
the App's health signal and redraws from it, so switching screens never loses it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget

from mhc_core.config import Settings
from mhc_tui.widgets import display_format as fmt

if TYPE_CHECKING:
    from mhc_core.services.feed import LiveSummary

PROBLEM_STATES = frozenset({"retrying", "auth_failed", "error"})
LABELS = {"capture": "capture", "stats": "stats"}


@dataclass(frozen=True)
class LocalStatus:
    """A component's state as known before (or without) the capture service reporting one.

    Same attributes as mhc_core.capture.status.ComponentStatus, which the health line reads by name.
    """

    component: str
    state: str
    message: str = ""
    retry_in: float | None = None
    holder: str | None = None
    at: datetime | None = None


def initial_component(component: str, settings: Settings, will_start: bool) -> LocalStatus:
    token = settings.events_token if component == "capture" else settings.stats_token
    if token is None:
        return LocalStatus(component, "not_configured", f"set MHC_{'EVENTS' if component == 'capture' else 'STATS'}_TOKEN")
    if not will_start:
        return LocalStatus(component, "stopped", "not started in this console")
    return LocalStatus(component, "starting", "")


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    severity: str


@dataclass(frozen=True)
class HealthState:
    capture: Any
    stats: Any
    database: tuple[str, str] = ("connecting", "connecting to database…")
    summary: LiveSummary | None = None
    # The NOTIFY (LISTEN) connection that keeps every screen live: "connecting" until the first
    # connection, "connected", or "reconnecting" with the reason it was lost.
    live_updates: tuple[str, str] = ("connecting", "")

    def replace(self, **changes: Any) -> HealthState:
        return dataclasses.replace(self, **changes)

    def new_problems(self, old: HealthState) -> list[Problem]:
        """Problems this state has that the old one did not: each is announced once, on the change."""
        found = []
        for name in ("capture", "stats"):
            new_s, old_s = getattr(self, name), getattr(old, name)
            if new_s.state in PROBLEM_STATES and new_s.state != old_s.state:
                said = (getattr(new_s, "message", "") or "").strip() or component_text(new_s, None)
                found.append(Problem(LABELS[name].capitalize(), said,
                                     "warning" if new_s.state == "retrying" else "error"))
            elif new_s.state == "held_elsewhere" and old_s.state != "held_elsewhere":
                found.append(Problem(LABELS[name].capitalize(), component_text(new_s, None), "information"))
        if self.database[0] == "unreachable" and old.database[0] != "unreachable":
            found.append(Problem("Database", f"{self.database[1]}\nRetrying every few seconds.", "error"))
        elif self.database[0] == "connected" and old.database[0] == "unreachable":
            found.append(Problem("Database", f"connected again ({self.database[1]})", "information"))
        if self.live_updates[0] == "reconnecting" and old.live_updates[0] != "reconnecting":
            reason = f" ({self.live_updates[1]})" if self.live_updates[1] else ""
            found.append(Problem("Live updates", f"The notification connection was lost{reason}.\n"
                                 "Reconnecting; screens do not update until it is back.", "warning"))
        return found


def _remaining(status: Any, now: datetime | None) -> int | None:
    retry_in = getattr(status, "retry_in", None)
    if retry_in is None:
        return None
    at = getattr(status, "at", None)
    if now is None or at is None:
        return max(0, round(retry_in))
    return max(0, round(retry_in - (now - at).total_seconds()))


def component_text(status: Any, now: datetime | None) -> str:
    """One short phrase for a component's state, e.g. 'retrying in 12 s' or 'held by box:4242'."""
    state = status.state
    message = (getattr(status, "message", "") or "").strip()
    if state == "connected":
        return "connected"
    if state == "starting":
        return "starting…"
    if state == "retrying":
        left = _remaining(status, now)
        return f"retrying in {left} s" if left is not None else "retrying"
    if state == "auth_failed":
        return "token rejected"
    if state == "not_configured":
        return "not configured"
    if state == "held_elsewhere":
        holder = getattr(status, "holder", None)
        return f"held by {holder}" if holder else "held by another console"
    if state == "stopped":
        return f"stopped{f' ({message})' if message else ''}"
    return f"error: {message}" if message else "error"


_STYLE = {
    "connected": "bold #5fd39a",
    "starting": "#f2b45c",
    "retrying": "bold #f2b45c",
    "auth_failed": "bold #ff6b81",
    "error": "bold #ff6b81",
    "not_configured": "#a9a6cc",
    "held_elsewhere": "#8fa2ff",
    "stopped": "#a9a6cc",
    "unreachable": "bold #ff6b81",
    "connecting": "#f2b45c",
    "reconnecting": "bold #f2b45c",
}
_SEP = (" │ ", "#5b5880")


def short_reason(message: str) -> str:
    """'cannot reach the database at h:p/db: Connection refused' -> 'Connection refused' (the full
    line is in the notification)."""
    if message.startswith("cannot reach the database at ") and ": " in message:
        return message.rsplit(": ", 1)[-1]
    return message


def age_text(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "no events yet"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return f"last event {seconds} s ago"
    if seconds < 3600:
        return f"last event {seconds // 60} min ago"
    if seconds < 86400:
        return f"last event {seconds // 3600} h ago"
    return f"last event {seconds // 86400} d ago"


def running(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def render_health(state: HealthState, now: datetime) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    summary = state.summary
    if summary is not None and summary.session_id is not None and summary.started_at is not None:
        elapsed = int((now - summary.started_at).total_seconds())
        text.append(" LIVE ", "bold #0f1020 on #ff6b81")
        text.append(f" {running(elapsed)} · {summary.tokens:,} tk", "bold #ffd166")
    elif summary is not None:
        text.append(" OFFLINE ", "bold #e4e2f5 on #3a3c66")
    else:
        text.append(" session unknown ", "#a9a6cc")
    for name in ("capture", "stats"):
        status = getattr(state, name)
        text.append(*_SEP)
        text.append(f"{LABELS[name]} ", "#a9a6cc")
        text.append(fmt.outside(component_text(status, now)), _STYLE.get(status.state, ""))
    text.append(*_SEP)
    db_state, db_message = state.database
    if db_state == "connecting":
        text.append("connecting to the database…", _STYLE["connecting"])
        return text
    text.append("db ", "#a9a6cc")
    if db_state == "connected":
        text.append("connected", _STYLE["connected"])
    else:
        text.append(f"unreachable ({fmt.outside(short_reason(db_message))}), retrying", _STYLE["unreachable"])
    if db_state == "connected" and state.live_updates[0] == "reconnecting":
        # Before the last event's age: that one stops updating too while this lasts.
        text.append(*_SEP)
        text.append("live updates reconnecting…", _STYLE["reconnecting"])
    if summary is not None:
        text.append(*_SEP)
        text.append(age_text(summary.last_event_at, now), "#a9a6cc")
    return text


class HealthLine(Widget):
    """One line, docked at the bottom above the footer."""

    DEFAULT_CLASSES = "health-line"

    def on_mount(self) -> None:
        signal = getattr(self.app, "health_signal", None)
        if signal is not None:
            signal.subscribe(self, self._on_health)

    def _on_health(self, _state: HealthState) -> None:
        self.refresh()

    def render(self) -> Text:
        state = getattr(self.app, "health", None)
        if state is None:
            return Text("")
        return render_health(state, self.app.clock())  # type: ignore[attr-defined]
