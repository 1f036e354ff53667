"""Who is in the room now, with what his memory and Statbate know of him: since, tokens this session, in the
room all time, Statbate all-time, tier and badges (lists, notes, muted).

It follows the database itself (its own LiveRead): arrivals and tips, sessions, Statbate figures the radar
stored, a person's notes, lists and tags, and mutes. Rows are updated in place by key (the person's id),
only the cells that changed; the order (newest arrival first, or the column chosen) is put right only
when it changed, so 2,000 people in the room cost a redraw of what moved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from mhc_core.channels import (
    CHANNEL_ALERTS,
    CHANNEL_EVENTS,
    CHANNEL_PERSONS,
    CHANNEL_RADAR,
    CHANNEL_SESSIONS,
    MUTED,
)
from mhc_core.radar.tiers import TIER_NAMES
from mhc_tui.data_access import data_of
from mhc_tui.live import Changes, LiveRead, Payload
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import sort_order
from mhc_tui.widgets.component_style import on_theme_change
from mhc_tui.widgets.event_feed import NOTHING_SELECTED

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mhc_core.data.views import RoomEntry, RoomView

# Events arrive many times a second in a busy room: the room is read again at most once a second.
READ_INTERVAL = 1.0
UNKNOWN = "·"
# A list's badge: the seeded lists have their own mark; a list of his own, its first letter.
LIST_BADGES = {"Friends": "★", "Known Streamers": "S", "Ones to Watch": "◎", "Banned But Craved": "♥",
               "Excluded": "x"}
NOTES_BADGE = "✎"
MUTED_BADGE = "⊘"
TIER_TEXT = {"whale": "whale", "big": "big", "regular": "reg"}


def list_badge(name: str) -> str:
    return LIST_BADGES.get(name) or (fmt.outside(name)[:1].upper() or "?")


def badges(entry: RoomEntry) -> str:
    """His lists' marks, then ✎ for notes and ⊘ when muted."""
    marks = "".join(dict.fromkeys(list_badge(name) for name in entry.lists))
    return marks + (NOTES_BADGE if entry.has_notes else "") + (MUTED_BADGE if entry.muted else "")


def compact(amount: int) -> str:
    """A token figure in at most six characters: 99,999, then 1,234k, then 12.3M."""
    if amount < 100_000:
        return f"{amount:,}"
    if amount < 10_000_000:
        return f"{amount // 1000:,}k"
    return f"{amount / 1_000_000:.1f}M"


def _tier_rank(entry: RoomEntry) -> int:
    return TIER_NAMES.index(entry.tier) if entry.tier in TIER_NAMES else len(TIER_NAMES)


# Column key, header, width, sort key (the first sort of a column puts what matters most on top).
COLUMNS: tuple[tuple[str, str, int, Callable[[RoomEntry], Any]], ...] = (
    ("who", "who", 14, lambda e: e.username),
    ("since", "since", 5, lambda e: -e.entered_at.timestamp()),
    ("tokens", "sess", 6, lambda e: -e.tokens),
    ("room", "room", 6, lambda e: -e.room_tokens),
    ("statbate", "statb", 6, lambda e: -(e.statbate_all_time if e.statbate_all_time is not None else -1)),
    ("tier", "tier", 5, _tier_rank),
    ("badges", "marks", 6, lambda e: (-len(badges(e)), badges(e))),
)
COLUMN_KEYS = tuple(key for key, *_ in COLUMNS)
SORT_KEYS = {key: sort for key, _header, _width, sort in COLUMNS}
HEADERS = {key: header for key, header, _width, _sort in COLUMNS}
DEFAULT_SORT = "since"


def _follows_alerts(payload: Payload) -> bool:
    return payload.get("what") == MUTED


class RoomList(DataTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        "room-list--name", "room-list--since", "room-list--tips", "room-list--no-tips", "room-list--figure",
        "room-list--badges", "room-list--muted", "room-list--tier-whale", "room-list--tier-big",
        "room-list--tier-regular",
    }
    BINDINGS = [
        Binding("enter", "open", "Open", id="open", tooltip="open the selected person"),
        Binding("n", "note", "Note", id="note", tooltip="note on the selected person"),
        Binding("a", "lists", "Lists", show=False, id="lists", tooltip="put the selected person on a list or take them off"),
        Binding("m", "mute", "Mute", show=False, id="mute", tooltip="mute or unmute the selected person's alerts"),
        # Not in the footer (the help lists them): the global keys need its room at 120 columns.
        Binding("o", "sort_next", "Sort", show=False, id="room_sort_column",
                tooltip="sort the room by the next column (a click on a header sorts by it)"),
        Binding("O", "sort_reverse", "Reverse", key_display="O", show=False, id="room_sort_reverse",
                tooltip="reverse the room's order"),
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
        self._order: list[str] = []  # row keys, top first, as last sorted
        self.sort_column = DEFAULT_SORT
        self.sort_reverse = False
        self.loaded = False
        self.room_read = LiveRead(self, self._read, self._show_view, name="room", min_interval=READ_INTERVAL,
                                  follows={CHANNEL_EVENTS: None, CHANNEL_SESSIONS: None, CHANNEL_RADAR: None,
                                           CHANNEL_PERSONS: None, CHANNEL_ALERTS: _follows_alerts})

    def on_mount(self) -> None:
        for key, header, width, _sort in COLUMNS:
            self.add_column(header, key=key, width=width)
        self.border_title = "In the room"
        on_theme_change(self, self._restyle)
        self.room_read.request()

    # -- data --------------------------------------------------------------------------------------

    def _read(self, _changes: Changes) -> RoomView:
        return data_of(self).room()

    def _show_view(self, view: RoomView) -> None:
        self.loaded = True
        with self.app.batch_update():
            self.show(view.entries)

    def reload(self) -> None:
        """Read again now (after a write of this console's own)."""
        self.room_read.request()

    @property
    def entries(self) -> list[RoomEntry]:
        """The rows, top first, as shown."""
        return [self._entries[key] for key in self._order if key in self._entries]

    def _restyle(self) -> None:
        """The cells hold the old theme's colours: draw them again."""
        for key, entry in self._entries.items():
            for column, value in zip(COLUMN_KEYS, self._cells(entry), strict=True):
                self.update_cell(key, column, value)

    def show(self, entries: Sequence[RoomEntry]) -> None:
        """Replace the room with `entries`, changing only the cells that changed."""
        wanted = {str(e.person_id): e for e in entries}
        for key in [k for k in self._entries if k not in wanted]:
            self.remove_row(key)
            del self._entries[key]
        for key, entry in wanted.items():
            old = self._entries.get(key)
            if old is None:
                self.add_row(*self._cells(entry), key=key)
            elif old != entry:
                for column, before, after in zip(COLUMN_KEYS, self._cells(old), self._cells(entry), strict=True):
                    if before != after:
                        self.update_cell(key, column, after)
            self._entries[key] = entry
        self._sort()
        self._say_count()

    def _say_count(self) -> None:
        count = len(self._entries)
        if not count:
            self.border_subtitle = "nobody tracked"
            return
        order = "" if (self.sort_column, self.sort_reverse) == (DEFAULT_SORT, False) else (
            f" · by {HEADERS[self.sort_column]}{' ↑' if self.sort_reverse else ''}")
        self.border_subtitle = f"{count} here{order}"

    def _sort(self) -> None:
        sort = SORT_KEYS[self.sort_column]
        # Ties fall back to newest arrival first, then the name: the order never flickers.
        order = sorted(self._entries, key=lambda k: (sort(self._entries[k]), -self._entries[k].entered_at.timestamp(),
                                                     self._entries[k].username))
        if self.sort_reverse:
            order.reverse()
        if order == self._order and self.row_count == len(order):
            return
        self._order = order
        if self.row_count > 1:
            # sort() sees cell values only; usernames are unique here, so the name cell is the row.
            rank = {fmt.outside_text(self._entries[k].username).plain: i for i, k in enumerate(order)}
            self.sort("who", key=lambda who: rank.get(who.plain, 0))

    def _cells(self, entry: RoomEntry) -> tuple[Text, ...]:
        style = self.get_component_rich_style

        def figure(amount: int | None, cls: str = "room-list--figure") -> Text:
            if not amount:
                shown = UNKNOWN if amount is None else "·"
                return Text(shown, style=style("room-list--no-tips", partial=True), justify="right")
            return Text(compact(amount), style=style(cls, partial=True), justify="right")

        tier = Text(TIER_TEXT.get(entry.tier or "", ""),
                    style=style(f"room-list--tier-{entry.tier}", partial=True) if entry.tier else "")
        marks = Text(badges(entry), style=style("room-list--muted" if entry.muted else "room-list--badges",
                                                partial=True))
        return (
            fmt.outside_text(entry.username, style("room-list--name", partial=True)),
            Text(fmt.time_of_day(entry.entered_at, self.tz), style=style("room-list--since", partial=True)),
            figure(entry.tokens, "room-list--tips"),
            figure(entry.room_tokens),
            figure(entry.statbate_all_time),
            tier,
            marks,
        )

    # -- sorting -------------------------------------------------------------------------------------

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_column, self.sort_reverse = sort_order.clicked(self.sort_column, self.sort_reverse,
                                                                 str(event.column_key.value))
        self._resort()

    def action_sort_next(self) -> None:
        self.sort_column, self.sort_reverse = sort_order.next_column(COLUMN_KEYS, self.sort_column)
        self._resort()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._resort()

    def _resort(self) -> None:
        self._sort()
        self._say_count()

    # -- the selected person -------------------------------------------------------------------------

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

    def action_mute(self) -> None:
        self._choose("mute")

    def _choose(self, action: str) -> None:
        entry = self._selected()
        if entry is None:
            self.notify(NOTHING_SELECTED, severity="warning")
        else:
            self.post_message(self.Chosen(entry.person_id, entry.username, action))

    def selected_person(self) -> tuple[uuid.UUID, str] | None:
        entry = self._selected()
        return (entry.person_id, entry.username) if entry else None
