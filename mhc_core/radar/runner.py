"""The radar in the process that holds capture: enrichment of arrivals and the alert engine.

Run beside the listener and the poller while this process holds the capture lock, so each arrival is
enriched once and each alert fired once however many consoles are open (the others read the results
from the database). Both parts work on their own threads and connections: neither ever waits on, or
holds up, the capture's writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from mhc_core.alerts.engine import AlertEngine
from mhc_core.capture.status import ComponentStatus
from mhc_core.config import Settings
from mhc_core.db.engine import Database
from mhc_core.radar.enrichment import Enricher

log = logging.getLogger(__name__)


class Radar:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        report: Callable[[ComponentStatus], None],
        on_alerts: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.enricher = Enricher(settings, db, report=report) if settings.statbate_token is not None else None
        self.engine = AlertEngine(
            settings, db, settled=self.enricher.settled if self.enricher else None, on_alerts=on_alerts
        )

    def saw(self, events: list[dict[str, Any]]) -> None:
        """A batch was committed (the listener's projected events): enrich who is new, evaluate alerts.
        On the event loop; returns at once."""
        if self.enricher is not None:
            self.enricher.want(events)
        self.engine.wake()

    async def run(self) -> None:
        """Until stop(); a part that fails is logged and the other keeps running."""
        parts = [self.engine.run()] + ([self.enricher.run()] if self.enricher else [])
        results = await asyncio.gather(*parts, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("radar: a part stopped: %s", result, exc_info=result)

    def stop(self) -> None:
        if self.enricher is not None:
            self.enricher.stop()
        self.engine.stop()
