"""ListPickerModal: put one person on watchlists or take them off (`a` from the feed, the room, the person).

The same toggle as the person screen's Lists tab: each change is written at once; Excluded is
exclusion itself, so the session figures follow.
"""

from __future__ import annotations

import uuid

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from mhc_core.channels import CHANNEL_PERSONS
from mhc_core.data.views import ListMembership
from mhc_tui.data_access import data_of
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.lists_toggle import ListsToggle

HINT = "space or enter toggles · Excluded leaves them out of every count and session figure · escape closes"


class ListPickerModal(ModalScreen[None]):
    CSS_PATH = "list_picker.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close", id="back", tooltip="close: every toggle is saved already"),
    ]

    def __init__(self, person_id: uuid.UUID, username: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.username = username
        self.memberships: tuple[ListMembership, ...] | None = None
        # Lists made, renamed or deleted elsewhere (person_id null) and this person's own changes.
        self.lists_read = LiveRead(self, self._read, self._show, name="list picker", follows={
            CHANNEL_PERSONS: about("person_id", lambda: self.person_id),
        })

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box", classes="modal-box"):
            yield Label(fmt.outside_markup("Lists for [b]$name[/b]", name=self.username), id="picker-title",
                        classes="modal-title")
            yield ListsToggle(self.person_id, id="picker-lists")
            yield Label(HINT, classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one(ListsToggle).focus()
        self.lists_read.request()

    def action_close(self) -> None:
        self.dismiss(None)

    def _read(self, _changes: Changes) -> tuple[ListMembership, ...]:
        return data_of(self).list_memberships(self.person_id)

    def _show(self, memberships: tuple[ListMembership, ...]) -> None:
        self.memberships = memberships
        self.query_one(ListsToggle).show(memberships)

    @on(ListsToggle.Saved)
    def _saved(self) -> None:
        # Its notification will come too; this shows the change even while live updates are down.
        self.lists_read.request()
