"""One stream session: its figures, the whole transcript in order, top tippers and new followers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_SESSIONS
from mhc_core.kinds import InteractionType
from mhc_tui.data_access import console_of, data_of
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.session_transcript import TRANSCRIPT_TYPES, SessionTranscript

if TYPE_CHECKING:
    from mhc_core.data.export_views import TranscriptImport
    from mhc_core.data.views import SessionDetail

TOP_TIPPERS = 10


class SessionDetailScreen(Screen[None]):
    CSS_PATH = "session_detail.tcss"
    BINDINGS = [
        Binding("enter", "open_person", "Open person", id="open", tooltip="open the person on the selected line"),
        Binding("r", "reload", "Refresh", show=False, id="reload", tooltip="read again"),
        Binding("p", "import_transcript", "Paste transcript", id="import_transcript",
                tooltip="import a chat transcript pasted from the browser into this session"),
        Binding("e", "export", "Export", id="export",
                tooltip="write every interaction of this session as CSV under the data folder's exports/"),
    ]

    def __init__(self, session_id: int, *, line: int | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self._line = line  # an interaction to put the cursor on once read (e.g. a search's match)
        self.title = f"Session {session_id}"
        self._live: bool | None = None  # unknown until the first read
        # Events are linked only to the LIVE session: an ended one does not follow them.
        self.detail_read = LiveRead(self, self._read, self._show, name=f"session {session_id}", follows={
            CHANNEL_SESSIONS: about("id", lambda: self.session_id),
            CHANNEL_EVENTS: lambda _payload: self._live is not False,
        })

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
        self.detail_read.request()
        self.query_one(SessionTranscript).focus()

    def action_reload(self) -> None:
        self.detail_read.request()

    def action_open_person(self) -> None:
        table = self.query_one(SessionTranscript)
        if table.row_count:
            table.action_select_cursor()

    def action_import_transcript(self) -> None:
        from mhc_tui.screens.transcript_paste import TranscriptPasteModal

        self.app.push_screen(TranscriptPasteModal(self.session_id), self._imported)

    def _imported(self, done: TranscriptImport | None) -> None:
        if done is None:
            return
        self.notify(done.summary(), severity="warning" if done.unreadable else "information", markup=False)
        self.detail_read.request()

    def action_export(self) -> None:
        from mhc_tui.exports import export_csv

        session_id = self.session_id
        export_csv(self, lambda data: data.export_session(session_id), f"session {session_id}")

    @on(SessionTranscript.PersonChosen)
    def _open(self, message: SessionTranscript.PersonChosen) -> None:
        console_of(self).open_person(message.person_id)

    def _read(self, _changes: Changes) -> SessionDetail | None:
        return data_of(self).session(self.session_id, top=TOP_TIPPERS,
                                     types=(*TRANSCRIPT_TYPES, InteractionType.FOLLOW.value))

    def _show(self, detail: SessionDetail | None) -> None:
        summary = self.query_one("#detail-summary", Static)
        if detail is None:
            summary.update(Content(f"There is no session {self.session_id} in the database."))
            return
        tz = console_of(self).settings.tz
        s = detail.session
        live = self._live = s.live
        status = "[b $success]LIVE[/]" if live else s.status
        summary.update(
            f"{status} · {s.origin} · started {fmt.when(s.started_at, tz)} · "
            f"{'running' if live else 'ended ' + fmt.when(s.ended_at, tz)} · {fmt.duration(s.duration_seconds)}\n"
            f"tokens [b]{fmt.number(s.tokens)}[/] in {s.tips} tips · media {fmt.number(s.media_tokens)} · "
            f"chat {s.chat_messages} from {s.unique_chatters} chatters · PMs {s.private_messages} · "
            f"follows {s.follows} · unfollows {s.unfollows}"
        )
        transcript = self.query_one(SessionTranscript)
        transcript.show(detail.of_types(*TRANSCRIPT_TYPES), tz)
        if self._line is not None:
            line, self._line = self._line, None
            if not transcript.go_to(line):
                self.notify("That line is not in the transcript (it shows chat, tips and private messages).",
                            severity="warning")
        tippers = "\n".join(f"{i}. {fmt.outside(t.username)}  {fmt.number(t.tokens)}"
                             for i, t in enumerate(s.top_tippers, 1))
        self.query_one("#detail-tippers", Static).update(
            Content(tippers) if tippers else Content.from_markup("[$text-muted]no tips[/]")
        )
        followers = "\n".join(f"{fmt.when(f.timestamp, tz)}  {fmt.outside(f.username)}" for f in detail.followers)
        self.query_one("#detail-followers", Static).update(
            Content(followers) if followers else Content.from_markup("[$text-muted]no new followers[/]")
        )
