"""A person at a glance: identity, latest stats with deltas, behaviour in the room, and memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from mhc_tui.data_access import console_of
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.identity_panel import IdentityPanel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mhc_core.data.views import PersonView, ReadingView

NOTES_SHOWN = 5
IDENTIFIERS = frozenset({"name", "did", "rid"})  # shown with the identity, not as stats


class PersonSummary(VerticalScroll, can_focus=True):
    """Sections are separate widgets so each can be styled (and found in tests) on its own."""

    def __init__(self, *, show_identity: bool = True, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._show_identity = show_identity

    def compose(self) -> ComposeResult:
        identity = IdentityPanel(id="summary-identity", classes="summary-section")
        identity.border_title = "Identity"
        identity.display = self._show_identity
        yield identity
        for name, title in (("errors", "Problems"), ("stats", "Stats"), ("room", "In my room"),
                            ("memory", "Memory")):
            section = Static(id=f"summary-{name}", classes="summary-section")
            section.border_title = title
            yield section

    def show(self, person: PersonView, *, errors: list[str] | None = None, include_room: bool = True) -> None:
        self.query_one(IdentityPanel).show(person)
        problems = self.query_one("#summary-errors", Static)
        problems.update(Content("\n".join(f"• {fmt.outside(e)}" for e in errors or [])))
        problems.display = bool(errors)
        self.query_one("#summary-stats", Static).update(self._stats(person.readings))
        room = self.query_one("#summary-room", Static)
        room.display = include_room
        room.update(self._room(person))
        self.query_one("#summary-memory", Static).update(self._memory(person))

    def _stats(self, readings: Sequence[ReadingView]) -> Content:
        if not readings:
            return Content.from_markup("[$text-muted]no stats stored yet[/]")
        tz = console_of(self).settings.tz
        now = console_of(self).clock()
        blocks = []
        for reading in readings:
            label = fmt.SOURCE_LABELS.get(reading.source, reading.source)
            head = fmt.outside_markup(
                f"[b]$label[/] [$text-muted]{fmt.when(reading.captured_at, tz)} ({fmt.ago(reading.captured_at, now)})[/]",
                label=label,
            )
            parts = []
            for key, value in reading.metrics.items():
                if key in IDENTIFIERS or not fmt.is_scalar_metric(value):
                    continue
                change = fmt.signed((reading.delta or {}).get(key) or None)  # no change: nothing to say
                parts.append(fmt.outside_markup("$key $value [$success]$change[/]" if change else "$key $value",
                                                key=fmt.metric_label(key), value=fmt.metric_value(value),
                                                change=change))
            blocks.append(head + "\n  " + Content("  ·  ").join(parts))
        return Content("\n").join(blocks)

    def _room(self, person: PersonView) -> str:
        signals = person.room
        if signals is None or not signals.any:
            return "[$text-muted]never seen in my room[/]"
        tz = console_of(self).settings.tz
        now = console_of(self).clock()
        return (
            f"tips {fmt.number(signals.tip_tokens)} tokens in {signals.tips} tips   "
            f"messages {signals.chat_messages} chat, {signals.private_messages} private\n"
            f"sessions attended {signals.sessions_attended}   last seen in room "
            f"{fmt.when(signals.last_seen_in_room, tz)} ({fmt.ago(signals.last_seen_in_room, now)})"
        )

    def _memory(self, person: PersonView) -> Content:
        tz = console_of(self).settings.tz
        tags = ", ".join(f"{fmt.outside(a.key)}={fmt.outside(a.value)} ({a.confidence})" for a in person.attributes)
        lines = [Content(f"lists: {fmt.outside(', '.join(person.list_names)) or 'none'}"),
                 Content(f"tags: {tags or 'none'}")]
        if person.notes:
            lines.append(Content(f"notes ({person.notes_total}):"))
            lines += [Content(f"  {fmt.when(n.timestamp, tz)}  {fmt.outside(n.content)}")
                      for n in person.notes[:NOTES_SHOWN]]
        else:
            lines.append(Content("notes: none"))
        return Content("\n").join(lines)
