"""Watchlists: every list on the left, the selected one's members on the right with what tells them apart.

The members' figures (online status, last interaction, tokens in the room, the latest snapshot's
change, notes) come from one door call for the whole list, read again when any of them may have
moved: a person's change, an event, a session starting or ending, a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from mhc_core.channels import ATTRIBUTE, CHANNEL_EVENTS, CHANNEL_PERSONS, CHANNEL_SESSIONS, CHANNEL_STATS
from mhc_core.data.watchlist_views import IN_ROOM, LIVE_MODEL, ONLINE_STATES, WatchlistView
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.keys import key_for
from mhc_tui.live import Changes, LiveRead, Payload
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.screens.list_name import ListNameModal
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import sort_order

if TYPE_CHECKING:
    from mhc_core.data.door import Data
    from mhc_core.data.watchlist_views import MemberView, WatchlistDetail

# Events, sessions and snapshots move the members' figures many times a second in a busy room.
READ_INTERVAL = 1.0
SYSTEM_MARK = "◆"
ONLINE_TEXT = {IN_ROOM: ("in room", "bold"), LIVE_MODEL: ("live model", "italic"), "offline": ("offline", "dim")}
# Metrics with a shorter name in the delta column.
SHORT = {"all_time_tokens": "all-time", "last_tip_amount": "last tip", "num_followers": "followers"}
NEVER = datetime.min.replace(tzinfo=UTC)


def _biggest(member: MemberView) -> float:
    return max((abs(v) for v in member.changes.values()), default=0)


# Column key, header, sort key (the first sort of a column is ascending).
COLUMNS: tuple[tuple[str, str, Callable[[MemberView], Any]], ...] = (
    ("username", "username", lambda m: m.username.lower()),
    ("online", "online", lambda m: ONLINE_STATES.index(m.online) if m.online in ONLINE_STATES else len(ONLINE_STATES)),
    ("last", "last interaction", lambda m: m.last_interaction_at or NEVER),
    ("tokens", "room tokens", lambda m: m.room_tokens),
    ("delta", "latest delta", _biggest),
    ("notes", "notes", lambda m: not m.has_notes),
)
SORT_KEYS = {key: sort for key, _header, sort in COLUMNS}


def delta_text(member: MemberView) -> str:
    """The latest snapshot's change in a few characters: its biggest move, and how many more moved."""
    changes = member.changes
    if not changes:
        return "" if member.snapshot_delta is None else "no change"
    name, value = max(changes.items(), key=lambda item: (item[0] == "all_time_tokens", abs(item[1])))
    more = f" +{len(changes) - 1} more" if len(changes) > 1 else ""
    return f"{fmt.signed(value)} {SHORT.get(name, fmt.metric_label(name))}{more}"


@dataclass(frozen=True)
class Shown:
    lists: tuple[WatchlistView, ...]
    detail: WatchlistDetail | None  # None: no list (or the chosen one went while it was read)


class WatchlistsScreen(Screen[None]):
    CSS_PATH = "watchlists.tcss"
    TITLE = "Watchlists"
    BINDINGS = [
        Binding("enter", "open", "Open person", id="open", tooltip="open the selected member"),
        Binding("o", "sort_next", "Sort", id="sort_column", tooltip="sort the members by the next column"),
        Binding("O", "sort_reverse", "Reverse", key_display="O", id="sort_reverse",
                tooltip="reverse the members' order"),
        Binding("delete,x", "remove_member", "Remove", id="remove_member",
                tooltip="take the selected member off the list (off Excluded: counted again)"),
        Binding("c", "create", "New list", id="create_list", tooltip="make a list of your own"),
        Binding("R", "rename", "Rename", key_display="R", id="rename_list",
                tooltip="rename the selected list (your own lists only)"),
        Binding("D", "delete", "Delete list", key_display="D", id="delete_list",
                tooltip="delete the selected list, asking first (your own lists only; the persons stay)"),
        Binding("r", "reload", "Refresh", show=False, id="reload", tooltip="read again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lists: tuple[WatchlistView, ...] = ()
        self.detail: WatchlistDetail | None = None
        self.sort_column = "username"
        self.sort_reverse = False
        self._list_id: int | None = None  # the list chosen on the left (None: the first)
        self._order: list[MemberView] = []  # the table's rows, top first
        self.watchlists_read = LiveRead(self, self._read, self._show, name="watchlists",
                                        min_interval=READ_INTERVAL, follows={
                                            CHANNEL_PERSONS: self._person_change_shows,
                                            CHANNEL_EVENTS: self._has_members,
                                            CHANNEL_SESSIONS: self._has_members,
                                            CHANNEL_STATS: self._has_members,
                                        })

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="watchlists-status")
        with Horizontal(id="watchlists-main"):
            yield OptionList(id="watchlists-lists")
            table: DataTable[Any] = DataTable(id="watchlists-members", cursor_type="row", zebra_stripes=True)
            for key, header, _sort in COLUMNS:
                table.add_column(header, key=key)
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#watchlists-lists", OptionList).border_title = "Lists"
        if not data_ready(self):
            self._say("waiting for database…")
        self.query_one("#watchlists-members", DataTable).focus()
        self.watchlists_read.request()

    # -- the selected list and member ------------------------------------------------------------

    @property
    def selected_list(self) -> WatchlistView | None:
        chosen = self.detail.id if self.detail else None
        return next((w for w in self.lists if w.id == chosen), None)

    @property
    def selected_member(self) -> MemberView | None:
        table = self.query_one("#watchlists-members", DataTable)
        if not self._order or not 0 <= table.cursor_row < len(self._order):
            return None
        return self._order[table.cursor_row]

    @on(OptionList.OptionHighlighted, "#watchlists-lists")
    def _list_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        chosen = int(event.option.id) if event.option.id else None
        if chosen is not None and chosen != self._list_id:
            self._list_id = chosen
            self.watchlists_read.request()

    @on(OptionList.OptionSelected, "#watchlists-lists")
    def _list_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#watchlists-members", DataTable).focus()

    @on(DataTable.RowSelected, "#watchlists-members")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    @on(DataTable.HeaderSelected, "#watchlists-members")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_column, self.sort_reverse = sort_order.clicked(self.sort_column, self.sort_reverse,
                                                                 str(event.column_key.value))
        self._show_members()

    # -- actions -----------------------------------------------------------------------------------

    def action_open(self) -> None:
        member = self.selected_member
        if member is not None:
            console_of(self).open_person(member.person_id)

    def action_sort_next(self) -> None:
        keys = [key for key, _header, _sort in COLUMNS]
        self.sort_column, self.sort_reverse = sort_order.next_column(keys, self.sort_column)
        self._show_members()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._show_members()

    def action_reload(self) -> None:
        self.watchlists_read.request()

    def action_remove_member(self) -> None:
        member, shown = self.selected_member, self.selected_list
        if member is None or shown is None or not data_ready(self):
            return
        person_id, list_id = member.person_id, shown.id
        said = f"{fmt.outside(member.username)} taken off {fmt.outside(shown.name)}."
        self._write(lambda data: data.set_list_member(person_id, list_id, False), said)

    def action_create(self) -> None:
        def named(name: str | None) -> None:
            if name is not None:
                self._write(lambda data: data.create_watchlist(name), None, select_new=True)

        self.app.push_screen(ListNameModal("A new list"), named)

    def action_rename(self) -> None:
        shown = self.selected_list
        if shown is None:
            return
        list_id = shown.id
        if shown.system:
            # The service refuses a system list before it looks at any name, in its own words.
            self._write(lambda data: data.rename_watchlist(list_id, shown.name), None)
            return

        def named(name: str | None) -> None:
            if name is not None:
                self._write(lambda data: data.rename_watchlist(list_id, name), f"List renamed to {fmt.outside(name)}.")

        self.app.push_screen(ListNameModal(f"Rename {shown.name}", value=shown.name), named)

    def action_delete(self) -> None:
        shown = self.selected_list
        if shown is None:
            return
        list_id = shown.id
        if shown.system:
            self._write(lambda data: data.delete_watchlist(list_id), None)  # refused, in the service's words
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._list_id = None
                self._write(lambda data: data.delete_watchlist(list_id), f"List {fmt.outside(shown.name)} deleted.")

        people = f" ({shown.members} on it stay in the database)" if shown.members else ""
        self.app.push_screen(ConfirmScreen(f"Delete the list {fmt.outside(shown.name)}?{people}", yes="Delete"),
                             confirmed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename", "delete"):
            return self.selected_list is not None
        if action in ("open", "remove_member"):
            return self.selected_member is not None
        return True

    def _write(self, change: Callable[[Data], object], said: str | None, *, select_new: bool = False) -> None:
        """A change through the door in a worker; a refusal is the App's one notification line."""
        if not data_ready(self):
            self.notify("Not connected to the database yet.", severity="warning")
            return
        run_in_thread(self, partial(change, data_of(self)), name="watchlist change",
                      done=partial(self._written, said, select_new))

    def _written(self, said: str | None, select_new: bool, result: object) -> None:
        if select_new and isinstance(result, WatchlistView):  # create_watchlist's: show the new list
            self._list_id = result.id
            said = f"List {fmt.outside(result.name)} created."
        if said:
            self.notify(said)
        # Its notification will come too; this shows the change even while live updates are down.
        self.watchlists_read.request()

    # -- following the database ----------------------------------------------------------------------

    def _person_change_shows(self, payload: Payload) -> bool:
        # Tags are not shown here; every other change of a person (or of the lists) may be.
        return payload.get("what") != ATTRIBUTE

    def _has_members(self, _payload: Payload) -> bool:
        return bool(self.detail and self.detail.members)

    def _read(self, _changes: Changes) -> Shown:
        from mhc_core.data.errors import Gone

        data = data_of(self)
        lists = data.watchlists()
        chosen = self._list_id if any(w.id == self._list_id for w in lists) else (lists[0].id if lists else None)
        if chosen is None:
            return Shown(lists, None)
        try:
            return Shown(lists, data.watchlist(chosen))
        except Gone:  # deleted between the two reads: the next notification shows the lists without it
            return Shown(lists, None)

    def _show(self, shown: Shown) -> None:
        self.detail = shown.detail
        self._list_id = shown.detail.id if shown.detail else None
        if shown.lists != self.lists:
            self.lists = shown.lists
            self._show_lists()
        self._show_members()
        self.refresh_bindings()

    def _show_lists(self) -> None:
        options = self.query_one("#watchlists-lists", OptionList)
        options.clear_options()
        for item in self.lists:
            label = Text.assemble(
                (f"{SYSTEM_MARK} " if item.system else "  ", "dim"), fmt.outside_text(item.name),
                (f"  {item.members:,}", "dim"),
            )
            options.add_option(Option(label, id=str(item.id)))
        index = next((i for i, w in enumerate(self.lists) if w.id == self._list_id), None)
        if index is not None:
            options.highlighted = index

    def _show_members(self) -> None:
        table = self.query_one("#watchlists-members", DataTable)
        kept = self.selected_member
        members = list(self.detail.members) if self.detail else []
        members.sort(key=lambda m: m.username.lower())  # ties in the sort column go by name
        members.sort(key=SORT_KEYS[self.sort_column], reverse=self.sort_reverse)
        tz = console_of(self).settings.tz
        with self.app.batch_update():
            table.clear()
            for member in members:
                table.add_row(*self._cells(member, tz), key=str(member.person_id))
            self._order = members
            row = next((i for i, m in enumerate(members) if kept and m.person_id == kept.person_id), 0)
            if members:
                table.move_cursor(row=row)
        self._say_status()

    @staticmethod
    def _cells(member: MemberView, tz: Any) -> tuple[Any, ...]:
        online, style = ONLINE_TEXT.get(member.online, (member.online, ""))
        return (
            fmt.outside_text(member.username),
            Text(online, style=style),
            fmt.when(member.last_interaction_at, tz) if member.last_interaction_at else "—",
            Text(fmt.number(member.room_tokens), justify="right"),
            Text(delta_text(member)),
            "✎" if member.has_notes else "",
        )

    def _say_status(self) -> None:
        shown = self.selected_list
        if shown is None:
            self._say("no lists" if data_ready(self) else "waiting for database…")
            return
        header = next(h for key, h, _sort in COLUMNS if key == self.sort_column)
        arrow = "↓" if self.sort_reverse else "↑"
        kind = f"{SYSTEM_MARK} system list" if shown.system else "your list"
        count = len(self.detail.members) if self.detail else 0
        self._say(f"{fmt.outside(shown.name)} ({kind}) · {count} on it · sorted by {header} {arrow}"
                  f" · {key_for(self, 'sort_column')}/{key_for(self, 'sort_reverse')} sort"
                  f" · {key_for(self, 'open')} opens · {key_for(self, 'remove_member')} takes off"
                  f" · {key_for(self, 'create_list')} new list")

    def _say(self, text: str) -> None:
        self.query_one("#watchlists-status", Label).update(Content(text))
