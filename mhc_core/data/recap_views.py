"""What the data door hands out for a session's recap: each figure beside the median of the previous sessions.

No database import here (see mhc_core.data.views): plain frozen data, the JSON shape in `as_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mhc_core.data.views import SessionView, Tipper
from mhc_core.formats import duration, tokens

# The recap's figures, in the order they are shown. Each is a number of the session (so far, while LIVE):
#   duration_seconds   from the start to the end (or to the read)
#   tokens, tips       tipped tokens and tips, as the session's own figures
#   biggest_tip        the largest single tip, in tokens (0 without a tip)
#   follows, unfollows FOLLOW and UNFOLLOW events
#   viewers            persons with any room interaction (captured or imported) in the session
#   new_viewers        viewers whose first room interaction ever is in this session
#   returning_viewers  viewers seen in the room before
#   peak_viewers       the highest Stats API viewer count captured during the session (None: no reading)
#   average_viewers    the mean of those readings, to one decimal (None: no reading)
FIGURES = (
    "duration_seconds", "tokens", "tips", "biggest_tip", "follows", "unfollows", "viewers", "new_viewers",
    "returning_viewers", "peak_viewers", "average_viewers",
)

# How each figure is named on screen and in `mhc session recap` (the JSON keeps the names above).
LABELS = {
    "duration_seconds": "duration", "tokens": "tokens", "tips": "tips", "biggest_tip": "biggest tip",
    "follows": "follows", "unfollows": "unfollows", "viewers": "viewers", "new_viewers": "new viewers",
    "returning_viewers": "returning viewers", "peak_viewers": "peak viewers (Stats API)",
    "average_viewers": "average viewers (Stats API)",
}
TOKEN_FIGURES = ("tokens", "biggest_tip")


def figure_text(name: str, value: int | float | None) -> str:
    """A figure as read: a duration, tokens, a count, an average to one decimal, or "-" for none."""
    if value is None:
        return "-"
    if name == "duration_seconds":
        return duration(value)
    if name == "average_viewers" or (isinstance(value, float) and not value.is_integer()):
        return f"{value:,.1f}"
    return tokens(int(value)) if name in TOKEN_FIGURES else f"{int(value):,}"


@dataclass(frozen=True)
class RecapFigure:
    """One figure: this session's value, and the median of the previous sessions that have it (None: none)."""

    name: str
    value: int | float | None
    median_previous: int | float | None

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def value_text(self) -> str:
        return figure_text(self.name, self.value)

    @property
    def median_text(self) -> str:
        return figure_text(self.name, self.median_previous)

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "median_previous": self.median_previous}


@dataclass(frozen=True)
class RecapView:
    """A session's recap: its figures (excluded persons left out) against its previous sessions.

    `previous_sessions` are the ids compared with (up to five, newest first); `stats_samples` is how many
    Stats API readings with a viewer count the peak and average come from.
    """

    session: SessionView
    figures: tuple[RecapFigure, ...]
    previous_sessions: tuple[int, ...]
    stats_samples: int

    @property
    def live(self) -> bool:
        return self.session.live

    @property
    def top_tippers(self) -> tuple[Tipper, ...]:
        return self.session.top_tippers

    def figure(self, name: str) -> RecapFigure:
        return next(f for f in self.figures if f.name == name)

    def as_json(self) -> dict[str, Any]:
        """RECAP."""
        return {
            "session": self.session.as_json(),
            "figures": {f.name: f.as_json() for f in self.figures},
            "previous_sessions": list(self.previous_sessions),
            "top_tippers": [{"username": t.username, "tokens": t.tokens} for t in self.top_tippers],
            "stats_samples": self.stats_samples,
        }
