"""Lookup: a name or a paste in, the person (and everyone else named in the paste) out."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static, Switch, TextArea
from textual.worker import Worker, get_current_worker

from mhc_core.db.models import Person, Role
from mhc_core.services import lookup as lookup_service
from mhc_core.services import statbate_lookup
from mhc_core.services.persons import InvalidUsername
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.person_data import PersonData, load_person
from mhc_tui.widgets.person_picker import PersonPicker
from mhc_tui.widgets.person_summary import PersonSummary
from mhc_tui.widgets.safe_fields import SafeInput, SafeTextArea
from mhc_tui.widgets.username_suggester import UsernameSuggester

if TYPE_CHECKING:
    from mhc_tui.messages import DataChanged

AUTO = "auto"
REFRESH_CHANNELS = frozenset({"mhc_persons", "mhc_events", "mhc_stats", "*"})


@dataclass(frozen=True)
class LookupRequest:
    username: str | None
    paste: str | None
    role: str | None
    statbate: bool
    room: bool


def plain_statbate_error(error: dict[str, Any]) -> str:
    message = str(error.get("message") or "failed for an unknown reason").strip()
    return message if "statbate" in message.lower() else f"Statbate: {message}"


def not_found_on_statbate(username: str, states: dict[str, dict[str, str]]) -> str | None:
    """'not found' is an answer, not a failure: say it when every question asked got it."""
    asked = [state for state in states.get(username, {}).values() if state != "not_asked"]
    if asked and all(state == "not_found" for state in asked):
        return f"{username} was not found on Statbate."
    return None


class LookupScreen(Screen[None]):
    CSS_PATH = "lookup.tcss"
    TITLE = "Lookup"
    BINDINGS = [
        # Many terminals send ctrl+enter as plain enter; ctrl+j (line feed) always arrives distinctly.
        # Not a priority binding: the key then reaches the screen through the focused field, after every
        # key typed before it, so the lookup sees the whole name however fast it was typed.
        Binding("ctrl+enter,ctrl+j", "submit", "Look up", key_display="ctrl+enter/ctrl+j"),
        Binding("enter", "open_person", "Open person"),
        Binding("n", "note", "Note"),
        Binding("ctrl+l", "focus_name", "Name field"),
        Binding("escape", "leave", "Back", show=False),
    ]

    class LookupDone(Message):
        def __init__(
            self, request: LookupRequest, people: list[tuple[uuid.UUID, str]], person: PersonData,
            errors: list[str], statbate: dict[str, dict[str, str]],
        ) -> None:
            super().__init__()
            self.request, self.people, self.person, self.errors = request, people, person, errors
            self.statbate = statbate

    class LookupFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class PersonShown(Message):
        def __init__(self, person: PersonData) -> None:
            super().__init__()
            self.person = person

    def __init__(self) -> None:
        super().__init__()
        self._shown: PersonData | None = None
        self._errors: list[str] = []
        self._statbate: dict[str, dict[str, str]] = {}
        self._room = True
        self._waiting = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lookup-body"):
            with Vertical(id="lookup-form"):
                yield Label("Username")
                yield SafeInput(
                    placeholder="name or @name", id="lookup-name",
                    suggester=UsernameSuggester(lambda: self.app.db),  # type: ignore[attr-defined]
                )
                yield Label("Role")
                yield Select(
                    [(AUTO, AUTO)] + [(r.value, r.value) for r in Role], value=AUTO, allow_blank=False,
                    id="lookup-role",
                )
                yield Label("Paste: profile, chat, a list of names")
                yield SafeTextArea(id="lookup-paste", soft_wrap=True)
                with Horizontal(classes="lookup-switch"):
                    yield Switch(
                        value=self.app.settings.statbate_token is not None,  # type: ignore[attr-defined]
                        id="lookup-statbate",
                    )
                    yield Label("Include Statbate")
                with Horizontal(classes="lookup-switch"):
                    yield Switch(value=True, id="lookup-room")
                    yield Label("Include my room data")
                yield Button("Look up", id="lookup-submit", variant="primary")
            with Vertical(id="lookup-results"):
                yield Static(id="lookup-status")
                picker = PersonPicker(id="lookup-picks")
                picker.border_title = "Names in the paste"
                yield picker
                yield PersonSummary(id="lookup-result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PersonPicker).display = False
        self.query_one(PersonSummary).display = False
        self._waiting = self.app.db is None  # type: ignore[attr-defined]
        self._status(
            "waiting for database…" if self._waiting else "Type a name or paste text, then ctrl+enter (or ctrl+j)."
        )
        self.query_one("#lookup-name", Input).focus()

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_person", "note"):
            return self._shown is not None
        return True

    def action_leave(self) -> None:
        """Escape, from any field: the lookup is a mode with nothing beneath it, so back is the dashboard."""
        self.app.switch_mode("dashboard")

    def action_focus_name(self) -> None:
        self.query_one("#lookup-name", Input).focus()

    @on(Button.Pressed, "#lookup-submit")
    @on(Input.Submitted, "#lookup-name")
    def action_submit(self) -> None:
        if self.app.db is None:  # type: ignore[attr-defined]
            self._status("waiting for database…")
            return
        role = self.query_one("#lookup-role", Select).value
        request = LookupRequest(
            username=self.query_one("#lookup-name", Input).value.strip() or None,
            paste=self.query_one("#lookup-paste", TextArea).text.strip() or None,
            role=None if role in (AUTO, Select.NULL) else str(role),
            statbate=self.query_one("#lookup-statbate", Switch).value,
            room=self.query_one("#lookup-room", Switch).value,
        )
        if request.username is None and request.paste is None:
            self._status("Nothing to look up: type a name or paste some text.", error=True)
            return
        self._status("Looking up…" + (" (asking Statbate)" if request.statbate else ""))
        self._lookup(request)

    def action_open_person(self) -> None:
        if self._shown is not None:
            self.app.open_person(self._shown.id)  # type: ignore[attr-defined]

    def action_note(self) -> None:
        if self._shown is None:
            return
        from mhc_tui.screens.note import NoteModal

        person = self._shown
        self.app.push_screen(NoteModal(person.id, person.username), lambda saved: self._reload() if saved else None)

    # -- workers ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _lookup(self, request: LookupRequest) -> None:
        app: Any = self.app
        db, settings = app.db, app.settings
        errors: list[str] = []
        states: dict[str, dict[str, str]] = {}
        try:
            if request.statbate:
                # An async service: a private loop in this worker thread keeps its HTTP and SQL off the UI.
                outcome = asyncio.run(statbate_lookup.lookup(
                    db, settings, username=request.username, paste=request.paste, role=request.role,
                    include_statbate=True, at=app.clock(),
                ))
                ids = outcome.person_ids
                errors += [plain_statbate_error(e) for e in outcome.errors]
                states = outcome.statbate
            else:
                with db.session() as session:
                    result = lookup_service.lookup(
                        session, username=request.username, paste=request.paste, role=request.role,
                        broadcaster=settings.broadcaster, at=app.clock(),
                    )
                    ids = [p.id for p in result.persons]
        except (lookup_service.NothingToLookUp, InvalidUsername) as exc:
            self.post_message(self.LookupFailed(str(exc)))
            return
        with db.session() as session:
            person = load_person(session, ids[0], room=request.room)
            names = {pid: name for pid, name in session.execute(
                select(Person.id, Person.username).where(Person.id.in_(ids))
            )}
        assert person is not None  # created (or found) by the lookup just committed
        people = [(pid, names[pid]) for pid in ids if pid in names]
        self.post_message(self.LookupDone(request, people, person, errors, states))

    @work(thread=True, exclusive=True, group="lookup-show", exit_on_error=False)
    def _show(self, person_id: uuid.UUID, room: bool) -> None:
        with self.app.db.session() as session:  # type: ignore[attr-defined]
            person = load_person(session, person_id, room=room)
        if get_current_worker().is_cancelled:
            return  # a newer read is on its way
        if person is None:
            self.post_message(self.LookupFailed("that person is no longer in the database"))
        else:
            self.post_message(self.PersonShown(person))

    def _reload(self) -> None:
        if self._shown is not None and self.app.db is not None:  # type: ignore[attr-defined]
            self._show(self._shown.id, self._room)

    # -- results ---------------------------------------------------------------------------

    def on_lookup_screen_lookup_done(self, message: LookupDone) -> None:
        self._errors = message.errors
        self._statbate = message.statbate
        self._room = message.request.room
        picker = self.query_one(PersonPicker)
        picker.display = len(message.people) > 1
        self._present(message.person)
        # Focus moves to the result so enter (open) and n (note) work at once; ctrl+l goes back to the name.
        if len(message.people) > 1:
            picker.set_people(message.people)
            picker.focus()
            self._status(f"{len(message.people)} names found: pick one to see it, enter opens it.")
        else:
            self.query_one(PersonSummary).focus()
            self._status(f"Found {message.person.username}. enter opens the person, n adds a note.")
        suggester = self.query_one("#lookup-name", Input).suggester
        if isinstance(suggester, UsernameSuggester):
            suggester.forget()

    def on_lookup_screen_person_shown(self, message: PersonShown) -> None:
        self._present(message.person)

    def on_lookup_screen_lookup_failed(self, message: LookupFailed) -> None:
        self._status(message.reason, error=True)

    @on(PersonPicker.Previewed)
    def _preview(self, message: PersonPicker.Previewed) -> None:
        if self._shown is None or message.person_id != self._shown.id:
            self._show(message.person_id, self._room)

    @on(PersonPicker.Chosen)
    def _choose(self, message: PersonPicker.Chosen) -> None:
        self.app.open_person(message.person_id)  # type: ignore[attr-defined]

    def _present(self, person: PersonData) -> None:
        self._shown = person
        summary = self.query_one(PersonSummary)
        summary.display = True
        missing = not_found_on_statbate(person.username, self._statbate)
        errors = self._errors + ([missing] if missing else [])
        summary.show(person, errors=errors, include_room=self._room)
        self.refresh_bindings()

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#lookup-status", Static)
        status.set_class(error, "-error")
        status.update(Content(fmt.outside(text)))  # names and errors: literal, controls visible

    # -- live data -------------------------------------------------------------------------

    def on_data_changed(self, message: DataChanged) -> None:
        if message.channel in REFRESH_CHANNELS:
            if self._waiting and self.app.db is not None:  # type: ignore[attr-defined]
                self._waiting = False
                self._status("Type a name or paste text, then ctrl+enter (or ctrl+j).")
            self._reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if worker_errors.report(self, event, "Lookup failed") and event.worker.error is not None:
            self._status(f"Lookup failed: {worker_errors.plain(event.worker.error)}", error=True)
