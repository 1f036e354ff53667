"""A person's snapshots of one source over time: a table of values with deltas and a sparkline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Label, Select, Sparkline
from textual.worker import Worker, get_current_worker

from mhc_core.db.models import SnapshotSource
from mhc_core.services import snapshots
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors

# The metric that best says "is this person growing": spending, income (or rank), followers.
MAIN_METRIC = {
    SnapshotSource.STATBATE_MEMBER.value: ("all_time_tokens",),
    SnapshotSource.STATBATE_MODEL.value: ("income_tokens", "rank"),
    SnapshotSource.CB_STATS.value: ("num_followers",),
}
SOURCE_ORDER = [s.value for s in SnapshotSource]


@dataclass(frozen=True)
class TimelineRow:
    id: int
    captured_at: datetime
    metrics: dict[str, Any]
    delta: dict[str, int | float | None] | None


def main_metric(source: str, rows: list[TimelineRow]) -> str | None:
    numeric = [k for r in rows for k, v in r.metrics.items() if fmt.is_scalar_metric(v) and not isinstance(v, str)]
    for key in MAIN_METRIC.get(source, ()):
        if any(isinstance(r.metrics.get(key), int | float) for r in rows):
            return key
    return numeric[0] if numeric else None


class StatsTimeline(Vertical):
    class Loaded(Message):
        def __init__(self, source: str | None, rows: list[TimelineRow]) -> None:
            super().__init__()
            self.source, self.rows = source, rows

    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id
        self._source: str | None = None

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
        if self.app.db is not None:  # type: ignore[attr-defined]
            self._load(self._source)

    @on(Select.Changed, "#timeline-source")
    def _source_changed(self, event: Select.Changed) -> None:
        chosen = None if event.value is Select.NULL else str(event.value)
        if chosen != self._source:
            self._source = chosen
            self.reload()

    @work(thread=True, exclusive=True, group="person-timeline", exit_on_error=False)
    def _load(self, source: str | None) -> None:
        found: tuple[str | None, list[TimelineRow]] = (None, [])
        with self.app.db.session() as session:  # type: ignore[attr-defined]
            # No source chosen yet: the first one that has snapshots.
            for candidate in [source] if source else SOURCE_ORDER:
                readings = snapshots.timeline(session, self.person_id, candidate)
                if readings or source:
                    found = (candidate, [TimelineRow(r.snapshot.id, r.snapshot.captured_at,
                                                     dict(r.snapshot.normalized_metrics), r.delta)
                                         for r in readings])
                    break
        if not get_current_worker().is_cancelled:  # a newer read is on its way; drop this one
            self.post_message(self.Loaded(*found))

    def on_stats_timeline_loaded(self, message: Loaded) -> None:
        message.stop()
        tz = self.app.settings.tz  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.clear(columns=True)
        caption = self.query_one("#timeline-caption", Label)
        spark = self.query_one(Sparkline)
        if message.source is None or not message.rows:
            what = fmt.SOURCE_LABELS.get(message.source or "", "any source")
            caption.update(f"  no snapshots from {what}")
            spark.data = []
            return
        main = main_metric(message.source, message.rows)
        keys = sorted({k for r in message.rows for k, v in r.metrics.items() if fmt.is_scalar_metric(v)} - {"name"})
        if main in keys:
            keys.remove(main)
            keys.insert(0, main)
        table.add_column("captured", key="captured_at")
        for key in keys:
            table.add_column(fmt.outside_text(key, limit=40), key=key)
        for row in reversed(message.rows):  # newest first: what changed last is what he wants to see
            cells = [fmt.when(row.captured_at, tz)]
            for key in keys:
                change = fmt.signed((row.delta or {}).get(key))
                value = fmt.number(row.metrics.get(key))
                cells.append(f"{value} ({change})" if change else value)
            table.add_row(*(fmt.outside_text(c) for c in cells), key=str(row.id))
        values = [float(r.metrics[main]) for r in message.rows if isinstance(r.metrics.get(main), int | float)]
        spark.data = values
        caption.update(Content(f"  {fmt.SOURCE_LABELS.get(message.source, message.source)} · "
                               f"{len(message.rows)} snapshots · sparkline: {fmt.outside(main or '—', 40)}"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker_errors.report(self, event, "Stats timeline")
