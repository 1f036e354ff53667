"""Typed messages between the App, its workers and the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from mhc_core.db import Database


class DataChanged(Message):
    """Committed rows changed (a NOTIFY arrived): re-read what you show, in a worker.

    `channel` is one of mhc_events, mhc_stats, mhc_sessions, mhc_persons, or "*" after every
    (re)connection of the NOTIFY reader (anything may have changed while it was away).
    """

    def __init__(self, channel: str, payload: dict[str, Any]) -> None:
        super().__init__()
        self.channel = channel
        self.payload = payload


class DatabaseReady(Message):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db


class DatabaseFailed(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class StatusChanged(Message):
    """A capture component (capture listener or stats poller) changed state; `status` is a ComponentStatus."""

    def __init__(self, status: Any) -> None:
        super().__init__()
        self.status = status


class NotifyConnection(Message):
    """The NOTIFY reader (re)connected."""
