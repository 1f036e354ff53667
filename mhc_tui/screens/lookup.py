"""Lookup: a name or a paste in, the person (and everyone else named in the paste) out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static, Switch, TextArea

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_PERSONS, CHANNEL_STATS
from mhc_core.data.errors import InvalidUsername, NothingToLookUp
from mhc_core.kinds import Role
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.keys import key_for
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.messages import WorkFailed
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.person_picker import PersonPicker
from mhc_tui.widgets.person_summary import PersonSummary
from mhc_tui.widgets.safe_fields import SafeInput, SafeTextArea
from mhc_tui.widgets.username_suggester import UsernameSuggester

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mhc_core.data.views import LookupProblem, PersonView

AUTO = "auto"


@dataclass(frozen=True)
class LookupRequest:
    username: str | None
    paste: str | None
    role: str | None
    statbate: bool
    room: bool


def plain_statbate_error(problem: LookupProblem) -> str:
    message = (problem.message or "failed for an unknown reason").strip()
    return message if "statbate" in message.lower() else f"Statbate: {message}"


def not_found_on_statbate(username: str, states: Mapping[str, Mapping[str, str]]) -> str | None:
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
        Binding("ctrl+enter,ctrl+j", "submit", "Look up", key_display="ctrl+enter/ctrl+j", id="look_up",
                tooltip="look up (a name, a paste, or both)"),
        Binding("enter", "open_person", "Open person", id="open", tooltip="open the person shown or picked"),
        Binding("n", "note", "Note", id="note", tooltip="note on the person shown"),
        Binding("ctrl+l", "focus_name", "Name field", id="name_field", tooltip="back to the name field"),
        Binding("escape", "leave", "Back", show=False, id="back", tooltip="back to the previous screen"),
    ]

    class LookupDone(Message):
        def __init__(
            self, request: LookupRequest, people: list[tuple[uuid.UUID, str]], person: PersonView,
            errors: list[str], statbate: Mapping[str, Mapping[str, str]],
        ) -> None:
            super().__init__()
            self.request, self.people, self.person, self.errors = request, people, person, errors
            self.statbate = statbate

    class LookupFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self) -> None:
        super().__init__()
        self._shown: PersonView | None = None
        self._wanted: uuid.UUID | None = None  # whom the result is to show (the found or the picked person)
        this_person = about("person_id", lambda: self._wanted)
        self.person_read = LiveRead(self, self._read_person, self._show_person, name="lookup person", follows={
            CHANNEL_PERSONS: this_person, CHANNEL_STATS: this_person,
            CHANNEL_EVENTS: lambda _payload: self._wanted is not None,
        })
        self._errors: list[str] = []
        self._statbate: Mapping[str, Mapping[str, str]] = {}
        self._room = True
        self._waiting = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lookup-body"):
            with Vertical(id="lookup-form"):
                yield Label("Username")
                yield SafeInput(
                    placeholder="name or @name", id="lookup-name",
                    suggester=UsernameSuggester(self),
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
                        value=console_of(self).settings.statbate_token is not None,
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
        self._waiting = not data_ready(self)
        self._status(
            "waiting for database…" if self._waiting else self._hint()
        )
        # Nobody is shown yet, so its first run reads nothing; once the database is there, it ends the wait.
        self.person_read.request()
        self.query_one("#lookup-name", Input).focus()

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_person", "note"):
            return self._shown is not None
        return True

    def _hint(self) -> str:
        return f"Type a name or paste text, then {key_for(self, 'look_up')}."  # the keys as remapped

    def action_leave(self) -> None:
        """Escape, from any field: the lookup is a mode with nothing beneath it, so back is the dashboard."""
        self.app.switch_mode("dashboard")

    def action_focus_name(self) -> None:
        self.query_one("#lookup-name", Input).focus()

    @on(Button.Pressed, "#lookup-submit")
    @on(Input.Submitted, "#lookup-name")
    def action_submit(self) -> None:
        if not data_ready(self):
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
        run_in_thread(self, partial(self._lookup, request), name="lookup")

    def action_open_person(self) -> None:
        if self._shown is not None:
            console_of(self).open_person(self._shown.id)

    def action_note(self) -> None:
        if self._shown is None:
            return
        from mhc_tui.screens.note import NoteModal

        person = self._shown
        self.app.push_screen(NoteModal(person.id, person.username), lambda saved: self._reload() if saved else None)

    # -- in a thread -------------------------------------------------------------------------

    def _lookup(self, request: LookupRequest) -> None:
        try:
            found = data_of(self).lookup(request.username, paste=request.paste, role=request.role,
                                         statbate=request.statbate, room=request.room)
        except (NothingToLookUp, InvalidUsername) as exc:
            self.post_message(self.LookupFailed(str(exc)))
            return
        errors = [plain_statbate_error(problem) for problem in found.problems]
        states = found.statbate if request.statbate else {}
        people = [(ref.id, ref.username) for ref in found.people]
        self.post_message(self.LookupDone(request, people, found.person, errors, states))

    def _read_person(self, _changes: Changes) -> tuple[uuid.UUID | None, PersonView | None]:
        wanted, room = self._wanted, self._room
        return wanted, (data_of(self).person(wanted, room=room) if wanted is not None else None)

    def _show_person(self, read: tuple[uuid.UUID | None, PersonView | None]) -> None:
        if self._waiting:
            self._waiting = False
            self._status(self._hint())
        wanted, person = read
        if wanted is None or wanted != self._wanted:
            return  # another person was picked meanwhile; that read is due
        if person is None:
            self._status("that person is no longer in the database", error=True)
        else:
            self._present(person)

    def _reload(self) -> None:
        self.person_read.request()

    # -- results ---------------------------------------------------------------------------

    def on_lookup_screen_lookup_done(self, message: LookupDone) -> None:
        self._errors = message.errors
        self._statbate = message.statbate
        self._room = message.request.room
        self._wanted = message.person.id
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
            self._status(f"Found {message.person.username}. {key_for(self, 'open')} opens the person, "
                         f"{key_for(self, 'note')} adds a note.")
        suggester = self.query_one("#lookup-name", Input).suggester
        if isinstance(suggester, UsernameSuggester):
            suggester.forget()

    def on_lookup_screen_lookup_failed(self, message: LookupFailed) -> None:
        self._status(message.reason, error=True)

    @on(PersonPicker.Previewed)
    def _preview(self, message: PersonPicker.Previewed) -> None:
        if self._shown is None or message.person_id != self._shown.id:
            self._wanted = message.person_id
            self.person_read.request()

    @on(PersonPicker.Chosen)
    def _choose(self, message: PersonPicker.Chosen) -> None:
        console_of(self).open_person(message.person_id)

    def _present(self, person: PersonView) -> None:
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

    def on_work_failed(self, message: WorkFailed) -> None:
        # The App has said why; the status line says what did not happen.
        self._status(f"Lookup failed: {worker_errors.plain(message.error)}", error=True)
