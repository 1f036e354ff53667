"""The current stream session (figures computed from stored interactions) and the recent sessions."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.panel import Panel

if TYPE_CHECKING:
    from mhc_core.services.sessions import SessionStats


def duration(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


class SessionBar(Panel):
    TITLE = "Session"

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(tz=tz, id=id)
        self._live: SessionStats | None = None
        self._recent: list[SessionStats] = []
        self._loaded = False

    def show(self, live: SessionStats | None, recent: list[SessionStats]) -> None:
        self._live, self._recent, self._loaded = live, recent, True
        self.tick()

    def tick(self) -> None:
        """Redraw from what is held (the running time moves with the app clock; no I/O)."""
        if not self._loaded:
            return
        now = self.app.clock()  # type: ignore[attr-defined]
        self._set(Group(self._current(now), Text(""), self._history(now)))

    def _local(self, when: datetime, pattern: str = "%H:%M") -> str:
        return when.astimezone(self.tz).strftime(pattern)

    def _current(self, now: datetime) -> Group:
        live = self._live
        if live is None:
            self.border_subtitle = "F5 starts one"
            return Group(Text.assemble((" OFFLINE ", "bold #e4e2f5 on #3a3c66"), ("  no LIVE session", "#a9a6cc")))
        s = live.session
        running = int((now - s.started_at).total_seconds())
        self.border_subtitle = "F6 ends it"
        head = Text.assemble(
            (" LIVE ", "bold #0f1020 on #ff6b81"),
            (f"  session {s.id} · since {self._local(s.started_at)} · ", "#c9c6ef"),
            (duration(running), "bold #e4e2f5"),
        )
        figures = Text.assemble(
            ("tokens ", "#a9a6cc"), (f"{live.tokens:,}", "bold #ffd166"),
            ("   tips ", "#a9a6cc"), (f"{live.tips:,}", "bold #e4e2f5"),
            ("   chatters ", "#a9a6cc"), (f"{live.unique_chatters:,}", "bold #e4e2f5"),
            ("   follows ", "#a9a6cc"), (f"{live.follows:,}", "bold #5fd39a"),
            ("   PMs ", "#a9a6cc"), (f"{live.private_messages:,}", "bold #ff8fd8"),
        )
        if live.top_tippers:
            tops = Text("top tippers ", "#a9a6cc", no_wrap=True, overflow="ellipsis")
            for i, top in enumerate(live.top_tippers[:5]):
                if i:
                    tops.append(" · ", "#5b5880")
                tops.append(fmt.outside(top["username"]), "#c9c6ef")
                tops.append(f" {top['tokens']:,}", "#ffd166")
        else:
            tops = Text("no tips yet this session", "#6f74a8")
        return Group(head, figures, tops)

    def _history(self, now: datetime) -> Table | Text:
        if not self._recent:
            return Text("no sessions recorded yet", "#6f74a8")
        table = Table.grid(padding=(0, 2))
        table.add_column(style="#8d89b8")
        table.add_column()
        table.add_column(justify="right")
        table.add_column(justify="right", style="#ffd166")
        table.add_column(style="#a9a6cc")
        for st in self._recent:
            s = st.session
            status = Text("LIVE", "bold #ff6b81") if s.ended_at is None else Text("ended", "#6f74a8")
            table.add_row(f"#{s.id}", self._local(s.started_at, "%a %d %b %H:%M"), duration(st.duration_seconds),
                          f"{st.tokens:,} tk", status)
        return table
