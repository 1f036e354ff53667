"""The dashboard the console opens on: session, Chaturbate stats, the live feed and who is in the room.

The feed reads what each mhc_events notification announced (never two reads at once); the panels
re-read at most once a second when something they show has changed; the room list follows what it
shows on its own (arrivals and tips, Statbate figures, notes, lists, mutes).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_PERSONS, CHANNEL_SESSIONS, CHANNEL_STATS, EXCLUDED
from mhc_tui.data_access import console_of, data_of
from mhc_tui.live import Changes, LiveRead, Payload
from mhc_tui.mute import toggle_mute
from mhc_tui.screens.list_picker import ListPickerModal
from mhc_tui.screens.note import NoteModal
from mhc_tui.widgets.event_feed import NOTHING_SELECTED, EventFeed, FeedView
from mhc_tui.widgets.health import HealthLine
from mhc_tui.widgets.room_list import RoomList
from mhc_tui.widgets.session_bar import SessionBar
from mhc_tui.widgets.session_charts import SessionCharts
from mhc_tui.widgets.stats_panel import StatsPanel

if TYPE_CHECKING:
    from mhc_core.data.views import DashboardView

RECENT_SESSIONS = 5
PANELS_INTERVAL = 1.0  # the panels re-read at most once a second, however busy the room


def _own_stats(payload: Payload) -> bool:
    """The Stats API poller's snapshot (the broadcaster's own), not a Statbate lookup's of someone."""
    return "person_id" not in payload


class DashboardScreen(Screen):
    BINDINGS = [
        Binding("enter", "open_selected", "Open person", show=False, id="open",
                tooltip="open the selected person (feed line or room row)"),
        Binding("n", "note_selected", "Note", show=False, id="note", tooltip="note on the selected person"),
        Binding("a", "lists_selected", "Lists", show=False, id="lists",
                tooltip="put the selected person on a list or take them off"),
        Binding("m", "mute_selected", "Mute", show=False, id="mute",
                tooltip="mute or unmute the selected person's alerts"),
        Binding("g", "toggle_charts", "Charts", show=False, id="charts",
                tooltip="show or hide the charts: tokens per five minutes and viewers"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False
        self.panels_read = LiveRead(self, self._read_panels, self._show, name="dashboard panels",
                                    min_interval=PANELS_INTERVAL, follows={
                                        CHANNEL_EVENTS: None, CHANNEL_SESSIONS: None, CHANNEL_STATS: _own_stats,
                                        # Excluding or including someone again changes the session figures.
                                        CHANNEL_PERSONS: lambda payload: payload.get("what") == EXCLUDED,
                                    })

    def compose(self) -> ComposeResult:
        tz = console_of(self).settings.tz
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="dash-top"):
            yield SessionBar(tz=tz, id="session-bar")
            yield StatsPanel(tz=tz, id="stats-panel")
        yield SessionCharts(id="session-charts")
        with Horizontal(id="dash-main"):
            yield EventFeed(tz=tz, id="event-feed")
            yield RoomList(tz=tz, id="room-list")
        yield HealthLine()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Dashboard"
        self.query_one(FeedView).focus()
        self.set_interval(1.0, self._tick)
        self.panels_read.request()

    @property
    def event_feed(self) -> EventFeed:
        return self.query_one(EventFeed)

    @property
    def loaded(self) -> bool:
        """The panels and the feed show what is stored (their first reads have landed)."""
        return (self._loaded and self.event_feed.loaded and self.query_one(RoomList).loaded
                and self.query_one(SessionCharts).loaded)

    # -- data ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        # No I/O here: redraw the running times from the clock.
        if self._loaded:
            self.query_one(SessionBar).tick()

    def _read_panels(self, _changes: Changes) -> DashboardView:
        return data_of(self).dashboard(recent=RECENT_SESSIONS, with_room=False)  # the room reads its own

    def _show(self, data: DashboardView) -> None:
        now = console_of(self).clock()
        self._loaded = True
        with self.app.batch_update():
            self.query_one(SessionBar).show(data.live, data.recent)
            configured = console_of(self).settings.stats_token is not None
            self.query_one(StatsPanel).show(data.reading, data.since_session, data.live is not None, now,
                                            configured=configured)

    def action_toggle_charts(self) -> None:
        charts = self.query_one(SessionCharts)
        charts.display = not charts.display

    # -- the selected person ------------------------------------------------------------------------

    def _selection(self) -> tuple[uuid.UUID, str] | None:
        room = self.query_one(RoomList)
        if self.focused is room:
            return room.selected_person()
        return self.event_feed.selected_person()

    def _act(self, person: tuple[uuid.UUID, str] | None, action: str) -> None:
        if person is None:
            self.notify(NOTHING_SELECTED, severity="warning")
            return
        person_id, username = person
        if action == "open":
            console_of(self).open_person(person_id)
        elif action == "lists":
            self.app.push_screen(ListPickerModal(person_id, username))
        elif action == "mute":
            toggle_mute(self, person_id, username, then=self.query_one(RoomList).reload)
        else:
            self.app.push_screen(NoteModal(person_id, username))

    def on_feed_view_chosen(self, message: FeedView.Chosen) -> None:
        self._act((message.item.person_id, message.item.username), message.action)

    def on_room_list_chosen(self, message: RoomList.Chosen) -> None:
        self._act((message.person_id, message.username), message.action)

    def action_open_selected(self) -> None:
        self._act(self._selection(), "open")

    def action_note_selected(self) -> None:
        self._act(self._selection(), "note")

    def action_lists_selected(self) -> None:
        self._act(self._selection(), "lists")

    def action_mute_selected(self) -> None:
        self._act(self._selection(), "mute")
