"""The inbox (`i`): every unacknowledged alert, tip and private message of this broadcast, newest first.

`space` acknowledges the selected one, `A` all of them (asking first: nothing undoes it); enter opens the
person, `n` notes, `m` mutes. It follows mhc_alerts (fired, acknowledged anywhere) and mhc_events (new tips
and private messages), so an acknowledgement in one console leaves every console's inbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from mhc_core.channels import CHANNEL_ALERTS, CHANNEL_EVENTS, CHANNEL_SESSIONS
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.live import Changes, LiveRead
from mhc_tui.mute import toggle_mute
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.widgets import display_format as fmt

if TYPE_CHECKING:
    from mhc_core.data.alert_views import InboxItem, InboxView

READ_INTERVAL = 0.5
COLUMNS = (("when", "when", 8), ("kind", "kind", 9), ("who", "who", 18), ("what", "what", None))
KIND_CLASSES = {"alert": "inbox--alert", "tip": "inbox--tip", "private_message": "inbox--pm"}
KIND_TEXT = {"alert": "alert", "tip": "tip", "private_message": "PM"}


class InboxScreen(Screen[None]):
    CSS_PATH = "inbox.tcss"
    TITLE = "Inbox"
    COMPONENT_CLASSES: ClassVar[set[str]] = {"inbox--alert", "inbox--tip", "inbox--pm", "inbox--name", "inbox--time"}
    BINDINGS = [
        Binding("space", "acknowledge", "Acknowledge", id="inbox_acknowledge", tooltip="acknowledge the selected entry"),
        Binding("A", "acknowledge_all", "All", key_display="A", id="inbox_acknowledge_all",
                tooltip="acknowledge every entry (asks first)"),
        Binding("enter", "open", "Open person", id="open", tooltip="open the selected entry's person"),
        Binding("n", "note", "Note", id="note", tooltip="note on the selected entry's person"),
        Binding("m", "mute", "Mute", id="mute", tooltip="mute or unmute the selected entry's person's alerts"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: tuple[InboxItem, ...] = ()
        self.loaded = False
        self.inbox_read = LiveRead(self, self._read, self._show, name="inbox", min_interval=READ_INTERVAL,
                                   follows=(CHANNEL_ALERTS, CHANNEL_EVENTS, CHANNEL_SESSIONS))

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("reading…", id="inbox-status")
        table: DataTable[Any] = DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        for key, header, width in COLUMNS:
            table.add_column(header, key=key, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#inbox-table", DataTable).focus()
        if not data_ready(self):
            self._say("waiting for database…")
        self.inbox_read.request()

    # -- data --------------------------------------------------------------------------------------

    def _read(self, _changes: Changes) -> InboxView:
        return data_of(self).inbox()

    def _show(self, view: InboxView) -> None:
        self.loaded = True
        table = self.query_one("#inbox-table", DataTable)
        kept = self.selected
        wanted = {item.key for item in view.items}
        shown = {item.key for item in self.items}
        with self.app.batch_update():
            if wanted - shown:
                # Something arrived: it goes on top, so the table is drawn again (an inbox is short).
                table.clear()
                for item in view.items:
                    table.add_row(*self._cells(item), key=item.key)
            else:
                for key in shown - wanted:
                    table.remove_row(key)
            self.items = view.items
            keys = [item.key for item in view.items]
            if kept is not None and kept.key in keys:
                table.move_cursor(row=keys.index(kept.key))
        count = len(view.items)
        self._say("nothing to acknowledge" if not count else
                  f"{count} to acknowledge · space acknowledges · A acknowledges all")

    def _cells(self, item: InboxItem) -> tuple[Text, ...]:
        tz = console_of(self).settings.tz
        style = self.get_component_rich_style
        kind = KIND_TEXT.get(item.kind, item.kind)
        kind_style = style(KIND_CLASSES[item.kind], partial=True) if item.kind in KIND_CLASSES else ""
        return (Text(fmt.time_of_day(item.at, tz), style=style("inbox--time", partial=True)),
                Text(kind, style=kind_style), fmt.outside_text(item.username, style("inbox--name", partial=True)),
                fmt.outside_text(item.text))

    def _say(self, text: str) -> None:
        self.query_one("#inbox-status", Label).update(Text(text))

    # -- the selected entry ------------------------------------------------------------------------

    @property
    def selected(self) -> InboxItem | None:
        table = self.query_one("#inbox-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((item for item in self.items if item.key == key), None)

    @on(DataTable.RowSelected, "#inbox-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_acknowledge(self) -> None:
        item = self.selected
        if item is None or not data_ready(self):
            return
        run_in_thread(self, lambda: data_of(self).acknowledge([item.key]), name="acknowledge",
                      done=lambda _done: self.inbox_read.request())

    def action_acknowledge_all(self) -> None:
        if not self.items or not data_ready(self):
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                run_in_thread(self, data_of(self).acknowledge_all, name="acknowledge",
                              done=self._acknowledged_all)

        count = len(self.items)
        self.app.push_screen(ConfirmScreen(f"Acknowledge all {count} entries of the inbox?",
                                           yes="Acknowledge all"), confirmed)

    def _acknowledged_all(self, count: int) -> None:
        self.notify(f"{count} acknowledged.")
        self.inbox_read.request()

    def action_open(self) -> None:
        item = self.selected
        if item is not None:
            console_of(self).open_person(item.person_id)

    def action_note(self) -> None:
        item = self.selected
        if item is not None:
            from mhc_tui.screens.note import NoteModal

            self.app.push_screen(NoteModal(item.person_id, item.username))

    def action_mute(self) -> None:
        item = self.selected
        if item is not None:
            toggle_mute(self, item.person_id, item.username)
