"""ListNameModal: the name of a new list, or a list's new name. Enter gives it back; escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.safe_fields import SafeInput


class ListNameModal(ModalScreen[str | None]):
    """Dismisses with the name typed (the service checks it and says why it refuses), None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="back", tooltip="cancel: no list is made or renamed"),
    ]

    def __init__(self, title: str, *, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="list-name-box", classes="modal-box"):
            yield Label(fmt.outside(self.title_text), id="list-name-title", classes="modal-title")
            yield SafeInput(value=self.value, placeholder="list name", id="list-name")
            yield Label("enter save · escape cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#list-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.notify("A list needs a name.", severity="warning")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
