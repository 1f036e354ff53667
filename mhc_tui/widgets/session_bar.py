"""The current stream session (figures computed from stored interactions) and the recent sessions."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mhc_tui.data_access import console_of
from mhc_tui.keys import key_for
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.panel import Panel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mhc_core.data.views import SessionView


class SessionBar(Panel):
    TITLE = "Session"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-bar--offline", "session-bar--live", "session-bar--live-status", "session-bar--soft",
        "session-bar--tokens", "session-bar--tip-amount", "session-bar--follows", "session-bar--pms",
        "session-bar--rule",
    }

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(tz=tz, id=id)
        self._live: SessionView | None = None
        self._recent: Sequence[SessionView] = ()
        self._loaded = False

    def show(self, live: SessionView | None, recent: Sequence[SessionView]) -> None:
        self._live, self._recent, self._loaded = live, recent, True
        self.tick()

    def tick(self) -> None:
        """Redraw from what is held (the running time moves with the app clock; no I/O)."""
        if not self._loaded:
            return
        now = console_of(self).clock()
        self._set(Group(self._current(now), Text(""), self._history(now)))

    def restyle(self) -> None:
        super().restyle()
        self.tick()

    def _current(self, now: datetime) -> Group:
        live = self._live
        if live is None:
            self.border_subtitle = f"{key_for(self, 'start_session')} starts one"
            return Group(Text.assemble((" OFFLINE ", self.style("session-bar--offline")),
                                       ("  no LIVE session", self.style("panel--muted"))))
        s = live
        running = int((now - s.started_at).total_seconds())
        self.border_subtitle = f"{key_for(self, 'end_session')} ends it"
        head = Text.assemble(
            (" LIVE ", self.style("session-bar--live")),
            (f"  session {s.id} · since {fmt.time_of_day(s.started_at, self.tz)} · ", self.style("session-bar--soft")),
            (fmt.duration(running), self.style("panel--figure")),
        )
        muted, figure = self.style("panel--muted"), self.style("panel--figure")
        figures = Text.assemble(
            ("tokens ", muted), (fmt.tokens(live.tokens), self.style("session-bar--tokens")),
            ("   tips ", muted), (f"{live.tips:,}", figure),
            ("   chatters ", muted), (f"{live.unique_chatters:,}", figure),
            ("   follows ", muted), (f"{live.follows:,}", self.style("session-bar--follows")),
            ("   PMs ", muted), (f"{live.private_messages:,}", self.style("session-bar--pms")),
        )
        if live.top_tippers:
            tops = Text("top tippers ", muted, no_wrap=True, overflow="ellipsis")
            for i, top in enumerate(live.top_tippers[:5]):
                if i:
                    tops.append(" · ", self.style("session-bar--rule"))
                tops.append(fmt.outside(top.username), self.style("session-bar--soft"))
                tops.append(f" {fmt.tokens(top.tokens)}", self.style("session-bar--tip-amount"))
        else:
            tops = Text("no tips yet this session", self.style("panel--faint"))
        return Group(head, figures, tops)

    def _history(self, now: datetime) -> Table | Text:
        if not self._recent:
            return Text("no sessions recorded yet", self.style("panel--faint"))
        table = Table.grid(padding=(0, 2))
        table.add_column(style=self.style("panel--dim"))
        table.add_column()
        table.add_column(justify="right")
        table.add_column(justify="right", style=self.style("session-bar--tip-amount"))
        table.add_column(style=self.style("panel--muted"))
        for st in self._recent:
            s = st
            status = (Text("LIVE", self.style("session-bar--live-status")) if s.ended_at is None
                      else Text("ended", self.style("panel--faint")))
            table.add_row(f"#{s.id}", fmt.day_and_time(s.started_at, self.tz), fmt.duration(st.duration_seconds),
                          fmt.tk(st.tokens), status)
        return table
