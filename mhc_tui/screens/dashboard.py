"""The dashboard the console opens on: session, Chaturbate stats, the live feed and who is in the room.

The feed fetches on every mhc_events notification (coalesced, never overlapping); the panels re-read
at most once a second when something they show has changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from mhc_tui.messages import DataChanged
from mhc_tui.screens.note import NoteModal
from mhc_tui.widgets.event_feed import NOTHING_SELECTED, EventFeed, FeedView
from mhc_tui.widgets.health import HealthLine
from mhc_tui.widgets.room_list import RoomList
from mhc_tui.widgets.session_bar import SessionBar
from mhc_tui.widgets.stats_panel import StatsPanel

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mhc_core.services.feed import RoomEntry
    from mhc_core.services.sessions import SessionStats
    from mhc_core.services.snapshots import Reading

RECENT_SESSIONS = 5


@dataclass(frozen=True)
class DashboardData:
    live: SessionStats | None
    reading: Reading | None
    since_session: dict[str, Any] | None
    recent: list[SessionStats]
    room: list[RoomEntry]


def load_dashboard(s: Session, broadcaster: str, now: datetime) -> DashboardData:
    from mhc_core.db.models import SnapshotSource
    from mhc_core.services import feed, persons, sessions, snapshots

    live = sessions.current(s, broadcaster)
    recent = sessions.list_sessions(s, broadcaster, limit=RECENT_SESSIONS)
    all_stats = sessions.stats_many(s, recent + ([live] if live and live not in recent else []), now=now)
    by_id = {st.session.id: st for st in all_stats}
    me = persons.find_person(s, broadcaster)
    reading = since = None
    if me is not None:
        reading = snapshots.latest_reading(s, me.id, SnapshotSource.CB_STATS.value)
        if live is not None and reading is not None:
            since = snapshots.reading_since(s, me.id, SnapshotSource.CB_STATS.value, live.started_at)
    return DashboardData(
        live=by_id.get(live.id) if live else None,
        reading=reading,
        since_session=since,
        recent=[by_id[r.id] for r in recent],
        room=feed.room_now(s, broadcaster, tips_session_id=live.id if live else None),
    )


class DashboardScreen(Screen):
    BINDINGS = [
        Binding("enter", "open_selected", "Open person", show=False),
        Binding("n", "note_selected", "Note", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._panels_due = True
        self._panels_running = False
        self._loaded = False

    def compose(self) -> ComposeResult:
        tz = self.app.settings.tz  # type: ignore[attr-defined]
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="dash-top"):
            yield SessionBar(tz=tz, id="session-bar")
            yield StatsPanel(tz=tz, id="stats-panel")
        with Horizontal(id="dash-main"):
            yield EventFeed(tz=tz, id="event-feed")
            yield RoomList(tz=tz, id="room-list")
        yield HealthLine()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Dashboard"
        self.query_one(FeedView).focus()
        self.set_interval(1.0, self._tick)
        self._tick()

    @property
    def event_feed(self) -> EventFeed:
        return self.query_one(EventFeed)

    # -- data ------------------------------------------------------------------------------------

    def on_data_changed(self, message: DataChanged) -> None:
        if message.channel in ("mhc_events", "*"):
            self.event_feed.refresh_events()
        if message.channel in ("mhc_events", "mhc_sessions", "mhc_stats", "*"):
            self._panels_due = True

    def on_screen_resume(self) -> None:
        # Notifications went to other screens while this one was covered: catch up.
        if self.app.db is not None:  # type: ignore[attr-defined]
            self.event_feed.refresh_events()
        self._panels_due = True

    def _tick(self) -> None:
        # No I/O here: redraw running times and arm a read when one is due.
        if self._loaded:
            self.query_one(SessionBar).tick()
        db = self.app.db  # type: ignore[attr-defined]
        if db is None:
            return
        if not self.event_feed.loaded:
            self.event_feed.refresh_events()
        if self._panels_due and not self._panels_running:
            self._panels_due = False
            self._panels_running = True
            self._load_panels(db)

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def _load_panels(self, db) -> DashboardData:  # type: ignore[no-untyped-def]
        app = self.app
        with db.session() as s:
            return load_dashboard(s, app.settings.broadcaster, app.clock())  # type: ignore[attr-defined]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "dashboard" or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        self._panels_running = False
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, DashboardData):
            self._show(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self._panels_due = True  # try again on the next tick after a failure is reported
            self.app.report_worker_error(event.worker)  # type: ignore[attr-defined]

    def _show(self, data: DashboardData) -> None:
        now = self.app.clock()  # type: ignore[attr-defined]
        self._loaded = True
        with self.app.batch_update():
            self.query_one(SessionBar).show(data.live, data.recent)
            configured = self.app.settings.stats_token is not None  # type: ignore[attr-defined]
            self.query_one(StatsPanel).show(data.reading, data.since_session, data.live is not None, now,
                                            configured=configured)
            self.query_one(RoomList).show(data.room)

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
            self.app.open_person(person_id)  # type: ignore[attr-defined]
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
