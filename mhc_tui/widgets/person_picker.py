"""The names found in a paste: moving through the list previews a person, enter opens them."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mhc_tui.widgets import display_format as fmt


class PersonPicker(OptionList):
    BINDINGS = [Binding("enter", "select", "Open person", show=True, id="open", tooltip="open the person picked")]

    class Previewed(Message):
        def __init__(self, person_id: uuid.UUID) -> None:
            super().__init__()
            self.person_id = person_id

    class Chosen(Message):
        def __init__(self, person_id: uuid.UUID) -> None:
            super().__init__()
            self.person_id = person_id

    def set_people(self, people: list[tuple[uuid.UUID, str]]) -> None:
        self.clear_options()
        self.add_options([Option(fmt.outside_text(name), id=str(pid)) for pid, name in people])
        if people:
            self.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Previewed(uuid.UUID(event.option.id)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(uuid.UUID(event.option.id)))
