"""A stream session's chat, tips and private messages in order; tips stand out, PM direction is shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from mhc_core.db.models import InteractionType
from mhc_tui.widgets import display_format as fmt

TRANSCRIPT_TYPES = (
    InteractionType.CHAT_MESSAGE.value, InteractionType.TIP_EVENT.value, InteractionType.PRIVATE_MESSAGE.value,
)


@dataclass(frozen=True)
class TranscriptLine:
    id: int
    timestamp: datetime
    person_id: uuid.UUID
    username: str
    type: str
    text: str
    tokens: int | None
    direction: str | None  # private messages: "in" (to the broadcaster) or "out" (from him)

    @property
    def kind(self) -> str:
        if self.type == InteractionType.TIP_EVENT.value:
            return "tip"
        if self.type == InteractionType.PRIVATE_MESSAGE.value:
            return {"in": "PM from", "out": "PM to"}.get(self.direction or "", "PM")
        return "chat"


def line_from(item: Any, username: str) -> TranscriptLine:
    meta = item.meta if isinstance(item.meta, dict) else {}
    tokens = meta.get("tokens")
    return TranscriptLine(
        id=item.id, timestamp=item.timestamp, person_id=item.person_id, username=username, type=item.type,
        text=fmt.outside(item.content),
        tokens=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
        direction=meta.get("direction") if isinstance(meta.get("direction"), str) else None,
    )


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
        self._lines: dict[str, TranscriptLine] = {}
        self._last: datetime | None = None

    def on_mount(self) -> None:
        self.add_column("time", key="time")
        self.add_column("user", key="user")
        self.add_column("kind", key="kind")
        self.add_column("what", key="what")

    def show(self, lines: list[TranscriptLine], tz: tzinfo | None) -> None:
        fresh = [line for line in lines if str(line.id) not in self._lines]
        if fresh and self._last is not None and fresh[0].timestamp < self._last:
            self.clear()  # something arrived out of order: redraw rather than misplace it
            self._lines, fresh = {}, lines
        for line in fresh:
            self._add(line, tz)
        if lines:
            self._last = lines[-1].timestamp

    def _add(self, line: TranscriptLine, tz: tzinfo | None) -> None:
        style = ""
        if line.type == InteractionType.TIP_EVENT.value:
            style = self.get_component_rich_style("transcript--tip", partial=True)
        elif line.type == InteractionType.PRIVATE_MESSAGE.value:
            style = self.get_component_rich_style("transcript--pm", partial=True)
        what = line.text
        if line.tokens is not None:
            what = f"{fmt.number(line.tokens)} tokens" + (f" — {line.text}" if line.text else "")
        self.add_row(
            fmt.when(line.timestamp, tz, seconds=True), fmt.outside_text(line.username, style),
            Text(line.kind, style=style), fmt.outside_text(what, style), key=str(line.id),
        )
        self._lines[str(line.id)] = line

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        line = self._lines.get(str(event.row_key.value))
        if line is not None:
            self.post_message(self.PersonChosen(line.person_id))
