"""Sessions opened and closed by the room's own broadcastStart/broadcastStop events.

The LIVE session is read from the database at the start of every batch (never cached across batches),
so a session started or ended by hand in the console between two batches is respected.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mhc_core.db.models import SessionOrigin, StreamSession
from mhc_core.services import sessions

log = logging.getLogger(__name__)


class SessionTracker:
    """Follows the LIVE session through one batch, in event order."""

    def __init__(self, session: Session, broadcaster: str, merge_minutes: int) -> None:
        self.session = session
        self.broadcaster = broadcaster
        self.merge_gap = timedelta(minutes=merge_minutes)
        self.live: StreamSession | None = sessions.current(session, broadcaster)
        self.changed = False

    def link(self, when: datetime) -> int | None:
        """The LIVE session an interaction at `when` belongs to."""
        live = self.live
        return live.id if live is not None and live.started_at <= when else None

    def broadcast_start(self, when: datetime) -> int | None:
        """Open (or continue, within the merge gap) a session; returns the session the event belongs to."""
        if self.live is not None:
            return self.link(when)
        previous = sessions.last_ended(self.session, self.broadcaster)
        try:
            if previous is not None and previous.ended_at is not None and when - previous.ended_at <= self.merge_gap:
                self.live = sessions.reopen(self.session, previous)
                log.info("broadcast restarted within the merge gap: session %s continues", previous.id)
            else:
                self.live = sessions.start(self.session, self.broadcaster, at=when, origin=SessionOrigin.AUTO.value)
                log.info("broadcast started: session %s", self.live.id)
        except sessions.SessionAlreadyLive as exc:  # someone started one by hand a moment ago
            self.live = exc.live
        self.changed = True
        return self.link(when)

    def broadcast_stop(self, when: datetime) -> int | None:
        """End the LIVE session; the stop event itself belongs to the session it ends."""
        sid = self.link(when)
        if self.live is not None:
            try:
                sessions.end(self.session, self.broadcaster, at=when)
                log.info("broadcast stopped: session %s ended", self.live.id)
            except sessions.NoLiveSession:
                log.info("broadcast stopped, but the session was already ended")
            self.live = None
            self.changed = True
        return sid
