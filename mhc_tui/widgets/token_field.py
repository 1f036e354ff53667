"""TokenField: one token of the setup screen: what it is, where to find it, the field, and its verdict."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from mhc_core.clients.errors import Source
from mhc_core.setup.fields import WHERE_TO_FIND, set_elsewhere
from mhc_core.setup.token_checks import TokenCheck
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.safe_fields import SafeInput

TITLES: dict[Source, str] = {
    "events": "Events API URL (or its token)",
    "stats": "Stats API token",
    "statbate": "Statbate Premium API token",
}
VERDICT_CLASSES = {"accepted": "token-field--accepted", "rejected": "token-field--rejected",
                   "unreachable": "token-field--unreachable", "not_configured": "token-field--muted"}


class TokenField(Vertical):
    """Hidden input (a token, or a URL that holds one). Locked when the environment sets the token."""

    DEFAULT_CLASSES = "token-field"

    def __init__(self, api: Source) -> None:
        super().__init__(id=f"token-{api}")
        self.api: Source = api

    def compose(self) -> ComposeResult:
        yield Label(TITLES[self.api], classes="token-field--title")
        yield Label(WHERE_TO_FIND[self.api], classes="token-field--where")
        yield SafeInput(password=True, placeholder="paste here", id=f"input-{self.api}")
        yield Static("", classes="token-field--verdict", id=f"verdict-{self.api}")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value.strip()

    def describe_current(self, source: str) -> None:
        """Say where the token in use now comes from; the environment's cannot be changed here."""
        elsewhere = set_elsewhere(self.api, source)
        if elsewhere is not None:
            self.input.placeholder = elsewhere
            self.input.disabled = True
        elif source == "file":
            self.input.placeholder = "configured in the settings file: paste to replace"
        else:
            self.input.placeholder = "not configured: paste here"

    def show(self, said: str, verdict: str | None = None) -> None:
        verdict_line = self.query_one(f"#verdict-{self.api}", Static)
        for name in VERDICT_CLASSES.values():
            verdict_line.remove_class(name)
        if verdict is not None:
            verdict_line.add_class(VERDICT_CLASSES[verdict])
        verdict_line.update(Text(fmt.outside(said)))

    def show_check(self, check: TokenCheck, *, now: bool = False) -> None:
        self.show(f"{'in use now: ' if now else ''}{check.message}", check.verdict)
