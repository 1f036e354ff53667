"""The broadcaster's Chaturbate Stats API figures, with the change since the previous snapshot and since
the LIVE session started. Only stored snapshots are shown: nothing stored reads "no stats yet", or says
how to configure the Stats API when no token is set (stored snapshots are still shown, marked as such)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.panel import Panel

if TYPE_CHECKING:
    from mhc_core.services.snapshots import Reading


METRICS: tuple[tuple[str, str], ...] = (
    ("token_balance", "token balance"),
    ("tips_in_last_hour", "tips last hour"),
    ("num_followers", "followers"),
    ("num_viewers", "viewers"),
    ("num_registered_viewers", "registered"),
    ("num_tokened_viewers", "with tokens"),
    ("satisfaction_score", "satisfaction"),
    ("votes_up", "votes up"),
    ("votes_down", "votes down"),
    ("time_online_minutes", "online (min)"),
)


def _num(value: Any) -> Text:
    if value is None or isinstance(value, bool):
        return Text("—", style="#6f74a8", justify="right")
    if not isinstance(value, int | float):
        return Text(fmt.outside(value, 12), style="#a9a6cc", justify="right")  # not a number: shown as sent
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return Text(text, style="bold #e4e2f5", justify="right")


def _delta(value: Any) -> Text:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return Text("", justify="right")
    if value == 0:
        return Text("±0", style="#6f74a8", justify="right")
    text = f"{value:+,}" if isinstance(value, int) or float(value).is_integer() else f"{value:+,.1f}"
    return Text(text, style="#5fd39a" if value > 0 else "#ff6b81", justify="right")


def _ago(then: datetime, now: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago"


NOT_CONFIGURED = "Stats API not configured — set MHC_STATS_TOKEN"
POLLING_OFF = "stored data · polling off"


class StatsPanel(Panel):
    TITLE = "Chaturbate stats"

    def show(
        self,
        reading: Reading | None,
        since_session: dict[str, Any] | None,
        live: bool,
        now: datetime,
        *,
        configured: bool = True,
    ) -> None:
        """`configured`: a Stats API token is set, so the poller may store new snapshots."""
        if reading is None:
            if configured:
                self.border_subtitle = "Stats API"
                self._set(Text("no stats yet — the Stats API poller has not stored a snapshot", style="#a9a6cc"))
            else:
                self.border_subtitle = "Stats API · not configured"
                self._set(Text(NOT_CONFIGURED, style="#a9a6cc"))
            return
        snap = reading.snapshot
        metrics = snap.normalized_metrics or {}
        captured = snap.captured_at.astimezone(self.tz).strftime("%H:%M")
        ago = _ago(snap.captured_at, now)
        if configured:
            self.border_subtitle = f"Stats API · {captured} ({ago})"
        else:
            self.border_subtitle = f"stored {captured} ({ago}) · set MHC_STATS_TOKEN"
        online = metrics.get("online")
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append("Chaturbate says " if configured else "Chaturbate said ", "#a9a6cc")
        if online is True:
            head.append("online", "bold #5fd39a")
        elif online is False:
            head.append("offline", "bold #a9a6cc")
        else:
            head.append("unknown", "#a9a6cc")
        heading: RenderableType = head
        if not configured:
            # Muted, on the same line: the panel has no row to spare for it.
            top = Table.grid(expand=True)
            top.add_column(ratio=1, no_wrap=True)
            top.add_column(justify="right", no_wrap=True)
            top.add_row(head, Text(POLLING_OFF, "#6f74a8"))
            heading = top
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="#a9a6cc", ratio=3)
        table.add_column(justify="right", ratio=2)
        table.add_column(justify="right", ratio=2)
        table.add_column(justify="right", ratio=2)
        table.add_row(Text(""), Text("now", "#8d89b8", justify="right"), Text("Δ last", "#8d89b8", justify="right"),
                      Text("Δ session" if live else "", "#8d89b8", justify="right"))
        previous = reading.delta
        for key, label in METRICS:
            if key not in metrics:
                continue
            table.add_row(
                label,
                _num(metrics.get(key)),
                _delta(previous.get(key)) if previous else Text(""),
                _delta(since_session.get(key)) if since_session and live else Text(""),
            )
        if previous is None:
            table.add_row(Text("first snapshot: no change to show yet", "#6f74a8"), "", "", "")
        self._set(Group(heading, table))
