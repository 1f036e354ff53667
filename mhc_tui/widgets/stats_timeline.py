"""A person's snapshots of one source over time: a table of values with deltas and a sparkline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DataTable, Label, Select, Sparkline

from mhc_core.channels import CHANNEL_STATS
from mhc_core.data.views import ReadingView, TimelineView
from mhc_core.kinds import SnapshotSource
from mhc_tui.data_access import console_of, data_of
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.widgets import display_format as fmt

# The metric that best says "is this person growing": spending, income (or rank), followers.
MAIN_METRIC = {
    SnapshotSource.STATBATE_MEMBER.value: ("all_time_tokens",),
    SnapshotSource.STATBATE_MODEL.value: ("income_tokens", "rank"),
    SnapshotSource.CB_STATS.value: ("num_followers",),
}
SOURCE_ORDER = [s.value for s in SnapshotSource]


def main_metric(source: str, rows: Sequence[ReadingView]) -> str | None:
    numeric = [k for r in rows for k, v in r.metrics.items() if fmt.is_scalar_metric(v) and not isinstance(v, str)]
    for key in MAIN_METRIC.get(source, ()):
        if any(isinstance(r.metrics.get(key), int | float) for r in rows):
            return key
    return numeric[0] if numeric else None


class StatsTimeline(Vertical):
    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id
        self._source: str | None = None
        self.timeline_read = LiveRead(self, self._read, self._show, name="stats timeline",
                                      follows={CHANNEL_STATS: about("person_id", lambda: self.person_id)})

    def compose(self) -> ComposeResult:
        with Horizontal(id="timeline-bar"):
            yield Label("Source ")
            yield Select(
                [(fmt.SOURCE_LABELS[s], s) for s in SOURCE_ORDER], prompt="first with data", id="timeline-source"
            )
            yield Label("", id="timeline-caption")
        yield Sparkline([], id="timeline-spark")
        yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.timeline_read.request()

    @on(Select.Changed, "#timeline-source")
    def _source_changed(self, event: Select.Changed) -> None:
        chosen = None if event.value is Select.NULL else str(event.value)
        if chosen != self._source:
            self._source = chosen
            self.reload()

    def _read(self, _changes: Changes) -> tuple[str | None, TimelineView]:
        # No source chosen yet: the door picks the first one that has snapshots.
        asked = self._source
        return asked, data_of(self).stats_timeline(self.person_id, asked)

    def _show(self, read: tuple[str | None, TimelineView]) -> None:
        asked, found = read
        if asked != self._source:
            return  # another source was chosen meanwhile; its read is due
        source, rows = found.source, found.readings
        tz = console_of(self).settings.tz
        table = self.query_one(DataTable)
        table.clear(columns=True)
        caption = self.query_one("#timeline-caption", Label)
        spark = self.query_one(Sparkline)
        if source is None or not rows:
            what = fmt.SOURCE_LABELS.get(source or "", "any source")
            caption.update(f"  no snapshots from {what}")
            spark.data = []
            return
        main = main_metric(source, rows)
        keys = sorted({k for r in rows for k, v in r.metrics.items() if fmt.is_scalar_metric(v)} - {"name"})
        if main in keys:
            keys.remove(main)
            keys.insert(0, main)
        table.add_column("captured", key="captured_at")
        for key in keys:
            table.add_column(fmt.outside_text(key, limit=40), key=key)
        for row in reversed(rows):  # newest first: what changed last is what he wants to see
            cells = [fmt.when(row.captured_at, tz)]
            for key in keys:
                change = fmt.signed((row.delta or {}).get(key))
                value = fmt.number(row.metrics.get(key))
                cells.append(f"{value} ({change})" if change else value)
            table.add_row(*(fmt.outside_text(c) for c in cells), key=str(row.snapshot_id))
        values = [float(r.metrics[main]) for r in rows
                  if main is not None and isinstance(r.metrics.get(main), int | float)]
        spark.data = values
        caption.update(Content(f"  {fmt.SOURCE_LABELS.get(source, source)} · "
                               f"{len(rows)} snapshots · sparkline: {fmt.outside(main or '—', 40)}"))
