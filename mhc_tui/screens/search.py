"""Search: every stored chat line, PM, tip message, note and imported line with the words typed, newest first.

The search runs in a worker as the text settles (or at once on enter); enter on a result opens the
person, `o` the session at that line. `m` reads the next page below the ones shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from mhc_core.data.errors import InvalidUsername
from mhc_core.data.search_views import SEARCHABLE_TYPES, SHORT_NAMES, SearchHit, SearchPage, UnknownPerson
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.keys import key_for
from mhc_tui.messages import WorkFailed
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.safe_fields import SafeInput

PAGE_SIZE = 50
# How long the text must stay as typed before it is searched: one search per pause, not per key.
DEBOUNCE_SECONDS = 0.3


@dataclass(frozen=True)
class SearchRequest:
    text: str
    type: str | None
    username: str | None
    offset: int


def describe(hit: SearchHit) -> str:
    """The line in one line: what was said, with the tokens of a tip."""
    said = fmt.outside(hit.content)
    if hit.tokens is not None:
        return f"{fmt.number(hit.tokens)} tokens" + (f" — {said}" if said else "")
    return said


class SearchScreen(Screen[None]):
    CSS_PATH = "search.tcss"
    TITLE = "Search"
    BINDINGS = [
        Binding("enter", "open_person", "Open person", id="open", tooltip="open the person of the selected line"),
        Binding("o", "open_session", "Open session", id="open_session",
                tooltip="open the session of the selected line, at that line"),
        Binding("m", "more", "More", id="more", tooltip="read the next page of matches"),
        Binding("ctrl+l", "focus_text", "Search field", id="search_field", tooltip="back to the search field"),
        # From a field the arrow goes down to the results (the table answers its own arrows first).
        Binding("down", "focus_results", "Results", show=False, id="search_results",
                tooltip="from the search fields, down to the results"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._hits: dict[str, SearchHit] = {}
        self._wanted: SearchRequest | None = None  # the search whose results are to be shown
        self._more = False
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-form"):
            yield SafeInput(placeholder="words, \"a phrase\", or, -left out", id="search-text")
            yield Select([(SHORT_NAMES[name], name) for name in SEARCHABLE_TYPES], prompt="any type",
                         id="search-type")
            yield SafeInput(placeholder="by username", id="search-user")
        yield Static(id="search-status")
        table: DataTable[Any] = DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        table.add_column("time", key="time")
        table.add_column("type", key="type")
        table.add_column("user", key="user")
        table.add_column("what", key="what")
        table.add_column("session", key="session")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self._status("Type what to look for: chat, PMs, tip messages, notes and imported lines.")
        self.query_one("#search-text", Input).focus()

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_person", "open_session"):
            hit = self._selected()
            return hit is not None and (action == "open_person" or hit.stream_session_id is not None)
        if action == "more":
            return self._more
        return True

    def action_focus_results(self) -> None:
        table = self.query_one("#search-results", DataTable)
        if table.row_count:
            table.focus()

    def action_focus_text(self) -> None:
        self.query_one("#search-text", Input).focus()

    def action_open_person(self) -> None:
        hit = self._selected()
        if hit is not None:
            console_of(self).open_person(hit.person_id)

    def action_open_session(self) -> None:
        hit = self._selected()
        if hit is not None and hit.stream_session_id is not None:
            console_of(self).open_session(hit.stream_session_id, line=hit.id)

    def action_more(self) -> None:
        if self._more and self._wanted is not None:
            self._search(SearchRequest(self._wanted.text, self._wanted.type, self._wanted.username,
                                       offset=len(self._hits)))

    @on(DataTable.RowSelected, "#search-results")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_person()

    @on(DataTable.RowHighlighted, "#search-results")
    def _highlighted(self) -> None:
        self.refresh_bindings()  # `o` only for a line with a session

    # -- searching ---------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._search_now)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._search_now()
        if self._hits:
            self.query_one("#search-results", DataTable).focus()

    def _search_now(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        kind = self.query_one("#search-type", Select).value
        request = SearchRequest(
            text=self.query_one("#search-text", Input).value.strip(),
            type=None if kind is Select.NULL else str(kind),
            username=self.query_one("#search-user", Input).value.strip() or None,
            offset=0,
        )
        if self._wanted is not None and request == SearchRequest(self._wanted.text, self._wanted.type,
                                                                  self._wanted.username, 0):
            return  # what is shown already answers it
        if not request.text:
            self._wanted = None
            self._clear()
            self._status("Type what to look for.")
            return
        self._search(request)

    def _search(self, request: SearchRequest) -> None:
        if not data_ready(self):
            self._status("waiting for database…")
            return
        self._wanted = request
        self._status("Searching…")
        run_in_thread(self, partial(self._read, request), name="search", done=self._show)

    def _read(self, request: SearchRequest) -> tuple[SearchRequest, SearchPage | str]:
        """In a thread: the page, or why there is none (a name that is not one, or nobody's)."""
        try:
            return request, data_of(self).search(
                request.text, username=request.username, types=[request.type] if request.type else None,
                limit=PAGE_SIZE, offset=request.offset,
            )
        except (InvalidUsername, UnknownPerson) as exc:
            return request, str(exc)

    def _show(self, read: tuple[SearchRequest, SearchPage | str]) -> None:
        request, page = read
        if request != self._wanted:
            return  # typed on meanwhile: that search is running
        if isinstance(page, str):
            self._clear()
            self._status(page, error=True)
            return
        if request.offset == 0:
            self._clear()
        tz = console_of(self).settings.tz
        table = self.query_one("#search-results", DataTable)
        for hit in page.hits:
            user = fmt.outside_text(hit.username + (" (excluded)" if hit.excluded else ""),
                                    "dim" if hit.excluded else "")
            table.add_row(fmt.when(hit.timestamp, tz, seconds=True), SHORT_NAMES.get(hit.type, hit.type), user,
                          fmt.outside_text(describe(hit)), Text(str(hit.stream_session_id or "")),
                          key=str(hit.id))
            self._hits[str(hit.id)] = hit
        self._more = page.more
        shown = len(self._hits)
        if not shown:
            self._status("No matches.")
        else:
            more = f" · {key_for(self, 'more')} for more" if page.more else ""
            self._status(f"{shown} {'match' if shown == 1 else 'matches'}{'+' if page.more else ''}, newest first"
                         f"{more} · {key_for(self, 'open')} opens the person, "
                         f"{key_for(self, 'open_session')} the session")
        self.refresh_bindings()

    def _clear(self) -> None:
        self.query_one("#search-results", DataTable).clear()
        self._hits = {}
        self._more = False
        self.refresh_bindings()

    def _selected(self) -> SearchHit | None:
        table = self.query_one("#search-results", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._hits.get(str(key))

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        status.set_class(error, "-error")
        status.update(Content(fmt.outside(text)))  # a name typed may be in it: literal

    def on_work_failed(self, message: WorkFailed) -> None:
        # The App has said why; the status line says what did not happen.
        self._status(f"Search failed: {worker_errors.plain(message.error)}", error=True)
