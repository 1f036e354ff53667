"""The broadcaster's Chaturbate Stats API figures, with the change since the previous snapshot and since
the LIVE session started. Only stored snapshots are shown: nothing stored reads "no stats yet", or says
how to configure the Stats API when no token is set (stored snapshots are still shown, marked as such)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.component_style import StyleOf
from mhc_tui.widgets.panel import Panel

if TYPE_CHECKING:
    from mhc_core.data.views import Delta, ReadingView


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


def _num(value: Any, style: StyleOf) -> Text:
    if value is None or isinstance(value, bool):
        return Text("—", style=style("panel--faint"), justify="right")
    if not isinstance(value, int | float):  # not a number: shown as sent
        return Text(fmt.outside(value, 12), style=style("panel--muted"), justify="right")
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return Text(text, style=style("panel--figure"), justify="right")


def _delta(value: Any, style: StyleOf) -> Text:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return Text("", justify="right")
    if value == 0:
        return Text("±0", style=style("panel--faint"), justify="right")
    text = f"{value:+,}" if isinstance(value, int) or float(value).is_integer() else f"{value:+,.1f}"
    return Text(text, style=style("stats-panel--up" if value > 0 else "stats-panel--down"), justify="right")


NOT_CONFIGURED = "Stats API not configured — set MHC_STATS_TOKEN"
POLLING_OFF = "stored data · polling off"


class StatsPanel(Panel):
    TITLE = "Chaturbate stats"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stats-panel--up", "stats-panel--down", "stats-panel--online", "stats-panel--offline",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] | None = None  # the last show()'s arguments, for restyle()

    def restyle(self) -> None:
        super().restyle()
        if self._shown is not None:
            reading, since_session, live, now, configured = self._shown
            self.show(reading, since_session, live, now, configured=configured)

    def show(
        self,
        reading: ReadingView | None,
        since_session: Delta | None,
        live: bool,
        now: datetime,
        *,
        configured: bool = True,
    ) -> None:
        """`configured`: a Stats API token is set, so the poller may store new snapshots."""
        self._shown = (reading, since_session, live, now, configured)
        style = self.style
        if reading is None:
            if configured:
                self.border_subtitle = "Stats API"
                self._set(Text("no stats yet — the Stats API poller has not stored a snapshot", style=style("panel--muted")))
            else:
                self.border_subtitle = "Stats API · not configured"
                self._set(Text(NOT_CONFIGURED, style=style("panel--muted")))
            return
        metrics = reading.metrics or {}
        captured = fmt.time_of_day(reading.captured_at, self.tz)
        ago = fmt.ago(reading.captured_at, now)
        if configured:
            self.border_subtitle = f"Stats API · {captured} ({ago})"
        else:
            self.border_subtitle = f"stored {captured} ({ago}) · set MHC_STATS_TOKEN"
        online = metrics.get("online")
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append("Chaturbate says " if configured else "Chaturbate said ", style("panel--muted"))
        if online is True:
            head.append("online", style("stats-panel--online"))
        elif online is False:
            head.append("offline", style("stats-panel--offline"))
        else:
            head.append("unknown", style("panel--muted"))
        heading: RenderableType = head
        if not configured:
            # Muted, on the same line: the panel has no row to spare for it.
            top = Table.grid(expand=True)
            top.add_column(ratio=1, no_wrap=True)
            top.add_column(justify="right", no_wrap=True)
            top.add_row(head, Text(POLLING_OFF, style("panel--faint")))
            heading = top
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style=style("panel--muted"), ratio=3)
        table.add_column(justify="right", ratio=2)
        table.add_column(justify="right", ratio=2)
        table.add_column(justify="right", ratio=2)
        dim = style("panel--dim")
        table.add_row(Text(""), Text("now", dim, justify="right"), Text("Δ last", dim, justify="right"),
                      Text("Δ session" if live else "", dim, justify="right"))
        previous = reading.delta
        for key, label in METRICS:
            if key not in metrics:
                continue
            table.add_row(
                label,
                _num(metrics.get(key), style),
                _delta(previous.get(key), style) if previous else Text(""),
                _delta(since_session.get(key), style) if since_session and live else Text(""),
            )
        if previous is None:
            table.add_row(Text("first snapshot: no change to show yet", style("panel--faint")), "", "", "")
        self._set(Group(heading, table))
