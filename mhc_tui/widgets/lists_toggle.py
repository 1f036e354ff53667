"""Watchlist membership of one person: space or enter toggles; the Excluded list is exclusion itself."""

from __future__ import annotations

import uuid
from typing import Any

from textual import work
from textual.message import Message
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection
from textual.worker import Worker

from mhc_core.db.models import EXCLUDED_LIST, Watchlist
from mhc_core.services import persons, watchlists
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.person_data import ListState


class PersonGone(LookupError):
    pass


class ListsToggle(SelectionList[int]):
    class Saved(Message):
        """Membership changed; whoever shows the person should re-read."""

    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id

    def show(self, lists: list[ListState]) -> None:
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
        if self.app.db is not None:  # type: ignore[attr-defined]
            self._write(event.selection.value, event.selection.value in self.selected)

    @work(thread=True, exclusive=True, group="person-lists", exit_on_error=False)
    def _write(self, watchlist_id: int, member: bool) -> None:
        with self.app.db.session() as session:  # type: ignore[attr-defined]
            person = persons.get_person(session, self.person_id)
            watchlist = session.get(Watchlist, watchlist_id)
            if person is None or watchlist is None:
                raise PersonGone("the person or the list is no longer in the database")
            watchlists.set_member(session, watchlist, person, member)
        self.post_message(self.Saved())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker_errors.report(self, event, "Lists")
