"""Sessions: every stream session with its figures; enter opens one. F5/F6 (start/end) are the App's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_SESSIONS
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.keys import key_for
from mhc_tui.live import Changes, LiveRead, Payload
from mhc_tui.widgets import display_format as fmt

if TYPE_CHECKING:
    from mhc_core.data.views import SessionView

SHOWN = 200
# A start or an end touches one of the newest sessions: read those, not the whole list.
NEWEST = 3
COLUMNS = ("id", "started", "duration", "status", "tokens", "tips", "chatters", "follows", "top tipper")
LIVE_TICK_SECONDS = 30.0


@dataclass(frozen=True)
class SessionRows:
    rows: tuple[SessionView, ...]
    complete: bool  # the whole list (a row not in it is gone), or only the newest, which a change touched


class SessionsScreen(Screen[None]):
    CSS_PATH = "sessions.tcss"
    TITLE = "Sessions"
    BINDINGS = [
        Binding("enter", "open", "Open session", id="open", tooltip="open the selected session"),
        Binding("r", "recap", "Recap", id="recap",
                tooltip="the selected session's recap: each figure beside the median of the five before"),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="reload", tooltip="read again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[int, SessionView] = {}
        # Events change only the LIVE session's figures: followed only while one is shown.
        self.sessions_read = LiveRead(self, self._read, self._show, name="sessions", follows={
            CHANNEL_SESSIONS: self._ours,
            CHANNEL_EVENTS: lambda payload: self._ours(payload) and self._live_shown(),
        })

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="sessions-status")
        table: DataTable[Any] = DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        for name in COLUMNS:
            table.add_column(name, key=name)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        if not data_ready(self):
            self._say("waiting for database…")
        self.sessions_read.request()
        # Only the running time of a LIVE session changes between reads: redraw it from the clock, no I/O.
        self.set_interval(LIVE_TICK_SECONDS, self._tick_live)

    def action_reload(self) -> None:
        self.sessions_read.request()

    def _selected_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key is not None:
                return int(key)
        return None

    def action_open(self) -> None:
        selected = self._selected_id()
        if selected is not None:
            console_of(self).open_session(selected)

    def action_recap(self) -> None:
        from mhc_tui.screens.recap import RecapScreen

        selected = self._selected_id()
        if selected is not None:
            self.app.push_screen(RecapScreen(selected))

    @on(DataTable.RowSelected, "#sessions-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            console_of(self).open_session(int(event.row_key.value))

    # -- following the database ------------------------------------------------------------------

    def _ours(self, payload: Payload) -> bool:
        return payload.get("broadcaster", data_of(self).broadcaster) == data_of(self).broadcaster

    def _live_shown(self) -> bool:
        return any(row.live for row in self._rows.values())

    def _read(self, changes: Changes) -> SessionRows:
        """Only the newest sessions when every session a change names is among them, else all."""
        data = data_of(self)
        if not changes.everything:
            named = {p.get("id") for p in changes.on(CHANNEL_SESSIONS)}
            if changes.on(CHANNEL_EVENTS):
                named |= {row.id for row in self._rows.values() if row.live}
            newest = data.sessions(NEWEST, top=1).sessions
            if named <= {row.id for row in newest}:
                return SessionRows(newest, complete=False)
        return SessionRows(data.sessions(SHOWN, top=1).sessions, complete=True)

    def _show(self, found: SessionRows) -> None:
        tz = console_of(self).settings.tz
        table = self.query_one(DataTable)
        read = {row.id: row for row in found.rows}
        wanted = read if found.complete else self._rows | read
        added = False
        with self.app.batch_update():
            for gone in [k for k in self._rows if k not in wanted]:
                table.remove_row(str(gone))
            for row in found.rows:
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
        live = sum(1 for r in wanted.values() if r.live)
        self._say(f"{len(wanted)} sessions" + (" · 1 LIVE" if live else "") +
                  f" · {key_for(self, 'open')} opens · {key_for(self, 'start_session')} start"
                  f" · {key_for(self, 'end_session')} end")

    def _cells(self, row: SessionView, tz: Any) -> tuple[Any, ...]:
        status = Text(row.status, style="bold" if row.live else "")
        top = row.top_tippers[0] if row.top_tippers else None
        return (
            str(row.id), fmt.when(row.started_at, tz), fmt.duration(row.duration_seconds), status,
            fmt.number(row.tokens), fmt.number(row.tips), fmt.number(row.unique_chatters), fmt.number(row.follows),
            fmt.outside_text(f"{fmt.outside(top.username)} ({fmt.number(top.tokens)})" if top else ""),
        )

    def _tick_live(self) -> None:
        now = console_of(self).clock()
        table = self.query_one(DataTable)
        for row in self._rows.values():
            if row.live:
                seconds = int((now - row.started_at).total_seconds())
                table.update_cell(str(row.id), "duration", fmt.duration(seconds))

    def _say(self, text: str) -> None:
        self.query_one("#sessions-status", Label).update(Content(text))
