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
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from mhc_core.channels import CHANNEL_EVENTS
from mhc_tui.data_access import data_of
from mhc_tui.live import Changes, LiveRead
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.component_style import StyleOf, on_theme_change, styles_of, unstyled

NOTHING_SELECTED = "Select a line in the feed or the room first."
# Bindings shown as one row in the help.
LINE = Binding.Group("select a line")
FILTER = Binding.Group("feed filter")
if TYPE_CHECKING:
    from mhc_core.data.views import FeedItem, FeedPage

DEFAULT_CAP = 10_000
INITIAL_EVENTS = 500
FILTER_EVENTS = 2_000  # loaded from the database when a type filter is chosen
FEED_INTERVAL = 0.1  # the least time between two reads of new events (a busy room: ten a second at most)
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

# type -> (tag, kind): a kind's tag and text are styled by the component classes
# `feed-view--KIND-tag` and `feed-view--KIND-text` (event_feed.tcss).
KINDS: dict[str, tuple[str, str]] = {
    "CHAT_MESSAGE": ("chat", "chat"),
    "PRIVATE_MESSAGE": ("✉ PM", "pm"),
    "TIP_EVENT": ("TIP", "tip"),
    "MEDIA_PURCHASE": ("media", "tip"),
    "FANCLUB_JOIN": ("fan", "fan"),
    "FOLLOW": ("follow", "follow"),
    "UNFOLLOW": ("unfol", "unfollow"),
    "USER_ENTER": ("enter", "enter"),
    "USER_LEAVE": ("leave", "leave"),
    "ROOM_SUBJECT_CHANGE": ("topic", "topic"),
    "BROADCAST_START": ("start", "start"),
    "BROADCAST_STOP": ("stop", "stop"),
}
OTHER_KIND = "other"
KIND_CLASSES = frozenset(
    f"feed-view--{kind}-{part}" for kind in {k for _t, k in KINDS.values()} | {OTHER_KIND} for part in ("tag", "text")
)


def format_item(item: FeedItem, tz: tzinfo | None, style: StyleOf = unstyled) -> Text:
    """One feed line: time, type tag, username, what happened."""
    tag, kind = KINDS.get(item.type, (item.type.lower()[:6], OTHER_KIND))
    body_style = style(f"feed-view--{kind}-text")
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(fmt.time_of_day(item.timestamp, tz, seconds=True), style("feed-view--time"))
    line.append(" ")
    line.append(f"{tag:<6}", style(f"feed-view--{kind}-tag"))
    line.append(" ")
    line.append(f"{fmt.outside(item.username):<20.20}",
                style("feed-view--name" if item.type != "USER_LEAVE" else "feed-view--name-gone"))
    line.append(" ")
    content = fmt.outside(item.content, CONTENT_LIMIT)
    if item.type in ("TIP_EVENT", "MEDIA_PURCHASE") and item.tokens is not None:
        line.append(f" {fmt.tk(item.tokens)} ", style("feed-view--tokens"))
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

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "feed-view--time", "feed-view--name", "feed-view--name-gone", "feed-view--tokens",
        "feed-view--cursor", "feed-view--cursor-blurred", *KIND_CLASSES,
    }

    BINDINGS = [
        Binding("up", "cursor(-1)", "up", show=False, id="line_up", group=LINE),
        Binding("down", "cursor(1)", "down", show=False, id="line_down", group=LINE),
        Binding("pageup", "page(-1)", "page up", show=False, id="page_up", group=LINE),
        Binding("pagedown", "page(1)", "page down", show=False, id="page_down", group=LINE),
        Binding("home", "first", "first", show=False, id="first_line", group=LINE),
        Binding("end", "last", "last (and follow new events)", show=False, id="last_line", group=LINE),
        Binding("enter", "open", "Open", id="open", tooltip="open the selected person"),
        Binding("n", "note", "Note", id="note", tooltip="note on the selected person"),
        Binding("a", "lists", "Lists", show=False, id="lists", tooltip="put the selected person on a list or take them off"),
        Binding("m", "mute", "Mute", show=False, id="mute", tooltip="mute or unmute the selected person's alerts"),
    ]

    class Chosen(Message):
        """The operator asked for the selected line's person: `action` is "open", "note", "lists" or "mute"."""

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
            text = format_item(item, self.tz, styles_of(self))
            text.truncate(width + scroll_x, overflow="ellipsis")
            strip = Strip(text.render(self.app.console), text.cell_len).simplify()
            if len(self._cache) > 4_000:
                self._cache.clear()
            self._cache[item.id] = strip
        line = strip.crop_extend(scroll_x, scroll_x + width, base)
        if index == self.cursor:
            cursor = "feed-view--cursor" if self.has_focus else "feed-view--cursor-blurred"
            line = line.apply_style(self.get_component_rich_style(cursor, partial=True))
        # Under everything, the widget's own colours: a segment without a background shows the terminal's.
        return line.apply_style(base)

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

    def on_mount(self) -> None:
        on_theme_change(self, self._restyle)

    def _restyle(self) -> None:
        self._cache.clear()  # the cached lines hold the old theme's colours
        self.refresh()

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

    def on_click(self, event: Click) -> None:
        self._move_to(int(self.scroll_y) + event.y)

    def action_open(self) -> None:
        self._choose("open")

    def action_note(self) -> None:
        self._choose("note")

    def action_lists(self) -> None:
        self._choose("lists")

    def action_mute(self) -> None:
        self._choose("mute")

    def _choose(self, action: str) -> None:
        if self.selected is None:
            self.notify(NOTHING_SELECTED, severity="warning")
        else:
            self.post_message(self.Chosen(self.selected, action))


class EventFeed(Vertical):
    """The feed with its filter bar. It follows mhc_events: each read brings what was committed since the
    last line shown; reads never overlap."""

    BINDINGS = [
        Binding("f", "cycle_filter", "Filter", show=False, id="cycle_filter", tooltip="cycle the feed filter"),
        Binding("1", "filter('all')", "all", show=False, id="filter_all", group=FILTER),
        Binding("2", "filter('chat')", "chat", show=False, id="filter_chat", group=FILTER),
        Binding("3", "filter('tips')", "tips", show=False, id="filter_tips", group=FILTER),
        Binding("4", "filter('pm')", "PMs", show=False, id="filter_pms", group=FILTER),
        Binding("5", "filter('room')", "room traffic", show=False, id="filter_room", group=FILTER),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"event-feed--label", "event-feed--filter", "event-feed--filter-chosen"}

    filter_key = reactive("all", init=False)

    def __init__(self, *, cap: int = DEFAULT_CAP, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cap = cap
        self._tz = tz
        self.loaded = False  # the first read (the last INITIAL_EVENTS events) has landed
        self.events_read = LiveRead(self, self._read_events, self._show_events, name="feed",
                                    follows=(CHANNEL_EVENTS,), min_interval=FEED_INTERVAL)
        # The newest events of the chosen filter's types, read once per choice.
        self.filter_read = LiveRead(self, self._read_filtered, self._show_filtered, name="feed filter")

    def compose(self) -> ComposeResult:
        yield Static(id="feed-filter")  # drawn on mount, with the theme's styles
        yield FeedView(cap=self._cap, tz=self._tz, id="feed-lines")

    @property
    def view(self) -> FeedView:
        return self.query_one(FeedView)

    def on_mount(self) -> None:
        self.border_title = "Live events"
        self.border_subtitle = "following"
        self._show_filter_bar()
        on_theme_change(self, self._show_filter_bar)
        self.events_read.request()

    def on_feed_view_moved(self, message: FeedView.Moved) -> None:
        message.stop()
        view = self.view
        caption = "following" if view.following else f"paused · {view.newer:,} newer · end follows"
        if caption != self.border_subtitle:
            self.border_subtitle = caption

    def _filter_bar(self) -> Text:
        style = styles_of(self)
        bar = Text(no_wrap=True)
        bar.append("filter ", style("event-feed--label"))
        for number, (key, label, _types) in enumerate(FILTERS, start=1):
            chosen = "event-feed--filter-chosen" if key == self.filter_key else "event-feed--filter"
            bar.append(f" {number} {label} ", style(chosen))
            bar.append(" ")
        return bar

    def _show_filter_bar(self) -> None:
        self.query_one("#feed-filter", Static).update(self._filter_bar())

    def action_filter(self, key: str) -> None:
        self.filter_key = key

    def action_cycle_filter(self) -> None:
        keys = [key for key, _label, _types in FILTERS]
        self.filter_key = keys[(keys.index(self.filter_key) + 1) % len(keys)]

    def watch_filter_key(self, key: str) -> None:
        types = FILTER_TYPES[key]
        self.view.set_filter(types)
        self._show_filter_bar()
        if types is not None:
            self.filter_read.request()

    # -- reading -----------------------------------------------------------------------------------

    def _read_events(self, _changes: Changes) -> FeedPage:
        """The newest events the first time; then those committed after the last line shown (however
        many notifications announced them, or none after a reconnection)."""
        if not self.loaded:
            return data_of(self).feed_page(limit=INITIAL_EVENTS)
        return data_of(self).feed_page(after_id=self.view.last_id, limit=self._cap)

    def _show_events(self, page: FeedPage) -> None:
        self.loaded = True
        self.view.append(page.items)

    def _read_filtered(self, _changes: Changes) -> FeedPage | None:
        types = self.view.types
        return None if types is None else data_of(self).feed_page(types, limit=min(FILTER_EVENTS, self._cap))

    def _show_filtered(self, page: FeedPage | None) -> None:
        if page is not None:
            self.view.merge(page.types, page.items)  # ignored if another filter was chosen meanwhile

    def selected_person(self) -> tuple[uuid.UUID, str] | None:
        item = self.view.selected
        return (item.person_id, item.username) if item else None
