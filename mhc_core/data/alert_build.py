"""Alert views from the rows the alert service read."""

from __future__ import annotations

from mhc_core.data.alert_views import AlertView
from mhc_core.services.alerts import AlertRow


def alert(row: AlertRow) -> AlertView:
    return AlertView(id=row.id, rule=row.rule, person_id=row.person_id, username=row.username,
                     event_id=row.event_id, fired_at=row.fired_at, acknowledged_at=row.acknowledged_at,
                     text=row.text, bell=row.bell)
