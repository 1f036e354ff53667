"""The help screen (`?`): every key, grouped by where it works, read from the Binding declarations."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mhc_tui.widgets.key_tables import KeyTables


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="back", tooltip="close this help"),
        Binding("question_mark", "close", "Close", show=False, id="help", tooltip="close this help"),
        Binding("q", "close", "Close", show=False, id="close_help", tooltip="close this help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="modal-box"):
            yield Static("Keys", classes="modal-title")
            yield KeyTables(id="help-keys")
            yield Static("Figures marked Chaturbate come from the Stats API; everything else from stored events.",
                         classes="modal-hint")

    def action_close(self) -> None:
        self.dismiss(None)
