"""Command palette (ctrl+p): every console action by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, action run on the App)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Dashboard", "Live status, stats, the event feed and the room (d)", "switch_mode('dashboard')"),
    ("Lookup", "Look a person up by name or pasted text (l)", "switch_mode('lookup')"),
    ("Sessions", "Recent stream sessions with their stats (s)", "switch_mode('sessions')"),
    ("Start session", "Start a LIVE stream session now (F5)", "start_session"),
    ("End session", "End the LIVE stream session, after confirming (F6)", "end_session"),
    ("Note on selected person", "Jot a note on the person selected in the feed or room (n)", "note_selected"),
    ("Open selected person", "Open the person selected in the feed or room (enter)", "open_selected"),
    ("Help", "Every key the console answers to (?)", "help"),
    ("Quit", "Leave the console (ctrl+q)", "quit"),
)


# Run on the screen the palette was opened from (they act on what is selected there).
SCREEN_ACTIONS = frozenset({"note_selected", "open_selected"})


class ConsoleCommands(Provider):
    async def _run(self, action: str) -> None:
        if action not in SCREEN_ACTIONS:
            await self.app.run_action(action)
        elif hasattr(self.screen, f"action_{action}"):
            await self.screen.run_action(action)
        else:
            self.app.notify("Nothing to select on this screen.", severity="warning")

    async def discover(self) -> Hits:
        for title, help_text, action in COMMANDS:
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=help_text)
