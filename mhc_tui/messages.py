"""Typed messages between the App, its workers and the screens.

How screens learn that stored data changed is not a message: see mhc_tui/live.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from mhc_core.capture.status import ComponentStatus
    from mhc_core.data.door import Data
    from mhc_core.db import Database


class DatabaseReady(Message):
    """The database is connected: `db` for the App's long-lived workers, `data` the door every read uses."""

    def __init__(self, db: Database, data: Data) -> None:
        super().__init__()
        self.db = db
        self.data = data


class DatabaseFailed(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class StatusChanged(Message):
    """Capture or the stats poller changed state (posted from the capture's own threads)."""

    def __init__(self, status: ComponentStatus) -> None:
        super().__init__()
        self.status = status


class SessionActionDone(Message):
    """A session was started or ended from this console: `said` is the line to show, `ended` the id of
    the session it ended (None for a start)."""

    def __init__(self, said: str, *, ended: int | None = None) -> None:
        super().__init__()
        self.said = said
        self.ended = ended


class WorkFailed(Message, bubble=False):
    """Work this node asked for failed. The App has already said why (its one failure handler); this
    is for the node to put itself right, e.g. give back a field it disabled while saving."""

    def __init__(self, work: str, error: BaseException) -> None:
        super().__init__()
        self.work = work
        self.error = error
