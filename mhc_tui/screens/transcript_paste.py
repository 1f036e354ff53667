"""TranscriptPasteModal: paste a chat transcript copied from the browser into the session on screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from mhc_core.data.export_views import TranscriptImport
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import data_of, data_ready
from mhc_tui.keys import key_for
from mhc_tui.messages import WorkFailed
from mhc_tui.widgets.safe_fields import SafeTextArea


class SessionGone(LookupError):
    def __init__(self, session_id: int) -> None:
        super().__init__(f"session {session_id} is no longer in the database; nothing imported")


class TranscriptPasteModal(ModalScreen[TranscriptImport | None]):
    """The import key stores the paste as imported lines of the session; escape cancels.

    Dismisses with what the import did (the screen says it in one line). A failed import keeps the modal
    open with the paste intact.
    """

    CSS_PATH = "transcript_paste.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="back", tooltip="cancel: nothing is imported"),
        # Many terminals send ctrl+enter as plain enter; ctrl+j (line feed) always arrives distinctly.
        Binding("ctrl+enter,ctrl+j", "import", "Import", key_display="ctrl+enter/ctrl+j", id="import_paste",
                tooltip="import the pasted transcript into the session"),
    ]

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        with Vertical(id="paste-box", classes="modal-box"):
            yield Label(f"Import a transcript into session {self.session_id}", id="paste-title",
                        classes="modal-title")
            yield Label("Paste the chat as copied from the browser: joins, tips, notices and chat lines. "
                        "Importing the same lines again adds nothing.", id="paste-about")
            yield SafeTextArea(id="paste-text", soft_wrap=True)
            yield Label(f"{key_for(self, 'import_paste')} import · escape cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#paste-text", TextArea).focus()

    def action_import(self) -> None:
        text = self.query_one("#paste-text", TextArea).text
        if not text.strip():
            self.notify("Paste a transcript first.", severity="warning")
            return
        if not data_ready(self):
            self.notify("Not connected to the database yet; nothing imported.", severity="warning")
            return
        self.query_one("#paste-text", TextArea).disabled = True
        run_in_thread(self, lambda: self._import(text), name="transcript import", done=self._imported)

    def _imported(self, done: TranscriptImport) -> None:
        self.dismiss(done)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _import(self, text: str) -> TranscriptImport:
        """In a thread: over 1 MB or not text is refused whole (the App says why)."""
        from mhc_core.services.lookup import paste_text

        done = data_of(self).import_transcript(self.session_id, paste_text(text))
        if done is None:
            raise SessionGone(self.session_id)
        return done

    def on_work_failed(self, _message: WorkFailed) -> None:
        # The App has said why; keep the paste so nothing is lost.
        area = self.query_one("#paste-text", TextArea)
        area.disabled = False
        area.focus()
