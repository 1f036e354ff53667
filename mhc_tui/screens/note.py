"""NoteModal: jot a note on a person without leaving the screen you are on."""

from __future__ import annotations

import uuid
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from mhc_tui.background import run_in_thread
from mhc_tui.data_access import data_of, data_ready
from mhc_tui.messages import WorkFailed
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.safe_fields import SafeInput


class PersonGone(LookupError):
    def __init__(self, username: str) -> None:
        super().__init__(f"{username} is no longer in the database")


class NoteModal(ModalScreen[bool]):
    """Enter saves (a MANUAL_NOTE, linked to the LIVE session if there is one); escape cancels.

    Dismisses with True once saved. A failed save keeps the modal open with the text intact.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="back", tooltip="cancel: the note is not saved"),
        Binding("ctrl+enter", "save", "Save", show=False, id="save_note", tooltip="save the note"),
    ]

    def __init__(self, person_id: uuid.UUID, username: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box", classes="modal-box"):
            yield Label(fmt.outside_markup("Note on [b]$name[/b]", name=self.username), id="note-title",
                        classes="modal-title")
            yield SafeInput(placeholder="what you want to remember…", id="note-text")
            yield Label("enter save · escape cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#note-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#note-text", Input).value
        if not text.strip():
            self.notify("A note needs some text.", severity="warning")
            return
        if not data_ready(self):
            self.notify("Not connected to the database yet; the note is not saved.", severity="warning")
            return
        self.query_one("#note-text", Input).disabled = True
        run_in_thread(self, partial(self._save, text), name="note", done=self._saved)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def _save(self, text: str) -> None:
        """In a thread."""
        from mhc_core.data.errors import Gone

        try:
            data_of(self).add_note(self.person_id, text)
        except Gone:
            raise PersonGone(self.username) from None  # the door knows the id; the modal shows the name

    def _saved(self, _result: None) -> None:
        self.notify(f"Note saved on {fmt.outside(self.username)}.")
        self.dismiss(True)

    def on_work_failed(self, _message: WorkFailed) -> None:
        # The App has said why; keep the text so nothing typed is lost.
        text = self.query_one("#note-text", Input)
        text.disabled = False
        text.focus()
