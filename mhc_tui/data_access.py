"""The console's way to the App and its data door (`Data`), typed, from any screen or widget.

The App holds the door once the database is connected (`MHCApp.data`); before that a read has
nothing to go through, so callers check `data_ready` first or let `DatabaseNotReady` be reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from mhc_core.data.door import Data
    from mhc_tui.app import MHCApp

NOT_READY = "Not connected to the database yet."


class DatabaseNotReady(RuntimeError):
    def __init__(self) -> None:
        super().__init__(NOT_READY)


def console_of(node: DOMNode) -> MHCApp:
    """The console App a screen or widget belongs to, typed (Textual types `node.app` as any App)."""
    return cast("MHCApp", node.app)


def data_ready(node: DOMNode) -> bool:
    """The database is connected, so `data_of(node)` answers."""
    return bool(getattr(node.app, "data_ready", False))


def data_of(node: DOMNode) -> Data:
    """The App's data door; DatabaseNotReady until the database is connected."""
    return cast("MHCApp", node.app).data
