"""Who is in the room now: from USER_ENTER/USER_LEAVE since the latest broadcast start (a session LIVE
or not), newest arrival first, with what each has tipped. Updated in place by row key (the person's id)."""

from __future__ import annotations

import uuid
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.component_style import on_theme_change
from mhc_tui.widgets.event_feed import NOTHING_SELECTED

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mhc_core.data.views import RoomEntry


class RoomList(DataTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        "room-list--name", "room-list--since", "room-list--tips", "room-list--no-tips",
    }
    BINDINGS = [
        Binding("enter", "open", "Open", id="open", tooltip="open the selected person"),
        Binding("n", "note", "Note", id="note", tooltip="note on the selected person"),
        Binding("a", "lists", "Lists", id="lists", tooltip="put the selected person on a list or take them off"),
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
        on_theme_change(self, self._restyle)

    def _restyle(self) -> None:
        """The cells hold the old theme's colours: draw them again."""
        for key, entry in self._entries.items():
            for column, value in zip(("who", "since", "tips"), self._cells(entry), strict=True):
                self.update_cell(key, column, value)

    def show(self, entries: Sequence[RoomEntry]) -> None:
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
        style = self.get_component_rich_style
        tips = Text(fmt.tokens(entry.tokens) if entry.tokens else "·",
                    style=style("room-list--tips" if entry.tokens else "room-list--no-tips", partial=True),
                    justify="right")
        return (fmt.outside_text(entry.username, style("room-list--name", partial=True)),
                Text(fmt.time_of_day(entry.entered_at, self.tz), style=style("room-list--since", partial=True)), tips)

    def _selected(self) -> RoomEntry | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self._entries.get(key or "")

    def action_open(self) -> None:
        self._choose("open")

    def action_note(self) -> None:
        self._choose("note")

    def action_lists(self) -> None:
        self._choose("lists")

    def _choose(self, action: str) -> None:
        entry = self._selected()
        if entry is None:
            self.notify(NOTHING_SELECTED, severity="warning")
        else:
            self.post_message(self.Chosen(entry.person_id, entry.username, action))

    def selected_person(self) -> tuple[uuid.UUID, str] | None:
        entry = self._selected()
        return (entry.person_id, entry.username) if entry else None
