"""The recap view built from the recap service's figures (as in build.py): the medians are taken here."""

from __future__ import annotations

import statistics

from mhc_core.data import build
from mhc_core.data.recap_views import FIGURES, RecapFigure, RecapView
from mhc_core.services.recap import Recap, RecapFigures


def _value(figures: RecapFigures, name: str) -> int | float | None:
    if name == "returning_viewers":
        return figures.returning_viewers
    if hasattr(figures, name):
        value: int | float | None = getattr(figures, name)
        return value
    value = getattr(figures.stats, name)
    return value


def _median(values: list[int | float | None]) -> int | float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def recap(found: Recap) -> RecapView:
    figures = tuple(
        RecapFigure(name, _value(found.session, name), _median([_value(p, name) for p in found.previous]))
        for name in FIGURES
    )
    return RecapView(
        session=build.session(found.session.stats),
        figures=figures,
        previous_sessions=tuple(p.stats.session.id for p in found.previous),
        stats_samples=found.session.stats_samples,
    )
