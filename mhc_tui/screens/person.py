"""Person: everything known about one person, in tabs; notes, tags and lists are edited here."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.attributes_editor import AttributesEditor
from mhc_tui.widgets.identity_panel import IdentityPanel
from mhc_tui.widgets.interactions_table import InteractionsTable
from mhc_tui.widgets.lists_toggle import ListsToggle
from mhc_tui.widgets.person_data import PersonData, load_person
from mhc_tui.widgets.person_summary import PersonSummary
from mhc_tui.widgets.stats_timeline import StatsTimeline

if TYPE_CHECKING:
    from mhc_tui.messages import DataChanged

TABS = ("overview", "timeline", "interactions", "notes", "attributes", "lists")


class PersonScreen(Screen[None]):
    CSS_PATH = "person.tcss"
    BINDINGS = [
        Binding("n", "note", "Note"),
        Binding("r", "reload", "Refresh", show=False),
        *(Binding(str(i), f"tab('{name}')", name.title(), show=False) for i, name in enumerate(TABS, 1)),
    ]

    class Loaded(Message):
        def __init__(self, person: PersonData | None) -> None:
            super().__init__()
            self.person = person

    def __init__(self, person_id: uuid.UUID) -> None:
        super().__init__()
        self.person_id = person_id
        self.person: PersonData | None = None
        self._notes: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield IdentityPanel("waiting for database…", id="person-identity")
        with TabbedContent(id="person-tabs", initial="overview"):
            with TabPane("Overview", id="overview"):
                yield PersonSummary(show_identity=False, id="person-summary")
            with TabPane("Stats timeline", id="timeline"):
                yield StatsTimeline(self.person_id, id="person-timeline")
            with TabPane("Interactions", id="interactions"):
                yield InteractionsTable(self.person_id, id="person-interactions")
            with TabPane("Notes", id="notes"):
                yield Label("n adds a note", id="notes-hint")
                table: DataTable[Any] = DataTable(id="notes-table", cursor_type="row", zebra_stripes=True)
                table.add_column("when", key="when")
                table.add_column("note", key="note")
                yield table
            with TabPane("Tags", id="attributes"):
                yield AttributesEditor(self.person_id, id="person-attributes")
            with TabPane("Lists", id="lists"):
                yield Label("space or enter toggles a list; Excluded leaves the person out of every count",
                            id="lists-hint")
                yield ListsToggle(self.person_id, id="person-lists")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    # -- actions ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.app.db is None:  # type: ignore[attr-defined]
            return
        self._load()
        self.query_one(StatsTimeline).reload()
        self.query_one(InteractionsTable).reload()

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def action_note(self) -> None:
        if self.person is None:
            return
        from mhc_tui.screens.note import NoteModal

        self.app.push_screen(
            NoteModal(self.person.id, self.person.username), lambda saved: self.action_reload() if saved else None
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "note":
            return self.person is not None
        return True

    # -- data --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="person-load", exit_on_error=False)
    def _load(self) -> None:
        with self.app.db.session() as session:  # type: ignore[attr-defined]
            person = load_person(session, self.person_id)
        if not get_current_worker().is_cancelled:  # a newer read is on its way; drop this one
            self.post_message(self.Loaded(person))

    def on_person_screen_loaded(self, message: Loaded) -> None:
        person = message.person
        identity = self.query_one("#person-identity", IdentityPanel)
        if person is None:
            identity.update(f"No person with id {self.person_id} in the database.")
            return
        self.person = person
        self.sub_title = fmt.outside(person.username)
        identity.show(person)
        self.query_one(PersonSummary).show(person)
        self._show_notes(person)
        self.query_one(AttributesEditor).show(person.attributes)
        self.query_one(ListsToggle).show(person.lists)
        self.refresh_bindings()

    def _show_notes(self, person: PersonData) -> None:
        """New notes are added (newest first), gone ones removed; existing rows are left alone."""
        tz = self.app.settings.tz  # type: ignore[attr-defined]
        table = self.query_one("#notes-table", DataTable)
        wanted = {note.id for note in person.notes}
        for gone in self._notes - wanted:
            table.remove_row(str(gone))
        for note in person.notes:
            if note.id not in self._notes:
                table.add_row(fmt.when(note.timestamp, tz), fmt.outside_text(note.content, limit=None), key=str(note.id))
        table.sort("when", reverse=True)
        self._notes = wanted
        hint = f"{person.notes_total} notes · n adds a note" if person.notes_total else "no notes yet · n adds one"
        self.query_one("#notes-hint", Label).update(hint)

    @on(AttributesEditor.Saved)
    @on(ListsToggle.Saved)
    def _changed_here(self) -> None:
        self._load()

    def on_data_changed(self, message: DataChanged) -> None:
        if message.channel == "mhc_stats" or message.channel == "*":
            self.query_one(StatsTimeline).reload()
        if message.channel in ("mhc_events", "mhc_persons", "*"):
            self.query_one(InteractionsTable).reload()
        if self.app.db is not None:  # type: ignore[attr-defined]
            self._load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker_errors.report(self, event, "Person")
