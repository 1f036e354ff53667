"""The live event feed: one line per event, coloured by type, selectable, filtered by type.

A DataTable or ListView slows down with thousands of rows, so the feed is a Line API ScrollView over
a bounded list: only the visible lines are drawn (each drawn line cached), appends are batched per
fetch, and the oldest events fall off past `cap`. The newest event is at the bottom; while the
cursor is on the last line the feed follows new events, once moved up it stays where it is.

A type filter shows at once what is in memory, then loads the newest FILTER_EVENTS events of those
types from the database (older tips, say, that were never loaded or fell out of the buffer) and keeps
following new ones; the unfiltered list is kept apart, so "all" shows the live stream again.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from mhc_tui.widgets import display_format as fmt

NOTHING_SELECTED = "Select a line in the feed or the room first."
if TYPE_CHECKING:
    from mhc_core.services.feed import FeedItem

DEFAULT_CAP = 10_000
INITIAL_EVENTS = 500
FETCH_LIMIT = 2_000
FILTER_EVENTS = 2_000  # loaded from the database when a type filter is chosen
CONTENT_LIMIT = 1_000  # characters of a message kept for its line (the line is cut at the panel anyway)

# (key, label, interaction types or None for all)
FILTERS: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    ("all", "all", None),
    ("chat", "chat", frozenset({"CHAT_MESSAGE"})),
    ("tips", "tips", frozenset({"TIP_EVENT", "MEDIA_PURCHASE"})),
    ("pm", "PMs", frozenset({"PRIVATE_MESSAGE"})),
    ("room", "room traffic", frozenset({"USER_ENTER", "USER_LEAVE"})),
)
FILTER_TYPES = {key: types for key, _label, types in FILTERS}

TIP = "#ffd166"
# type -> (tag, tag style, text style)
KINDS: dict[str, tuple[str, str, str]] = {
    "CHAT_MESSAGE": ("chat", "#8d89b8", "#e4e2f5"),
    "PRIVATE_MESSAGE": ("✉ PM", "bold #ff8fd8", "#ffc2ec"),
    "TIP_EVENT": ("TIP", f"bold {TIP}", "#fff0c2"),
    "MEDIA_PURCHASE": ("media", f"bold {TIP}", "#fff0c2"),
    "FANCLUB_JOIN": ("fan", "bold #c38bff", "#e4e2f5"),
    "FOLLOW": ("follow", "#5fd39a", "#5fd39a"),
    "UNFOLLOW": ("unfol", "#f2b45c", "#f2b45c"),
    "USER_ENTER": ("enter", "#8fa2ff", "#8fa2ff"),
    "USER_LEAVE": ("leave", "#6f74a8", "#6f74a8"),
    "ROOM_SUBJECT_CHANGE": ("topic", "#4f8cff", "#c9d6ff"),
    "BROADCAST_START": ("start", "bold #5fd39a", "#5fd39a"),
    "BROADCAST_STOP": ("stop", "bold #ff6b81", "#ff6b81"),
}
CURSOR = Style(bgcolor="#3b2f8f", bold=True)
CURSOR_BLURRED = Style(bgcolor="#2a2560")


def format_item(item: FeedItem, tz: tzinfo | None) -> Text:
    """One feed line: time, type tag, username, what happened."""
    tag, tag_style, body_style = KINDS.get(item.type, (item.type.lower()[:6], "#a9a6cc", "#a9a6cc"))
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(item.timestamp.astimezone(tz).strftime("%H:%M:%S"), "#8d89b8")
    line.append(" ")
    line.append(f"{tag:<6}", tag_style)
    line.append(" ")
    line.append(f"{fmt.outside(item.username):<20.20}", "bold #c9c6ef" if item.type != "USER_LEAVE" else "#6f74a8")
    line.append(" ")
    content = fmt.outside(item.content, CONTENT_LIMIT)
    if item.type in ("TIP_EVENT", "MEDIA_PURCHASE") and item.tokens is not None:
        line.append(f" {item.tokens:,} tk ", f"bold #0f1020 on {TIP}")
        if content:
            line.append(" " + content, body_style)
    elif item.type == "USER_ENTER":
        line.append("entered the room", body_style)
    elif item.type == "USER_LEAVE":
        line.append("left the room", body_style)
    elif item.type == "FOLLOW":
        line.append("followed", body_style)
    elif item.type == "UNFOLLOW":
        line.append("unfollowed", body_style)
    elif item.type == "FANCLUB_JOIN":
        line.append("joined the fan club", body_style)
    else:
        line.append(content, body_style)
    return line


class FeedView(ScrollView, can_focus=True):
    """The lines themselves: bounded, lazily drawn, with a cursor."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Follow", show=False),
        Binding("enter", "open", "Open"),
        Binding("n", "note", "Note"),
    ]

    class Chosen(Message):
        """The operator asked for the selected line's person: `action` is "open" or "note"."""

        def __init__(self, item: FeedItem, action: str) -> None:
            super().__init__()
            self.item = item
            self.action = action

    class Moved(Message):
        """The cursor moved or lines arrived: the feed's caption says whether it follows."""

    cursor = reactive(-1, init=False)

    def __init__(self, *, cap: int = DEFAULT_CAP, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cap = cap
        self.tz = tz
        self._all: list[FeedItem] = []  # every event as fetched: a contiguous run of the newest
        self._visible: list[FeedItem] = []  # _all filtered, plus older matches loaded for the filter
        self._ids: list[int] = []  # ids of _visible, for bisect
        self._types: frozenset[str] | None = None
        self._follow = True
        self._cache: dict[int, Strip] = {}
        self._cache_width = 0

    # -- data ------------------------------------------------------------------------------------

    @property
    def last_id(self) -> int:
        return self._all[-1].id if self._all else 0

    @property
    def types(self) -> frozenset[str] | None:
        """The interaction types shown, None for all."""
        return self._types

    @property
    def visible_count(self) -> int:
        return len(self._visible)

    @property
    def following(self) -> bool:
        return self._follow

    @property
    def newer(self) -> int:
        """Lines below the cursor (arrived since the operator stopped following)."""
        return max(0, len(self._visible) - 1 - self.cursor)

    @property
    def selected(self) -> FeedItem | None:
        if 0 <= self.cursor < len(self._visible):
            return self._visible[self.cursor]
        return None

    def visible_items(self) -> Sequence[FeedItem]:
        return self._visible

    def append(self, items: Iterable[FeedItem]) -> None:
        new = [item for item in items if item.id > self.last_id]
        if not new:
            return
        self._all.extend(new)
        del self._all[:max(0, len(self._all) - self.cap)]
        # A filter's load may already have brought the newest matches: never show a line twice.
        last_shown = self._ids[-1] if self._ids else 0
        shown = [item for item in new
                 if item.id > last_shown and (self._types is None or item.type in self._types)]
        self._visible.extend(shown)
        self._ids.extend(item.id for item in shown)
        self._trim()
        self._changed()

    def _trim(self) -> None:
        gone = len(self._visible) - self.cap
        if gone <= 0:
            return
        del self._visible[:gone]
        del self._ids[:gone]
        self._cache.clear()
        if not self._follow:
            self.set_reactive(FeedView.cursor, max(0, self.cursor - gone))
            self.scroll_to(y=max(0, self.scroll_y - gone), animate=False, immediate=True)

    def set_filter(self, types: frozenset[str] | None) -> None:
        """Show only these types (None: all) from what is in memory; `merge` adds older ones."""
        self._types = types
        self._replace([item for item in self._all if types is None or item.type in types])

    def merge(self, types: frozenset[str] | None, items: Iterable[FeedItem]) -> None:
        """Add events loaded from the database for the filter `types` (ignored if the filter has changed
        since): older matches appear above, the selected line stays selected where it was on screen."""
        if types is None or types != self._types:
            return
        have = set(self._ids)
        extra = [item for item in items if item.id not in have and item.type in types]
        if extra:
            self._replace(sorted(self._visible + extra, key=lambda item: item.id)[-self.cap:])

    def _replace(self, items: list[FeedItem]) -> None:
        keep = self.selected if not self._follow else None
        row = self.cursor - int(self.scroll_y)  # the selected line's row on screen
        self._visible = items
        self._ids = [item.id for item in items]
        self._cache.clear()
        if keep is not None:
            index = min(bisect.bisect_left(self._ids, keep.id), len(self._visible) - 1)
            self.set_reactive(FeedView.cursor, index)
        self._changed()
        if keep is not None:
            # Keep the selected line where it was on screen, even with older lines added above it.
            self.scroll_to(y=max(0, self.cursor - row), animate=False, immediate=True)
            self._scroll_cursor_visible()

    def _changed(self) -> None:
        # Setting `virtual_size` normally asks for a layout of the whole screen, which redraws every
        # widget on every append; only the scrollbars depend on it, so update them directly (their
        # own display toggle still asks for a layout when they first appear).
        size = Size(self.scrollable_content_region.width, len(self._visible))
        if size != self.virtual_size:
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)
        if self._follow:
            self.set_reactive(FeedView.cursor, len(self._visible) - 1)
            self.scroll_to(y=max(0, len(self._visible) - self.scrollable_content_region.height),
                           animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Moved())

    # -- drawing ---------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._visible):
            return Strip.blank(width, base)
        if width != self._cache_width:
            self._cache.clear()
            self._cache_width = width
        item = self._visible[index]
        strip = self._cache.get(item.id)
        if strip is None:
            text = format_item(item, self.tz)
            text.truncate(width + scroll_x, overflow="ellipsis")
            strip = Strip(text.render(self.app.console), text.cell_len).simplify()
            if len(self._cache) > 4_000:
                self._cache.clear()
            self._cache[item.id] = strip
        line = strip.crop_extend(scroll_x, scroll_x + width, base)
        if index == self.cursor:
            line = line.apply_style(CURSOR if self.has_focus else CURSOR_BLURRED)
        return line

    def watch_cursor(self, old: int, new: int) -> None:
        self._follow = new >= len(self._visible) - 1
        self._scroll_cursor_visible()
        self.refresh()
        self.post_message(self.Moved())

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._cache.clear()
        self._changed()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- keys and mouse ---------------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if self._visible:
            self.cursor = max(0, min(index, len(self._visible) - 1))

    def action_cursor(self, step: int) -> None:
        start = self.cursor if self.cursor >= 0 else len(self._visible)
        self._move_to(start + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self._visible) - 1)

    def on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        self._move_to(int(self.scroll_y) + event.y)

    def action_open(self) -> None:
        self._choose("open")

    def action_note(self) -> None:
        self._choose("note")

    def _choose(self, action: str) -> None:
        if self.selected is None:
            self.notify(NOTHING_SELECTED, severity="warning")
        else:
            self.post_message(self.Chosen(self.selected, action))


class EventFeed(Vertical):
    """The feed with its filter bar. Call `refresh_events()` on mhc_events; fetches never overlap."""

    BINDINGS = [
        Binding("f", "cycle_filter", "Filter"),
        Binding("1", "filter('all')", "All", show=False),
        Binding("2", "filter('chat')", "Chat", show=False),
        Binding("3", "filter('tips')", "Tips", show=False),
        Binding("4", "filter('pm')", "PMs", show=False),
        Binding("5", "filter('room')", "Room traffic", show=False),
    ]

    filter_key = reactive("all", init=False)

    def __init__(self, *, cap: int = DEFAULT_CAP, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cap = cap
        self._tz = tz
        self._fetching = False
        self._again = False
        self._filter_due = False  # the chosen filter's events are still to be loaded from the database
        self.loaded = False  # the first fetch (the last INITIAL_EVENTS events) has landed

    def compose(self) -> ComposeResult:
        yield Static(self._filter_bar(), id="feed-filter")
        yield FeedView(cap=self._cap, tz=self._tz, id="feed-lines")

    @property
    def view(self) -> FeedView:
        return self.query_one(FeedView)

    def on_mount(self) -> None:
        self.border_title = "Live events"
        self.border_subtitle = "following"

    def on_feed_view_moved(self, message: FeedView.Moved) -> None:
        message.stop()
        view = self.view
        caption = "following" if view.following else f"paused · {view.newer:,} newer · end follows"
        if caption != self.border_subtitle:
            self.border_subtitle = caption

    def _filter_bar(self) -> Text:
        bar = Text(no_wrap=True)
        bar.append("filter ", "#a9a6cc")
        for number, (key, label, _types) in enumerate(FILTERS, start=1):
            style = "bold #0f1020 on #c38bff" if key == self.filter_key else "#c9c6ef"
            bar.append(f" {number} {label} ", style)
            bar.append(" ")
        return bar

    def action_filter(self, key: str) -> None:
        self.filter_key = key

    def action_cycle_filter(self) -> None:
        keys = [key for key, _label, _types in FILTERS]
        self.filter_key = keys[(keys.index(self.filter_key) + 1) % len(keys)]

    def watch_filter_key(self, key: str) -> None:
        types = FILTER_TYPES[key]
        self.view.set_filter(types)
        self.query_one("#feed-filter", Static).update(self._filter_bar())
        self._filter_due = types is not None
        self._load_filter()

    # -- fetching ----------------------------------------------------------------------------------

    def refresh_events(self) -> None:
        """Fetch what was committed since the last shown event; coalesces while a fetch is running."""
        if self._fetching:
            self._again = True
            return
        db = getattr(self.app, "db", None)
        if db is None:
            return
        self._fetching = True
        self._again = False
        self._fetch(db, self.view.last_id, initial=not self.loaded)
        self._load_filter()

    def _load_filter(self) -> None:
        """Load the newest events of the filter's types, once per choice (retried on the next refresh if
        there is no database yet or the load failed)."""
        types = self.view.types
        db = getattr(self.app, "db", None)
        if not self._filter_due or types is None or db is None:
            return
        self._filter_due = False
        self._fetch_filtered(db, types)

    @work(thread=True, exclusive=True, group="feed-filter", exit_on_error=False)
    def _fetch_filtered(self, db, types: frozenset[str]) -> tuple[frozenset[str], list[FeedItem]]:  # type: ignore[no-untyped-def]
        from mhc_core.services import feed

        with db.session() as s:
            return types, feed.latest_events(s, limit=min(FILTER_EVENTS, self._cap), types=sorted(types))

    @work(thread=True, exclusive=True, group="feed", exit_on_error=False)
    def _fetch(self, db, after_id: int, *, initial: bool) -> list[FeedItem]:  # type: ignore[no-untyped-def]
        from mhc_core.services import feed

        with db.session() as s:
            if initial:
                return feed.latest_events(s, limit=INITIAL_EVENTS)
            out: list[FeedItem] = []
            while len(out) < self._cap:
                batch = feed.events_after(s, after_id, limit=FETCH_LIMIT)
                out.extend(batch)
                if len(batch) < FETCH_LIMIT:
                    break
                after_id = batch[-1].id
            return out[-self._cap:]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "feed-filter":
            self._filter_loaded(event)
            return
        if event.worker.group != "feed" or event.state not in (
            WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED
        ):
            return
        self._fetching = False
        if event.state == WorkerState.SUCCESS:
            self.loaded = True
            self.view.append(event.worker.result or [])
        elif event.state == WorkerState.ERROR:
            report = getattr(self.app, "report_worker_error", None)
            if report is not None:
                report(event.worker)
        if self._again:
            self.refresh_events()

    def _filter_loaded(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.SUCCESS and event.worker.result is not None:
            types, items = event.worker.result
            self.view.merge(types, items)  # ignored if another filter was chosen meanwhile
        elif event.state == WorkerState.ERROR:
            if self.view.types is not None:
                self._filter_due = True  # try again with the next refresh
            report = getattr(self.app, "report_worker_error", None)
            if report is not None:
                report(event.worker)

    def selected_person(self) -> tuple[uuid.UUID, str] | None:
        item = self.view.selected
        return (item.person_id, item.username) if item else None
