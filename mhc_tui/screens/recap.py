"""A session's recap: each figure beside the median of the sessions before it, and the top tippers.

Read in a thread through the data door (`Data.recap`), the same view `mhc session recap` prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of
from mhc_tui.widgets import display_format as fmt

if TYPE_CHECKING:
    from mhc_core.data.recap_views import RecapView

COLUMNS = (("figure", "figure"), ("value", "this session"), ("median", "median before"))


class RecapScreen(ModalScreen[None]):
    CSS_PATH = "recap.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close", id="back", tooltip="close the recap"),
        Binding("r", "close", "Close", show=False, id="close_recap", tooltip="close the recap"),
    ]

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="recap-box"):
            yield Label(f"Recap of session {self.session_id}", classes="modal-title", id="recap-title")
            yield Label("reading…", id="recap-status")
            table: DataTable[Any] = DataTable(id="recap-table", cursor_type="none", show_cursor=False)
            for key, title in COLUMNS:
                table.add_column(title, key=key)
            yield table
            yield Label("", id="recap-tippers")
            yield Label("escape closes", classes="modal-hint")

    def on_mount(self) -> None:
        run_in_thread(self, lambda: data_of(self).recap(self.session_id), name="recap", done=self._show)

    def _show(self, recap: RecapView | None) -> None:
        status = self.query_one("#recap-status", Label)
        if recap is None:
            status.update(Text(f"no session {self.session_id}"))
            return
        s = recap.session
        tz = console_of(self).settings.tz
        before = len(recap.previous_sessions)
        status.update(Text(
            f"{s.status} · started {fmt.when(s.started_at, tz)}"
            + (" · the figures so far" if recap.live else "")
            + (" · no session before to compare with" if not before else " · compared with the session before"
               if before == 1 else f" · compared with the {before} sessions before")
        ))
        table = self.query_one("#recap-table", DataTable)
        rows = [(figure.name, (figure.label, figure.value_text, figure.median_text)) for figure in recap.figures]
        # Widths given, not measured: a table sizes its columns when idle, and a frame drawn before
        # that keeps a header sized for no rows above the rows drawn after.
        table.clear(columns=True)
        for index, (key, title) in enumerate(COLUMNS):
            table.add_column(title, key=key, width=max(cell_len(title), *(cell_len(cells[index]) for _, cells in rows)))
        for name, cells in rows:
            table.add_row(*cells, key=name)
        tippers = ", ".join(f"{t.username} ({fmt.tk(t.tokens)})" for t in recap.top_tippers)
        self.query_one("#recap-tippers", Label).update(fmt.outside_text(
            f"top tippers: {tippers or 'none'} · {recap.stats_samples} Stats API readings", limit=None))

    def action_close(self) -> None:
        self.dismiss(None)
