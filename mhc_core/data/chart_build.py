"""The charts view built from the session_charts service (as in build.py): empty buckets filled here."""

from __future__ import annotations

import math

from mhc_core.data.chart_views import BUCKET_MINUTES, SessionChartsView, SessionTokens, ViewerPoint
from mhc_core.services.session_charts import Charts, ChartSession


def _tokens(found: ChartSession, charts: Charts) -> SessionTokens:
    end = found.ended_at or charts.now
    span = max(0.0, (end - found.started_at).total_seconds())
    count = max(math.ceil(span / (60 * BUCKET_MINUTES)), max(found.buckets, default=-1) + 1, 1)
    return SessionTokens(session_id=found.id, started_at=found.started_at, ended_at=found.ended_at,
                         live=found.live, tokens=tuple(found.buckets.get(i, 0) for i in range(count)),
                         span_minutes=round(span / 60, 1))


def session_charts(charts: Charts) -> SessionChartsView:
    current = charts.session
    if current is None:
        return SessionChartsView(session=None, previous=None, viewers=())
    return SessionChartsView(
        session=_tokens(current, charts),
        previous=_tokens(charts.previous, charts) if charts.previous else None,
        viewers=tuple(ViewerPoint(at, round((at - current.started_at).total_seconds() / 60, 1), count)
                      for at, count in charts.viewers),
    )
