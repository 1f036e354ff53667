"""The health line, docked on every screen: LIVE session, the inbox's count, capture, stats poller,
Statbate (the radar's enrichment), database, live updates (the NOTIFY connection, shown only while it
is lost), last event.

The state lives on the App (`HealthState`, replaced on each change); every HealthLine subscribes to
the App's health signal and redraws from it, so switching screens never loses it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual.notifications import SeverityLevel
from textual.widget import Widget

from mhc_core.capture.status import ComponentStatus
from mhc_core.config import Settings
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.component_style import StyleOf, styles_of, unstyled

if TYPE_CHECKING:
    from mhc_core.data.views import LiveSummary
    from mhc_tui.app import MHCApp

PROBLEM_STATES = frozenset({"retrying", "auth_failed", "error"})
LABELS = {"capture": "capture", "stats": "stats", "statbate": "statbate"}
TOKEN_OF = {"capture": "EVENTS", "stats": "STATS", "statbate": "STATBATE"}


def initial_component(
    component: Literal["capture", "stats", "statbate"], settings: Settings, will_start: bool
) -> ComponentStatus:
    """Capture's, the stats poller's or the radar's Statbate state before (or without) the capture service
    reporting one."""
    token = {"capture": settings.events_token, "stats": settings.stats_token,
             "statbate": settings.statbate_token}[component]
    if token is None:
        return ComponentStatus(component, "not_configured", f"set MHC_{TOKEN_OF[component]}_TOKEN")
    if not will_start:
        return ComponentStatus(component, "stopped", "not started in this console")
    return ComponentStatus(component, "starting", "")


DATABASE_CONNECTING = ComponentStatus("database", "connecting", "connecting to database…")
# The NOTIFY (LISTEN) connection that keeps every screen live: "connecting" until the first
# connection, "connected", or "reconnecting" with the reason it was lost as its message.
LIVE_UPDATES_CONNECTING = ComponentStatus("live_updates", "connecting", "")


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    severity: SeverityLevel


@dataclass(frozen=True)
class HealthState:
    capture: ComponentStatus
    stats: ComponentStatus
    database: ComponentStatus = DATABASE_CONNECTING
    live_updates: ComponentStatus = LIVE_UPDATES_CONNECTING
    summary: LiveSummary | None = None
    # The radar's Statbate enrichment (reported by the capturing process's radar).
    statbate: ComponentStatus = ComponentStatus("statbate", "not_configured", "set MHC_STATBATE_TOKEN")

    def with_status(self, status: ComponentStatus) -> HealthState:
        """This state with one component's status replaced."""
        if status.component == "capture":
            return dataclasses.replace(self, capture=status)
        if status.component == "stats":
            return dataclasses.replace(self, stats=status)
        if status.component == "database":
            return dataclasses.replace(self, database=status)
        if status.component == "statbate":
            return dataclasses.replace(self, statbate=status)
        return dataclasses.replace(self, live_updates=status)

    def with_summary(self, summary: LiveSummary) -> HealthState:
        return dataclasses.replace(self, summary=summary)

    def new_problems(self, old: HealthState) -> list[Problem]:
        """Problems this state has that the old one did not: each is announced once, on the change."""
        found = []
        for new_s, old_s in ((self.capture, old.capture), (self.stats, old.stats), (self.statbate, old.statbate)):
            label = LABELS[new_s.component].capitalize()
            if new_s.state in PROBLEM_STATES and new_s.state != old_s.state:
                said = new_s.message.strip() or component_text(new_s, None)
                found.append(Problem(label, said, "warning" if new_s.state == "retrying" else "error"))
            elif new_s.state == "held_elsewhere" and old_s.state != "held_elsewhere":
                found.append(Problem(label, component_text(new_s, None), "information"))
        if self.database.state == "unreachable" and old.database.state != "unreachable":
            said = f"{self.database.message}\nRetrying every few seconds."
            found.append(Problem("Database", said, "error"))
        elif self.database.state == "connected" and old.database.state == "unreachable":
            found.append(Problem("Database", f"connected again ({self.database.message})", "information"))
        if self.summary is not None and self.summary.scope_hint and not (old.summary and old.summary.scope_hint):
            found.append(Problem("Events API scope", "The last broadcast had chat but no tip or private message: "
                                 "the Events API token may lack the full scope (a token with only the public "
                                 "scope gets no tips or private messages).", "warning"))
        if self.live_updates.state == "reconnecting" and old.live_updates.state != "reconnecting":
            reason = f" ({self.live_updates.message})" if self.live_updates.message else ""
            found.append(Problem("Live updates", f"The notification connection was lost{reason}.\n"
                                 "Reconnecting; screens do not update until it is back.", "warning"))
        return found


def _remaining(status: ComponentStatus, now: datetime | None) -> int | None:
    if status.retry_in is None:
        return None
    if now is None:
        return max(0, round(status.retry_in))
    return max(0, round(status.retry_in - (now - status.at).total_seconds()))


def component_text(status: ComponentStatus, now: datetime | None) -> str:
    """One short phrase for a component's state, e.g. 'retrying in 12 s' or 'held by box:4242'."""
    state = status.state
    message = status.message.strip()
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
        return f"held by {status.holder}" if status.holder else "held by another console"
    if state == "stopped":
        return f"stopped{f' ({message})' if message else ''}"
    return f"error: {message}" if message else "error"


# A component's state -> the component class its words are drawn with (health.tcss).
STATE_CLASSES = {
    "connected": "health-line--ok",
    "starting": "health-line--pending",
    "retrying": "health-line--warning",
    "auth_failed": "health-line--error",
    "error": "health-line--error",
    "not_configured": "health-line--muted",
    "held_elsewhere": "health-line--elsewhere",
    "stopped": "health-line--muted",
    "unreachable": "health-line--error",
    "connecting": "health-line--pending",
    "reconnecting": "health-line--warning",
}
SEPARATOR = " │ "
# The words for a token that may lack the full Events API scope (services/scope_hint.py), and the short
# ones for when the long ones would push the line past its width.
SCOPE_HINT = "token may lack the full Events API scope (no tips in the last broadcast)"
SCOPE_HINT_SHORT = "no tips: token scope?"  # the notification says it in full, once
HEALTH_WIDTH = 120  # the width the line is laid out for when its own is not known yet


def short_reason(message: str) -> str:
    """'cannot reach the database at h:p/db: Connection refused' -> 'Connection refused' (the full
    line is in the notification)."""
    if message.startswith("cannot reach the database at ") and ": " in message:
        return message.rsplit(": ", 1)[-1]
    return message


def age_text(when: datetime | None, now: datetime) -> str:
    return "no events yet" if when is None else f"last event {fmt.ago(when, now)}"


def render_health(state: HealthState, now: datetime, style: StyleOf = unstyled, width: int = HEALTH_WIDTH) -> Text:
    """The line; a scope hint takes its short words when the long ones would not fit in `width`."""
    if state.summary is None or not state.summary.scope_hint:
        return _render(state, now, style, None)
    text = _render(state, now, style, SCOPE_HINT)
    return text if text.cell_len <= width else _render(state, now, style, SCOPE_HINT_SHORT)


def _render(state: HealthState, now: datetime, style: StyleOf, scope_hint: str | None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    muted, separator = style("health-line--muted"), style("health-line--rule")

    def state_style(name: str) -> Style:
        return style(STATE_CLASSES[name]) if name in STATE_CLASSES else Style.null()

    summary = state.summary
    if summary is not None and summary.session_id is not None and summary.started_at is not None:
        elapsed = int((now - summary.started_at).total_seconds())
        text.append(" LIVE ", style("health-line--live"))
        text.append(f" {fmt.clock(elapsed)} · {fmt.tk(summary.tokens)}", style("health-line--tokens"))
    elif summary is not None:
        text.append(" OFFLINE ", style("health-line--offline"))
    else:
        text.append(" session unknown ", muted)
    if summary is not None:
        # What waits in the inbox (`i`): alerts, tips and private messages not yet acknowledged.
        text.append(SEPARATOR, separator)
        text.append(f"inbox {summary.unacknowledged}",
                    style("health-line--inbox") if summary.unacknowledged else muted)
    # Statbate is optional: without a token it is left out (the line keeps its room for the database).
    shown = (state.capture, state.stats) + (() if state.statbate.state == "not_configured" else (state.statbate,))
    for status in shown:
        text.append(SEPARATOR, separator)
        text.append(f"{LABELS[status.component]} ", muted)
        text.append(fmt.outside(component_text(status, now)), state_style(status.state))
        if status.component == "capture" and scope_hint is not None:
            text.append(SEPARATOR, separator)
            text.append(scope_hint, state_style("retrying"))  # the warning style
    text.append(SEPARATOR, separator)
    db_state, db_message = state.database.state, state.database.message
    if db_state == "connecting":
        text.append("connecting to the database…", state_style("connecting"))
        return text
    text.append("db ", muted)
    if db_state == "connected":
        text.append("connected", state_style("connected"))
    else:
        text.append(f"unreachable ({fmt.outside(short_reason(db_message))}), retrying", state_style("unreachable"))
    if db_state == "connected" and state.live_updates.state == "reconnecting":
        # Before the last event's age: that one stops updating too while this lasts.
        text.append(SEPARATOR, separator)
        text.append("live updates reconnecting…", state_style("reconnecting"))
    if summary is not None:
        text.append(SEPARATOR, separator)
        text.append(age_text(summary.last_event_at, now), muted)
    return text


class HealthLine(Widget):
    """One line, docked at the bottom above the footer."""

    DEFAULT_CLASSES = "health-line"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "health-line--muted", "health-line--rule", "health-line--live", "health-line--tokens",
        "health-line--offline", "health-line--inbox", *STATE_CLASSES.values(),
    }

    def on_mount(self) -> None:
        self._owner_app().health_signal.subscribe(self, self._on_health)

    def _on_health(self, _state: HealthState) -> None:
        self.refresh()

    def render(self) -> Text:
        console = self._owner_app()
        return render_health(console.health, console.clock(), styles_of(self), self.size.width or HEALTH_WIDTH)

    def _owner_app(self) -> MHCApp:
        from mhc_tui.app import MHCApp  # here: the App module imports this one

        assert isinstance(self.app, MHCApp), "the health line belongs to the console"
        return self.app
