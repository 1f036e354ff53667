"""Person: everything known about one person, in tabs; notes, tags and lists are edited here."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, TabbedContent, TabPane

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_PERSONS, CHANNEL_STATS, NOTE
from mhc_core.data.views import NoteView, PersonView
from mhc_core.kinds import InteractionType
from mhc_tui.data_access import console_of, data_of
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.mute import toggle_mute
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.analysis_panel import AnalysisPanel
from mhc_tui.widgets.attributes_editor import AttributesEditor
from mhc_tui.widgets.identity_panel import IdentityPanel
from mhc_tui.widgets.interactions_table import InteractionsTable
from mhc_tui.widgets.lists_toggle import ListsToggle
from mhc_tui.widgets.person_summary import PersonSummary
from mhc_tui.widgets.stats_timeline import StatsTimeline

TABS = ("overview", "timeline", "interactions", "notes", "attributes", "lists", "analysis")
TAB_KEYS = Binding.Group("tabs")  # one row in the help
NOTES = 200  # the newest notes shown (the hint gives the total)


class PersonScreen(Screen[None]):
    CSS_PATH = "person.tcss"
    BINDINGS = [
        Binding("n", "note", "Note", id="note", tooltip="add a note"),
        # The Tags tab's editor binds `a` too (add a tag): there, the focused editor's binding wins.
        Binding("a", "lists", "Lists", id="lists", tooltip="put this person on a list or take them off"),
        Binding("m", "mute", "Mute", id="mute", tooltip="mute or unmute this person's alerts"),
        Binding("e", "export", "Export", id="export",
                tooltip="write every interaction of this person as CSV under the data folder's exports/"),
        Binding("r", "reload", "Refresh", show=False, id="reload", tooltip="read again"),
        *(Binding(str(i), f"tab('{name}')", name, show=False, id=f"tab_{name}", group=TAB_KEYS)
          for i, name in enumerate(TABS, 1)),
    ]

    def __init__(self, person_id: uuid.UUID) -> None:
        super().__init__()
        self.person_id = person_id
        self.person: PersonView | None = None
        self._notes: set[int] = set()
        this_person = about("person_id", lambda: self.person_id)
        # The stats timeline and the interactions tab follow the database on their own.
        self.person_read = LiveRead(self, self._read, self._show, name="person", follows={
            CHANNEL_PERSONS: this_person, CHANNEL_STATS: this_person, CHANNEL_EVENTS: None,
        })

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
            with TabPane("Analysis", id="analysis"):
                yield AnalysisPanel(self.person_id, id="person-analysis")
        yield Footer()

    def on_mount(self) -> None:
        self.person_read.request()

    # -- actions ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.person_read.request()
        self.query_one(StatsTimeline).reload()
        self.query_one(InteractionsTable).reload()
        self.query_one(AnalysisPanel).reload()

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def action_note(self) -> None:
        if self.person is None:
            return
        from mhc_tui.screens.note import NoteModal

        self.app.push_screen(
            NoteModal(self.person.id, self.person.username), lambda saved: self.action_reload() if saved else None
        )

    def action_mute(self) -> None:
        if self.person is not None:
            toggle_mute(self, self.person.id, self.person.username)

    def action_lists(self) -> None:
        if self.person is None:
            return
        from mhc_tui.screens.list_picker import ListPickerModal

        # Its notifications come too; this shows the changes even while live updates are down.
        self.app.push_screen(ListPickerModal(self.person.id, self.person.username),
                             lambda _closed: self.person_read.request())

    def action_export(self) -> None:
        from mhc_tui.exports import export_csv

        if self.person is not None:
            person_id = self.person_id
            export_csv(self, lambda data: data.export_person(person_id), self.person.username)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("note", "export", "lists"):
            return self.person is not None
        return True

    # -- data --------------------------------------------------------------------------------

    def _read(self, changes: Changes) -> PersonView | None:
        data, shown = data_of(self), self.person
        if shown is not None and changes.only(CHANNEL_PERSONS) and all(
            payload.get("what") == NOTE for payload in changes.on(CHANNEL_PERSONS)
        ):
            # Only notes were added (from here, `mhc note` or another console): read those alone.
            page = data.interactions(self.person_id, types=[InteractionType.MANUAL_NOTE.value], limit=NOTES)
            notes = tuple(NoteView(i.id, i.person_id, i.username, i.content or "", i.timestamp, i.stream_session_id)
                          for i in page.items)
            return dataclasses.replace(shown, notes=notes, notes_total=page.total)
        return data.person(self.person_id, recent=0, notes=NOTES)

    def _show(self, person: PersonView | None) -> None:
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

    def _show_notes(self, person: PersonView) -> None:
        """New notes are added (newest first), gone ones removed; existing rows are left alone."""
        tz = console_of(self).settings.tz
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
        # Its notification will come too; this shows the change even while live updates are down.
        self.person_read.request()
