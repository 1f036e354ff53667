"""SetupScreen: the tokens, pasted as the site gives them, each tried at once, saved and put to use.

It opens by itself on a first run with nothing configured, and later from `,` or the palette. A token
is tried a moment after the last keystroke (one harmless call, mhc_core.setup.token_checks) and its
verdict shown under it. Saving writes `config.toml` (0600), or the keyring when he asks for it; the
App then restarts capture, the poller and Statbate on the new settings without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Label

from mhc_core.clients.errors import Source
from mhc_core.setup.events_url import PastedValueError
from mhc_core.setup.fields import APIS, FIELD_OF, PASTE_HINT
from mhc_core.setup.token_checks import TokenCheck
from mhc_tui.background import run_in_thread
from mhc_tui.messages import WorkFailed
from mhc_tui.widgets.token_field import TITLES, TokenField

if TYPE_CHECKING:
    from mhc_core.config import Settings
    from mhc_core.setup.pasted import Pasted
    from mhc_core.setup.save import Saved
    from mhc_tui.app import MHCApp

TRY_AFTER = 0.6  # seconds after the last keystroke: a paste arrives whole, typing pauses


@dataclass(frozen=True)
class Opening:
    """What the screen needs to know before it can say anything: read off the UI thread."""

    sources: Mapping[str, str]
    keyring_available: bool
    keyring_said: str
    current: list[TokenCheck]


@dataclass(frozen=True)
class Outcome:
    saved: Saved | None
    settings: Settings | None
    checks: dict[Source, TokenCheck]


class SetupScreen(ModalScreen[bool]):
    """Dismisses with True once saved (the App has the new settings), False on escape."""

    CSS_PATH = "setup.tcss"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save_setup", tooltip="save the tokens and start with them"),
        Binding("escape", "cancel", "Not now", id="back", tooltip="close: nothing is saved"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[Source, Timer] = {}
        self._tried: dict[Source, tuple[str, TokenCheck]] = {}  # the text last tried, and its verdict
        self._saving = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup-box", classes="modal-box"):
            yield Label("Set up MHC Control Panel", classes="modal-title")
            yield Label(PASTE_HINT, id="setup-about")
            for api in APIS:
                yield TokenField(api)
            yield Checkbox("Keep the tokens in the system keyring", id="setup-keyring", value=False,
                           disabled=True)
            yield Label("", id="setup-storage")
            yield Label("ctrl+s save and start · escape not now · tab next field", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#input-events", Input).focus()
        run_in_thread(self, self._opening, name="setup-opening", done=self._opened)

    # -- what is there now -------------------------------------------------------------------------

    def _opening(self) -> Opening:
        from mhc_core.config import source_of
        from mhc_core.setup.token_checks import check_settings
        from mhc_core.setup.token_store import keyring_state

        state = keyring_state()
        sources = {field: source_of(field) for field in FIELD_OF.values()}
        current = asyncio.run(check_settings(self._owner_app.settings))
        return Opening(sources, state.available, state.said, current)

    def _opened(self, opening: Opening) -> None:
        for check in opening.current:
            field = self.query_one(f"#token-{check.api}", TokenField)
            field.describe_current(opening.sources[FIELD_OF[check.api]])
            if check.verdict != "not_configured" and check.api not in self._tried:
                field.show_check(check, now=True)
        keyring = self.query_one("#setup-keyring", Checkbox)
        keyring.disabled = not opening.keyring_available
        keyring.value = opening.keyring_available
        from mhc_core.config import config_file

        where = f"Saved to {config_file()}, readable by you only."
        self.query_one("#setup-storage", Label).update(
            f"{opening.keyring_said}. {where}" if not opening.keyring_available else where
        )

    # -- trying a token ----------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        field = next((node for node in event.input.ancestors if isinstance(node, TokenField)), None)
        if field is None:
            return
        event.stop()
        if field.api in self._pending:
            self._pending[field.api].stop()
        self._pending[field.api] = self.set_timer(TRY_AFTER, lambda: self._try(field.api))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def _field(self, api: Source) -> TokenField:
        return self.query_one(f"#token-{api}", TokenField)

    def _read(self, api: Source) -> Pasted:
        """PastedValueError when the field does not hold what it takes."""
        from mhc_core.setup.pasted import read_pasted

        settings = self._owner_app.settings
        broadcaster = None
        if api != "events" and self._field("events").value:
            try:
                broadcaster = read_pasted("events", self._field("events").value, settings).broadcaster
            except PastedValueError:
                broadcaster = None  # the Events field says what is wrong with it
        return read_pasted(api, self._field(api).value, settings, broadcaster=broadcaster)

    def _try(self, api: Source) -> None:
        field = self._field(api)
        text = field.value
        if not text:
            self._tried.pop(api, None)
            field.show("")
            return
        try:
            pasted = self._read(api)
        except PastedValueError as exc:
            field.show(str(exc), "rejected")
            return
        if api == "events" and pasted.events_base_url is not None:
            where = "the testbed" if "testbed" in pasted.events_base_url else pasted.events_base_url
            field.show(f"room {pasted.broadcaster} on {where}: trying…")
        else:
            field.show("trying…")
        settings = self._owner_app.settings

        def tried(check: TokenCheck) -> None:
            if field.value == text:  # not replaced meanwhile
                self._tried[api] = (text, check)
                field.show_check(check)

        from mhc_core.setup.pasted import try_pasted

        run_in_thread(self, lambda: asyncio.run(try_pasted(pasted, settings)), name=f"setup-try-{api}",
                      done=tried)

    # -- saving ------------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self._saving:
            return
        given: list[tuple[Pasted, str]] = []
        for api in APIS:
            field = self._field(api)
            if field.input.disabled or not field.value:
                continue
            try:
                given.append((self._read(api), field.value))
            except PastedValueError as exc:
                field.show(str(exc), "rejected")
                self.notify(f"{TITLES[api]}: {exc}", severity="error")
                return
        if not given:
            self.notify("Nothing to save: paste the Events API URL, or escape to leave.", severity="warning")
            return
        self._saving = True
        use_keyring = self.query_one("#setup-keyring", Checkbox).value
        tried = dict(self._tried)
        settings = self._owner_app.settings

        def save() -> Outcome:
            from mhc_core.config import load_settings
            from mhc_core.setup.pasted import kept, try_pasted, values_of
            from mhc_core.setup.save import save_setup

            checks: dict[Source, TokenCheck] = {}
            for pasted, text in given:
                known = tried.get(pasted.api)
                checks[pasted.api] = (known[1] if known and known[0] == text
                                      else asyncio.run(try_pasted(pasted, settings)))
            keep = kept([pasted for pasted, _ in given], checks)
            if not keep:
                return Outcome(None, None, checks)
            saved = save_setup(values_of(keep), use_keyring=use_keyring)
            return Outcome(saved, load_settings(), checks)

        run_in_thread(self, save, name="setup-save", done=self._saved)

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.work == "setup-save":
            self._saving = False  # said by the App; the fields keep what was typed

    def _saved(self, outcome: Outcome) -> None:
        self._saving = False
        for api, check in outcome.checks.items():
            self._field(api).show_check(check)
        from mhc_core.setup.pasted import refusal

        refused = refusal(outcome.checks)
        if outcome.saved is None or outcome.settings is None:
            self.notify(refused or "Nothing saved.", severity="error", timeout=8)
            return
        self._owner_app.apply_settings(outcome.settings)
        lines = outcome.saved.lines if refused is None else [*outcome.saved.lines, refused]
        self.notify("\n".join(lines), title="Setup saved", severity="warning" if refused else "information",
                    timeout=10)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @property
    def _owner_app(self) -> MHCApp:
        from mhc_tui.app import MHCApp

        assert isinstance(self.app, MHCApp), "the setup screen belongs to the console"
        return self.app
