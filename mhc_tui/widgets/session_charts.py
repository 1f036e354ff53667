"""The dashboard charts: tokens per five minutes of the session beside the session before it (x: minutes
since each one's start), and the Stats API's viewer counts over the session.

The session is the LIVE one, else the latest (titled "last session"); before any session one line says
so. Only stored rows are drawn. The charts follow tips, sessions and stats readings with their own read,
at most every few seconds: a chart need not move with every tip the feed shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static
from textual_plotext import PlotextPlot

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_PERSONS, CHANNEL_SESSIONS, CHANNEL_STATS, EXCLUDED
from mhc_tui.data_access import data_of
from mhc_tui.live import Changes, LiveRead, Payload
from mhc_tui.widgets.component_style import on_theme_change
from mhc_tui.widgets.panel import WAITING

if TYPE_CHECKING:
    from mhc_core.data.chart_views import SessionChartsView

CHARTS_INTERVAL = 1.0  # seconds between two reads, however busy the room (as the panels beside)
NO_SESSION = "no session yet — the charts start with the first session"
NO_VIEWERS = "no Stats API readings in this session"
RGB = tuple[int, int, int]


def _own_stats(payload: Payload) -> bool:
    """The Stats API poller's snapshot (the broadcaster's own), not a Statbate lookup's of someone."""
    return "person_id" not in payload


class SessionCharts(Horizontal):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-charts--current", "session-charts--previous", "session-charts--viewers",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: SessionChartsView | None = None
        self.charts_read = LiveRead(self, self._read, self._show, name="session charts",
                                    min_interval=CHARTS_INTERVAL, follows={
                                        CHANNEL_EVENTS: None, CHANNEL_SESSIONS: None, CHANNEL_STATS: _own_stats,
                                        CHANNEL_PERSONS: lambda payload: payload.get("what") == EXCLUDED,
                                    })

    def compose(self) -> ComposeResult:
        yield PlotextPlot(id="tokens-chart")
        yield PlotextPlot(id="viewers-chart")
        yield Static(WAITING, id="charts-empty")

    def on_mount(self) -> None:
        self.border_title = "Charts"
        self.set_class(True, "-empty")
        on_theme_change(self, self._draw)
        self.charts_read.request()

    @property
    def loaded(self) -> bool:
        """The first read has been drawn."""
        return self.view is not None

    def _read(self, _changes: Changes) -> SessionChartsView:
        return data_of(self).session_charts()

    def _show(self, view: SessionChartsView) -> None:
        self.view = view
        self._draw()

    def _rgb(self, name: str) -> RGB:
        color = self.get_component_rich_style(name, partial=True).color
        if color is None:
            return (128, 128, 128)
        r, g, b = color.get_truecolor()
        return (r, g, b)

    def _draw(self) -> None:
        view = self.view
        if view is None:
            return
        current = view.session
        self.set_class(current is None, "-empty")
        if current is None:
            self.border_title = "Charts"
            self.border_subtitle = ""
            self.query_one("#charts-empty", Static).update(NO_SESSION)
            return
        self.border_title = f"Charts · session {current.session_id}" + (" (LIVE)" if current.live
                                                                        else " (last session)")
        previous = view.previous
        # The legend goes in the border (in the series' colours), so it covers none of the few rows.
        self.border_subtitle = "[$primary]━ this session[/]" + (
            f"  [$mhc-dim]━ previous (session {previous.session_id})[/]" if previous else "")
        longest = max(current.span_minutes, previous.span_minutes if previous else 0.0)

        tokens = self.query_one("#tokens-chart", PlotextPlot)
        plt = tokens.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("tokens / 5 min · minutes since start")
        if previous is not None:
            plt.plot(list(previous.minutes), list(previous.tokens), marker="braille",
                     color=self._rgb("session-charts--previous"))
        plt.plot(list(current.minutes), list(current.tokens), marker="braille",
                 color=self._rgb("session-charts--current"))
        top = max((*current.tokens, *(previous.tokens if previous else ())), default=0)
        plt.ylim(0, max(top, 1))
        plt.yticks(*_ticks(0, max(top, 1)))
        plt.xlim(0, max(longest, 1))
        plt.xticks(*_ticks(0, max(longest, 1)))
        tokens.refresh()

        viewers = self.query_one("#viewers-chart", PlotextPlot)
        plt = viewers.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlim(0, max(current.span_minutes, 1))
        plt.xticks(*_ticks(0, max(current.span_minutes, 1)))
        if view.viewers:
            counts = [p.viewers for p in view.viewers]
            plt.title("viewers (Stats API) · minutes since start")
            plt.plot([p.minute for p in view.viewers], counts, marker="braille",
                     color=self._rgb("session-charts--viewers"))
            low, high = min(counts), max(counts)
            plt.ylim(low, max(high, low + 1))
            plt.yticks(*_ticks(low, max(high, low + 1)))
        else:
            plt.title(NO_VIEWERS)
        viewers.refresh()


def _ticks(low: float, high: float, count: int = 3) -> tuple[list[float], list[str]]:
    """At most `count` whole-number ticks from `low` to `high`, with their labels (tokens, viewers and
    minutes are whole)."""
    step = (high - low) / (count - 1)
    whole = sorted({round(low + step * i) for i in range(count)})
    return [float(n) for n in whole], [str(n) for n in whole]
