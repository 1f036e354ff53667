"""Watchlist membership of one person: space or enter toggles; the Excluded list is exclusion itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from textual.message import Message
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from mhc_core.data.views import ListMembership
from mhc_core.kinds import EXCLUDED_LIST
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import data_of, data_ready
from mhc_tui.widgets import display_format as fmt


class ListsToggle(SelectionList[int]):
    class Saved(Message):
        """Membership changed; whoever shows the person should re-read."""

    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id

    def show(self, lists: Sequence[ListMembership]) -> None:
        highlighted = self.highlighted
        # Rebuilding the options does not post SelectionToggled, so this never writes back.
        self.clear_options()
        self.add_options([
            Selection(
                fmt.outside_text(f"{item.name} (not counted anywhere)" if item.name == EXCLUDED_LIST else item.name),
                item.id, item.member, id=str(item.id),
            )
            for item in lists
        ])
        if lists:
            self.highlighted = min(highlighted or 0, len(lists) - 1)

    def on_selection_list_selection_toggled(self, event: SelectionList.SelectionToggled[int]) -> None:
        event.stop()
        if data_ready(self):
            watchlist_id, member = event.selection.value, event.selection.value in self.selected
            run_in_thread(self, lambda: data_of(self).set_list_member(self.person_id, watchlist_id, member),
                          name="set list", done=self._saved)

    def _saved(self, _result: None) -> None:
        self.post_message(self.Saved())
