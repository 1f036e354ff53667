"""Sessions: every stream session with its figures; enter opens one. F5/F6 (start/end) are the App's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label
from textual.worker import Worker, get_current_worker

from mhc_core.db.models import SessionStatus
from mhc_core.services import sessions
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors

if TYPE_CHECKING:
    from mhc_tui.messages import DataChanged

SHOWN = 200
REFRESH_CHANNELS = frozenset({"mhc_sessions", "mhc_events", "*"})
COLUMNS = ("id", "started", "duration", "status", "tokens", "tips", "chatters", "follows", "top tipper")
LIVE_TICK_SECONDS = 30.0


@dataclass(frozen=True)
class SessionRow:
    id: int
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int
    status: str
    origin: str
    tokens: int
    tips: int
    chatters: int
    follows: int
    top_tipper: str


class SessionsScreen(Screen[None]):
    CSS_PATH = "sessions.tcss"
    TITLE = "Sessions"
    BINDINGS = [
        Binding("enter", "open", "Open session"),
        Binding("r", "reload", "Refresh"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[SessionRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[int, SessionRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="sessions-status")
        table: DataTable[Any] = DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        for name in COLUMNS:
            table.add_column(name, key=name)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()
        # Only the running time of a LIVE session changes between reads: redraw it from the clock, no I/O.
        self.set_interval(LIVE_TICK_SECONDS, self._tick_live)

    def action_reload(self) -> None:
        if self.app.db is None:  # type: ignore[attr-defined]
            self._say("waiting for database…")
            return
        self._load()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key is not None:
                self.app.open_session(int(key))  # type: ignore[attr-defined]

    @on(DataTable.RowSelected, "#sessions-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.open_session(int(event.row_key.value))  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="sessions-list", exit_on_error=False)
    def _load(self) -> None:
        app: Any = self.app
        with app.db.session() as session:
            listed = sessions.list_sessions(session, app.settings.broadcaster, limit=SHOWN)
            stats = sessions.stats_many(session, listed, now=app.clock(), top=1)
        rows = [
            SessionRow(
                id=s.session.id, started_at=s.session.started_at, ended_at=s.session.ended_at,
                duration_seconds=s.duration_seconds, status=s.session.status, origin=s.session.origin,
                tokens=s.tokens, tips=s.tips, chatters=s.unique_chatters, follows=s.follows,
                top_tipper=(f"{fmt.outside(s.top_tippers[0]['username'])} ({fmt.number(s.top_tippers[0]['tokens'])})"
                            if s.top_tippers else ""),
            )
            for s in stats
        ]
        if not get_current_worker().is_cancelled:  # a newer read is on its way; drop this one
            self.post_message(self.Loaded(rows))

    def on_sessions_screen_loaded(self, message: Loaded) -> None:
        tz = self.app.settings.tz  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        wanted = {row.id: row for row in message.rows}
        added = False
        with self.app.batch_update():
            for gone in [k for k in self._rows if k not in wanted]:
                table.remove_row(str(gone))
            for row in message.rows:
                cells = self._cells(row, tz)
                if row.id in self._rows:
                    if self._rows[row.id] != row:
                        for column, cell in zip(COLUMNS, cells, strict=True):
                            table.update_cell(str(row.id), column, cell)
                else:
                    table.add_row(*cells, key=str(row.id))
                    added = True
            if added:
                table.sort("started", reverse=True)
        self._rows = wanted
        live = sum(1 for r in message.rows if r.status == SessionStatus.LIVE.value)
        self._say(f"{len(message.rows)} sessions" + (" · 1 LIVE" if live else "") +
                  " · enter opens · F5 start · F6 end")

    def _cells(self, row: SessionRow, tz: Any) -> tuple[Any, ...]:
        status = Text(row.status, style="bold" if row.status == SessionStatus.LIVE.value else "")
        return (
            str(row.id), fmt.when(row.started_at, tz), fmt.duration(row.duration_seconds), status,
            fmt.number(row.tokens), fmt.number(row.tips), fmt.number(row.chatters), fmt.number(row.follows),
            fmt.outside_text(row.top_tipper),
        )

    def _tick_live(self) -> None:
        now = self.app.clock()  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        for row in self._rows.values():
            if row.status == SessionStatus.LIVE.value:
                seconds = int((now - row.started_at).total_seconds())
                table.update_cell(str(row.id), "duration", fmt.duration(seconds))

    def _say(self, text: str) -> None:
        self.query_one("#sessions-status", Label).update(Content(text))

    def on_data_changed(self, message: DataChanged) -> None:
        if message.channel in REFRESH_CHANNELS:
            self.action_reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker_errors.report(self, event, "Sessions")
