"""Completes usernames from known persons and their aliases (current and past names)."""

from __future__ import annotations

from functools import partial

from textual.dom import DOMNode
from textual.suggester import Suggester
from textual.worker import WorkerFailed

from mhc_tui.background import run_in_thread
from mhc_tui.data_access import data_of, data_ready


class UsernameSuggester(Suggester):
    """Asks the database in a thread so typing never waits on SQL; answers are cached per prefix.

    The question runs as the App's worker for `node`, so a failure is reported by the App (once) rather
    than ending the Input's own worker, and typing goes on without a suggestion.
    """

    def __init__(self, node: DOMNode) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self._node = node

    async def get_suggestion(self, value: str) -> str | None:
        prefix = value.strip().removeprefix("@")
        if not prefix or not data_ready(self._node):
            return None
        asked = run_in_thread(self._node, partial(data_of(self._node).known_usernames, prefix, limit=5),
                              name="name completion")
        try:
            names = await asked.wait()
        except WorkerFailed:
            return None  # reported by the App's failure handler
        # The first strictly longer name: suggesting what is already typed completes nothing.
        found = next((name for name in names if len(name) > len(prefix)), None)
        return None if found is None else value[: len(value) - len(value.lstrip().removeprefix("@"))] + found

    def forget(self) -> None:
        """Drop cached answers (after a lookup created new persons)."""
        if self.cache is not None:
            self.cache.clear()
