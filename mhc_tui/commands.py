"""Command palette (ctrl+p): every action of the App and of the screen it was opened from, by name,
read from their `Binding` declarations (description, tooltip and the key as remapped); and the list
of the console's themes that Textual's "Theme" command opens."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from mhc_tui import keys
from mhc_tui.theme import THEMES, TITLES


class ConsoleCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, App[Any] | Screen[Any], Binding]]:
        """(title, help, where the action runs, binding): the App's first, then the screen's."""
        keymap = getattr(self.app, "keymap", {})
        owners: list[tuple[App[Any] | Screen[Any], list[Binding]]] = [
            (self.app, keys.declared(type(self.app))), (self.screen, keys.declared(type(self.screen))),
        ]
        for node, bindings in owners:
            for binding in bindings:
                help_text = f"{keys.help_text(binding)} ({keys.key_text(binding, keymap)})"
                yield binding.description, help_text, node, binding

    async def discover(self) -> Hits:
        for title, help_text, node, binding in self._commands():
            yield DiscoveryHit(title, partial(node.run_action, binding.action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, node, binding in self._commands():
            # The title, or failing that the help line ("session" finds Start and End).
            score = max(matcher.match(title), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(node.run_action, binding.action), help=help_text)


class ThemeCommands(Provider):
    """The console's own themes (Textual's built-in ones are not offered)."""

    def _themes(self) -> Iterator[tuple[str, str]]:
        for theme in THEMES:
            yield TITLES[theme.name], theme.name

    def _choose(self, name: str) -> None:
        self.app.theme = name

    async def discover(self) -> Hits:
        for title, name in self._themes():
            yield DiscoveryHit(title, partial(self._choose, name), help=name)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, name in self._themes():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._choose, name), help=name)
