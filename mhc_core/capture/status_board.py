"""The latest status of each capture component, passed on once per change, with this run's counters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from mhc_core.capture.status import Component, ComponentStatus, State
from mhc_core.redact import mask

log = logging.getLogger(__name__)


class StatusBoard:
    """A status that says what the component's last one said (same state, message and counters) is kept
    to itself: a retry loop or a stream of batches does not flood the console or `mhc listen`."""

    def __init__(self, on_status: Callable[[ComponentStatus], None] | None) -> None:
        self.on_status = on_status
        self.statuses: dict[str, ComponentStatus] = {}
        self.events_captured = 0
        self.journal_errors = 0
        self.last_event_at: datetime | None = None

    def report(
        self, component: Component, state: State, message: str, *, retry_in: float | None = None,
        holder: str | None = None,
    ) -> None:
        self.report_status(ComponentStatus(component, state, mask(message), retry_in=retry_in, holder=holder))

    def report_status(self, status: ComponentStatus) -> None:
        if status.component == "capture":
            status = replace(status, events_captured=self.events_captured, journal_errors=self.journal_errors,
                             last_event_at=self.last_event_at)
        previous = self.statuses.get(status.component)
        if previous is not None and status.same_state(previous) and (
            previous.events_captured, previous.journal_errors) == (status.events_captured, status.journal_errors):
            return
        self.statuses[status.component] = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("capture: the on_status callback failed")

    def count(self, journaled: int, errors: int, last_event_at: datetime | None) -> None:
        """Events newly journaled by this process: the capture status says so, with the time it changed."""
        if not journaled:
            return
        self.events_captured += journaled
        self.journal_errors += errors
        self.last_event_at = max(filter(None, [self.last_event_at, last_event_at]), default=None)
        current = self.statuses.get("capture")
        if current is not None:
            self.report_status(replace(current, at=datetime.now(UTC)))

    def stopped(self, components: list[Component]) -> None:
        """The end of a run: every component stopped, except one whose token was rejected (that stays said)."""
        for component in components:
            if self.statuses[component].state != "auth_failed":
                self.report(component, "stopped", "stopped")
