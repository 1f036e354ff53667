"""A person's interactions, newest first: filter by type, source and date range, one page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Select

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_PERSONS
from mhc_core.data.views import InteractionsPage, InteractionView
from mhc_core.kinds import InteractionSource, InteractionType
from mhc_tui.data_access import console_of, data_of
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.safe_fields import SafeInput

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    type: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def describe(item: InteractionView) -> str:
    """What happened, in one line: the text said, the tokens tipped, or both."""
    tokens = item.tokens
    text = fmt.outside(item.content)
    if tokens is not None:
        return f"{fmt.number(tokens)} tokens" + (f" — {text}" if text else "")
    return text


def parse_day(raw: str) -> date | None:
    """YYYY-MM-DD, or None when empty; ValueError when it is not a date."""
    raw = raw.strip()
    return date.fromisoformat(raw) if raw else None


class InteractionsTable(Vertical):
    BINDINGS = [
        Binding("left_square_bracket", "page(-1)", "Newer page", key_display="[", id="newer_page",
                tooltip="interactions: the newer page"),
        Binding("right_square_bracket", "page(1)", "Older page", key_display="]", id="older_page",
                tooltip="interactions: the older page"),
    ]

    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id
        self.filters = Filters()
        self.page_offset = 0
        self.page_total = 0
        self.page_read = LiveRead(self, self._read, self._show, name="interactions", follows={
            CHANNEL_EVENTS: None, CHANNEL_PERSONS: about("person_id", lambda: self.person_id),
        })

    def compose(self) -> ComposeResult:
        with Horizontal(id="interactions-filters"):
            yield Select([(t.value, t.value) for t in InteractionType], prompt="any type", id="filter-type")
            yield Select([(s.value, s.value) for s in InteractionSource], prompt="any source", id="filter-source")
            yield SafeInput(placeholder="since YYYY-MM-DD", id="filter-since")
            yield SafeInput(placeholder="until YYYY-MM-DD", id="filter-until")
        yield Label("", id="interactions-page")
        table: DataTable[Any] = DataTable(id="interactions-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "type", "source", "what", "session")
        yield table

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.page_read.request()

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * PAGE_SIZE
        if 0 <= offset < max(self.page_total, 1):
            self.page_offset = offset
            self.reload()

    @on(Select.Changed)
    @on(Input.Submitted)
    def _filters_changed(self, event: Message) -> None:
        event.stop()
        tz = console_of(self).settings.tz
        label = self.query_one("#interactions-page", Label)
        try:
            since = parse_day(self.query_one("#filter-since", Input).value)
            until = parse_day(self.query_one("#filter-until", Input).value)
        except ValueError:
            label.update("dates are YYYY-MM-DD")
            label.add_class("-error")
            return
        kind = self.query_one("#filter-type", Select).value
        source = self.query_one("#filter-source", Select).value
        # Whole days in the display zone: `until` includes the day it names.
        filters = Filters(
            type=None if kind is Select.NULL else str(kind),
            source=None if source is Select.NULL else str(source),
            since=datetime.combine(since, time(), tzinfo=tz).astimezone() if since else None,
            until=datetime.combine(until + timedelta(days=1), time(), tzinfo=tz).astimezone() if until else None,
        )
        if filters != self.filters:
            self.filters, self.page_offset = filters, 0
            self.reload()

    def _read(self, _changes: Changes) -> tuple[Filters, InteractionsPage]:
        filters, offset = self.filters, self.page_offset
        return filters, data_of(self).interactions(
            self.person_id, types=[filters.type] if filters.type else None,
            sources=[filters.source] if filters.source else None,
            since=filters.since, until=filters.until, limit=PAGE_SIZE, offset=offset,
        )

    def _show(self, read: tuple[Filters, InteractionsPage]) -> None:
        filters, page = read
        if (filters, page.offset) != (self.filters, self.page_offset):
            return  # other filters or another page were chosen meanwhile; that read is due
        self.page_total = page.total
        tz = console_of(self).settings.tz
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        with self.app.batch_update():
            table.clear()
            for row in page.items:
                table.add_row(
                    fmt.when(row.timestamp, tz, seconds=True), row.type, row.source, fmt.outside_text(describe(row)),
                    str(row.stream_session_id or ""), key=str(row.id),
                )
        if page.items:
            table.move_cursor(row=min(cursor, len(page.items) - 1))
        label = self.query_one("#interactions-page", Label)
        label.remove_class("-error")
        if page.total:
            last = page.offset + len(page.items)
            label.update(Content(f"{page.offset + 1}–{last} of {page.total}   [ newer · ] older"))
        else:
            label.update("no interactions match")
