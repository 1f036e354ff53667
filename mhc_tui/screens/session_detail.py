"""One stream session: its figures, the whole transcript in order, top tippers and new followers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, get_current_worker

from mhc_core.db.models import InteractionType, SessionStatus
from mhc_core.services import interactions, sessions
from mhc_core.services.sessions import SessionStats
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.session_transcript import TRANSCRIPT_TYPES, SessionTranscript, TranscriptLine, line_from

if TYPE_CHECKING:
    from mhc_tui.messages import DataChanged

REFRESH_CHANNELS = frozenset({"mhc_sessions", "mhc_events", "*"})
TOP_TIPPERS = 10


@dataclass(frozen=True)
class SessionDetail:
    stats: SessionStats
    lines: list[TranscriptLine]
    followers: list[tuple[str, Any]]  # (username, followed at)


class SessionDetailScreen(Screen[None]):
    CSS_PATH = "session_detail.tcss"
    BINDINGS = [
        Binding("enter", "open_person", "Open person"),
        Binding("r", "reload", "Refresh", show=False),
    ]

    class Loaded(Message):
        def __init__(self, detail: SessionDetail | None) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.title = f"Session {session_id}"

    def compose(self) -> ComposeResult:
        yield Header()
        summary = Static("waiting for database…", id="detail-summary")
        summary.border_title = f"Session {self.session_id}"
        yield summary
        with Horizontal(id="detail-body"):
            transcript = SessionTranscript(id="detail-transcript")
            transcript.border_title = "Transcript: chat, tips, private messages"
            yield transcript
            with Vertical(id="detail-side"):
                tippers = Static(id="detail-tippers", classes="detail-box")
                tippers.border_title = "Top tippers"
                yield tippers
                followers = Static(id="detail-followers", classes="detail-box")
                followers.border_title = "New followers"
                yield followers
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one(SessionTranscript).focus()

    def action_reload(self) -> None:
        if self.app.db is not None:  # type: ignore[attr-defined]
            self._load()

    def action_open_person(self) -> None:
        table = self.query_one(SessionTranscript)
        if table.row_count:
            table.action_select_cursor()

    @on(SessionTranscript.PersonChosen)
    def _open(self, message: SessionTranscript.PersonChosen) -> None:
        self.app.open_person(message.person_id)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="session-detail", exit_on_error=False)
    def _load(self) -> None:
        app: Any = self.app
        with app.db.session() as session:
            found = sessions.get(session, self.session_id)
            if found is None:
                detail = None
            else:
                stats = sessions.stats_many(session, [found], now=app.clock(), top=TOP_TIPPERS)[0]
                lines = [line_from(i, name) for i, name in
                         interactions.by_session(session, self.session_id, types=list(TRANSCRIPT_TYPES))]
                followers = [(name, i.timestamp) for i, name in interactions.by_session(
                    session, self.session_id, types=[InteractionType.FOLLOW.value])]
                detail = SessionDetail(stats, lines, followers)
        if not get_current_worker().is_cancelled:  # a newer read is on its way; drop this one
            self.post_message(self.Loaded(detail))

    def on_session_detail_screen_loaded(self, message: Loaded) -> None:
        summary = self.query_one("#detail-summary", Static)
        detail = message.detail
        if detail is None:
            summary.update(Content(f"There is no session {self.session_id} in the database."))
            return
        tz = self.app.settings.tz  # type: ignore[attr-defined]
        s = detail.stats
        live = s.session.status == SessionStatus.LIVE.value
        status = "[b $success]LIVE[/]" if live else s.session.status
        summary.update(
            f"{status} · {s.session.origin} · started {fmt.when(s.session.started_at, tz)} · "
            f"{'running' if live else 'ended ' + fmt.when(s.session.ended_at, tz)} · {fmt.duration(s.duration_seconds)}\n"
            f"tokens [b]{fmt.number(s.tokens)}[/] in {s.tips} tips · media {fmt.number(s.media_tokens)} · "
            f"chat {s.chat_messages} from {s.unique_chatters} chatters · PMs {s.private_messages} · "
            f"follows {s.follows} · unfollows {s.unfollows}"
        )
        self.query_one(SessionTranscript).show(detail.lines, tz)
        tippers = "\n".join(f"{i}. {fmt.outside(t['username'])}  {fmt.number(t['tokens'])}"
                             for i, t in enumerate(s.top_tippers, 1))
        self.query_one("#detail-tippers", Static).update(
            Content(tippers) if tippers else Content.from_markup("[$text-muted]no tips[/]")
        )
        followers = "\n".join(f"{fmt.when(when, tz)}  {fmt.outside(name)}" for name, when in detail.followers)
        self.query_one("#detail-followers", Static).update(
            Content(followers) if followers else Content.from_markup("[$text-muted]no new followers[/]")
        )

    def on_data_changed(self, message: DataChanged) -> None:
        if message.channel in REFRESH_CHANNELS:
            self.action_reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker_errors.report(self, event, f"Session {self.session_id}")
