"""Alerts on screen, in every console (not only the one that captures): each new alert once, as a
notification, with the terminal bell when its rule asks for one.

The App follows mhc_alerts "fired" and reads the alerts after the last one it announced. It starts from
the newest alert stored when it connects, so alerts fired before the console opened are not announced
again (the inbox keeps them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mhc_core.channels import CHANNEL_ALERTS, FIRED
from mhc_tui.live import Changes, LiveRead, Payload

if TYPE_CHECKING:
    from mhc_core.data.alert_views import AlertView
    from mhc_tui.app import MHCApp

# A burst of alerts (150 whales walking in) is said in at most this many notifications, then one line.
MAX_SHOWN = 5
ALERT_SECONDS = 10.0


def _fired(payload: Payload) -> bool:
    return payload.get("what") == FIRED


class AlertsOnScreen:
    def __init__(self, app: MHCApp) -> None:
        self._app = app
        self.last_seen: int | None = None  # the newest alert announced (or stored when the console connected)
        self.announced = 0
        self.read = LiveRead(app, self._read, self._show, follows={CHANNEL_ALERTS: _fired}, name="alerts")

    def start(self) -> None:
        self.read.request()

    def _read(self, _changes: Changes) -> tuple[int, tuple[AlertView, ...]]:
        data = self._app.data
        if self.last_seen is None:
            newest = data.alerts(limit=1)
            return (newest[0].id if newest else 0), ()
        return self.last_seen, data.alerts(after_id=self.last_seen)

    def _show(self, found: tuple[int, tuple[AlertView, ...]]) -> None:
        after, alerts = found
        if self.last_seen is None:
            self.last_seen = after
            self.read.request()  # anything that fired while the newest was read
            return
        fresh = [a for a in sorted(alerts, key=lambda a: a.id) if a.id > (self.last_seen or 0)]
        if not fresh:
            return
        self.last_seen = fresh[-1].id
        for alert in fresh[-MAX_SHOWN:]:
            self._app.notify(alert.text, title="Alert", severity="warning", timeout=ALERT_SECONDS)
        if len(fresh) > MAX_SHOWN:
            self._app.notify(f"{len(fresh) - MAX_SHOWN} more alerts: i opens the inbox.", title="Alerts",
                             severity="warning", timeout=ALERT_SECONDS)
        self.announced += len(fresh)
        if any(alert.bell for alert in fresh):
            self._app.bell()
