"""NoteModal: jot a note on a person without leaving the screen you are on."""

from __future__ import annotations

import uuid

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label
from textual.worker import Worker, WorkerState

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
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+enter", "save", "Save", show=False),
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
        if getattr(self.app, "db", None) is None:
            self.notify("Not connected to the database yet; the note is not saved.", severity="warning")
            return
        self.query_one("#note-text", Input).disabled = True
        self._save(text)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(thread=True, exclusive=True, group="note", exit_on_error=False)
    def _save(self, text: str) -> None:
        from mhc_core.services import notes, persons

        app = self.app
        with app.db.session() as s:  # type: ignore[attr-defined]
            person = persons.get_person(s, self.person_id)
            if person is None:
                raise PersonGone(self.username)
            notes.add_note(s, person, text, broadcaster=app.settings.broadcaster, at=app.clock())  # type: ignore[attr-defined]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "note":
            return
        if event.state == WorkerState.SUCCESS:
            self.notify(f"Note saved on {fmt.outside(self.username)}.")
            self.dismiss(True)
        elif event.state == WorkerState.ERROR:
            report = getattr(self.app, "report_worker_error", None)
            if report is not None:
                report(event.worker)
            # Keep the text so nothing typed is lost.
            text = self.query_one("#note-text", Input)
            text.disabled = False
            text.focus()
