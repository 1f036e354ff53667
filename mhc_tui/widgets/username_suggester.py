"""Completes usernames from known persons and their aliases (current and past names)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.suggester import Suggester

from mhc_core.db import Database
from mhc_core.services import persons


class UsernameSuggester(Suggester):
    """Asks the database in a thread so typing never waits on SQL; answers are cached per prefix."""

    def __init__(self, database: Callable[[], Database | None]) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self._database = database

    async def get_suggestion(self, value: str) -> str | None:
        prefix = value.strip().removeprefix("@")
        db = self._database()
        if not prefix or db is None:
            return None
        names = await asyncio.to_thread(self._names, db, prefix)
        # The first strictly longer name: suggesting what is already typed completes nothing.
        found = next((name for name in names if len(name) > len(prefix)), None)
        return None if found is None else value[: len(value) - len(value.lstrip().removeprefix("@"))] + found

    def forget(self) -> None:
        """Drop cached answers (after a lookup created new persons)."""
        if self.cache is not None:
            self.cache.clear()

    @staticmethod
    def _names(db: Database, prefix: str) -> list[str]:
        with db.session() as session:
            return persons.known_usernames(session, prefix, limit=5)
