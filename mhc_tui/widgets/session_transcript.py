"""A stream session's chat, tips and private messages in order; tips stand out, PM direction is shown."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from mhc_core.data.views import InteractionView
from mhc_core.kinds import InteractionType
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.component_style import on_theme_change

TRANSCRIPT_TYPES = (
    InteractionType.CHAT_MESSAGE.value, InteractionType.TIP_EVENT.value, InteractionType.PRIVATE_MESSAGE.value,
)


def kind_of(line: InteractionView) -> str:
    """Tip, chat, or a private message with its direction ("in": to the broadcaster, "out": from him)."""
    if line.type == InteractionType.TIP_EVENT.value:
        return "tip"
    if line.type == InteractionType.PRIVATE_MESSAGE.value:
        direction = line.metadata.get("direction") if isinstance(line.metadata, dict) else None
        return {"in": "PM from", "out": "PM to"}.get(direction if isinstance(direction, str) else "", "PM")
    return "chat"


def whole_tokens(line: InteractionView) -> int | None:
    tokens = line.tokens
    return tokens if isinstance(tokens, int) else None


class SessionTranscript(DataTable[Any]):
    """Rows keyed by interaction id; new lines are appended, so a live session grows without redraws."""

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        "transcript--tip", "transcript--pm",
    }

    class PersonChosen(Message):
        def __init__(self, person_id: uuid.UUID) -> None:
            super().__init__()
            self.person_id = person_id

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._lines: dict[str, InteractionView] = {}
        self._last: datetime | None = None
        self._tz: tzinfo | None = None

    def on_mount(self) -> None:
        self.add_column("time", key="time")
        self.add_column("user", key="user")
        self.add_column("kind", key="kind")
        self.add_column("what", key="what")
        on_theme_change(self, self._restyle)

    def _restyle(self) -> None:
        """The rows hold the old theme's colours: draw them again, the cursor where it was."""
        lines, cursor = list(self._lines.values()), self.cursor_coordinate
        self.clear()
        self._lines = {}
        for line in lines:
            self._add(line, self._tz)
        self.move_cursor(row=cursor.row, column=cursor.column)

    def show(self, lines: Sequence[InteractionView], tz: tzinfo | None) -> None:
        self._tz = tz
        fresh = [line for line in lines if str(line.id) not in self._lines]
        if fresh and self._last is not None and fresh[0].timestamp < self._last:
            self.clear()  # something arrived out of order: redraw rather than misplace it
            self._lines, fresh = {}, list(lines)
        for line in fresh:
            self._add(line, tz)
        if lines:
            self._last = lines[-1].timestamp

    def _add(self, line: InteractionView, tz: tzinfo | None) -> None:
        style: Style | str = ""
        if line.type == InteractionType.TIP_EVENT.value:
            style = self.get_component_rich_style("transcript--tip", partial=True)
        elif line.type == InteractionType.PRIVATE_MESSAGE.value:
            style = self.get_component_rich_style("transcript--pm", partial=True)
        text = fmt.outside(line.content)
        tokens = whole_tokens(line)
        what = text
        if tokens is not None:
            what = f"{fmt.number(tokens)} tokens" + (f" — {text}" if text else "")
        self.add_row(
            fmt.when(line.timestamp, tz, seconds=True), fmt.outside_text(line.username, style),
            Text(kind_of(line), style=style), fmt.outside_text(what, style), key=str(line.id),
        )
        self._lines[str(line.id)] = line

    def go_to(self, interaction_id: int) -> bool:
        """The cursor on this interaction's line, scrolled into view; False if it is not shown."""
        key = str(interaction_id)
        if key not in self._lines:
            return False
        self.move_cursor(row=self.get_row_index(key), scroll=True)
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        line = self._lines.get(str(event.row_key.value))
        if line is not None:
            self.post_message(self.PersonChosen(line.person_id))
