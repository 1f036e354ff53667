"""`m` wherever a person is selected (the room list, the feed, the person screen, the inbox): his alerts
muted, or unmuted if they were, in a worker; a notification says which. Every console's room list shows
the mute badge (the write notifies mhc_alerts "muted")."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from textual.dom import DOMNode

from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.widgets import display_format as fmt


def toggle_mute(node: DOMNode, person_id: uuid.UUID, username: str, *, then: Callable[[], None] | None = None) -> None:
    """Mute `person_id`'s alerts, or unmute them if muted (as stored now, whatever a screen showed)."""
    if not data_ready(node):
        console_of(node).notify("Not connected to the database yet.", severity="warning")
        return

    def work() -> bool:
        data = data_of(node)
        muted = not data.muted(person_id)
        data.set_muted(person_id, muted)
        return muted

    def done(muted: bool) -> None:
        name = fmt.outside(username)
        console_of(node).notify(f"{name}: alerts muted." if muted else f"{name}: alerts on again.")
        if then is not None:
            then()

    run_in_thread(node, work, name="mute", done=done)
