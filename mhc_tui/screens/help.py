"""The help screen (`?`): every key, grouped by where it works."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Everywhere", (
        ("d", "dashboard"),
        ("l", "lookup a person"),
        ("s", "stream sessions"),
        ("F5", "start a stream session"),
        ("F6", "end the LIVE session (y confirms, n / escape cancels)"),
        ("ctrl+p", "command palette: every action by name"),
        ("escape", "back"),
        ("?", "this help"),
        ("ctrl+q", "quit"),
    )),
    ("Dashboard: event feed and room", (
        ("tab", "move between the feed and the room list"),
        ("↑ ↓ pgup pgdn home end", "select a line (end follows new events again)"),
        ("enter", "open the selected person"),
        ("n", "note on the selected person"),
        ("f", "cycle the feed filter"),
        ("1 2 3 4 5", "feed filter: all / chat / tips / PMs / room traffic"),
    )),
    ("Lookup", (
        ("ctrl+enter / ctrl+j", "look up (name, paste, or both)"),
        ("ctrl+l", "back to the name field"),
        ("enter", "open the person shown or picked"),
        ("n", "note on the person shown"),
    )),
    ("Person", (
        ("1 … 6", "tabs: overview, stats timeline, interactions, notes, tags, lists"),
        ("n", "add a note"),
        ("[ ]", "interactions: previous / next page"),
        ("a e x", "tags: add / edit / remove"),
        ("space / enter", "lists: toggle membership (Excluded also excludes)"),
        ("r", "reload"),
    )),
    ("Sessions", (
        ("enter", "open the session / the person on a transcript line"),
        ("r", "reload"),
    )),
)


def _tables() -> Group:
    tables = []
    for group, keys in KEYS:
        table = Table(title=group, title_justify="left", title_style="bold #e4e2f5", box=None,
                      show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold #c38bff", justify="right", min_width=24)
        table.add_column(style="#e4e2f5")
        for key, what in keys:
            table.add_row(key, what)
        tables.extend([table, Text("")])
    return Group(*tables)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="modal-box"):
            yield Static("Keys", classes="modal-title")
            yield Static(_tables(), id="help-keys")
            yield Static("Figures marked Chaturbate come from the Stats API; everything else from stored events.",
                         classes="modal-hint")

    def action_close(self) -> None:
        self.dismiss(None)
