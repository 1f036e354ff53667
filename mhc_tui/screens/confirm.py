"""A yes/no question: `y` confirms, `n` or escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from mhc_tui.keys import key_for


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="answer_yes", tooltip="yes: do it"),
        Binding("n", "answer(False)", "No", id="answer_no", tooltip="no: leave it"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="back", tooltip="no: leave it"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="confirm-box"):
            yield Label(self.question, classes="modal-title")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} ({key_for(self, 'answer_yes')})", id="yes", variant="error")
                yield Button(f"{self.no_label} ({key_for(self, 'answer_no')})", id="no", variant="default")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
