"""Who is in the room now: from USER_ENTER/USER_LEAVE since the latest broadcast start (a session LIVE
or not), newest arrival first, with what each has tipped. Updated in place by row key (the person's id)."""

from __future__ import annotations

import uuid
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.event_feed import NOTHING_SELECTED

if TYPE_CHECKING:
    from mhc_core.services.feed import RoomEntry


class RoomList(DataTable):
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("n", "note", "Note"),
    ]

    class Chosen(Message):
        def __init__(self, person_id: uuid.UUID, username: str, action: str) -> None:
            super().__init__()
            self.person_id = person_id
            self.username = username
            self.action = action

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.tz = tz
        self._entries: dict[str, RoomEntry] = {}

    def on_mount(self) -> None:
        self.add_column("who", key="who", width=17)
        self.add_column("since", key="since", width=5)
        self.add_column("tips", key="tips", width=7)
        self.border_title = "In the room"

    def show(self, entries: list[RoomEntry]) -> None:
        """Replace the room with `entries`, changing only what changed."""
        wanted = {str(e.person_id): e for e in entries}
        for key in [k for k in self._entries if k not in wanted]:
            self.remove_row(key)
            del self._entries[key]
        for key, entry in wanted.items():
            old = self._entries.get(key)
            if old is None:
                self.add_row(*self._cells(entry), key=key)
            elif old != entry:
                for column, value in zip(("who", "since", "tips"), self._cells(entry), strict=True):
                    self.update_cell(key, column, value)
            self._entries[key] = entry
        if self.row_count > 1:
            # Newest arrival first; sort() sees cell values only, and usernames are unique here.
            rank = {fmt.outside_text(e.username).plain: i for i, e in enumerate(entries)}
            self.sort("who", key=lambda who: rank.get(who.plain, 0))
        self.border_subtitle = f"{len(entries)} here" if entries else "nobody tracked"

    def _cells(self, entry: RoomEntry) -> tuple[Text, Text, Text]:
        tips = Text(f"{entry.tokens:,}" if entry.tokens else "·", style="bold #ffd166" if entry.tokens else "#6f74a8",
                    justify="right")
        return (fmt.outside_text(entry.username, "#c9c6ef"),
                Text(entry.entered_at.astimezone(self.tz).strftime("%H:%M"), style="#8d89b8"), tips)

    def _selected(self) -> RoomEntry | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self._entries.get(key or "")

    def action_open(self) -> None:
        self._choose("open")

    def action_note(self) -> None:
        self._choose("note")

    def _choose(self, action: str) -> None:
        entry = self._selected()
        if entry is None:
            self.notify(NOTHING_SELECTED, severity="warning")
        else:
            self.post_message(self.Chosen(entry.person_id, entry.username, action))

    def selected_person(self) -> tuple[uuid.UUID, str] | None:
        entry = self._selected()
        return (entry.person_id, entry.username) if entry else None
