"""`mhc session recap ID`: a session's figures (so far, while LIVE) beside the median of its previous five."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhc_core.config import Settings
    from mhc_core.data.recap_views import RecapFigure, RecapView

# How each figure is labelled in the table (the JSON keeps the names of mhc_core.data.recap_views.FIGURES).
LABELS = {
    "duration_seconds": "duration", "tokens": "tokens", "tips": "tips", "biggest_tip": "biggest tip",
    "follows": "follows", "unfollows": "unfollows", "viewers": "viewers", "new_viewers": "new viewers",
    "returning_viewers": "returning viewers", "peak_viewers": "peak viewers",
    "average_viewers": "average viewers",
}
TOKEN_FIGURES = ("tokens", "biggest_tip")


def _shown(name: str, value: int | float | None) -> str:
    from mhc_core.formats import duration, tokens

    if value is None:
        return "-"
    if name == "duration_seconds":
        return duration(value)
    if name == "average_viewers" or (isinstance(value, float) and not value.is_integer()):
        return f"{value:,.1f}"
    return tokens(int(value)) if name in TOKEN_FIGURES else f"{int(value):,}"


def _table(view: RecapView, settings: Settings) -> list[str]:
    from mhc_core.formats import tokens, when

    s = view.session
    head = (f"recap of session {s.id}  {s.status}  started {when(s.started_at, settings.tz, missing='-')}"
            f"  ended {when(s.ended_at, settings.tz, missing='-')}")
    lines = [head + ("  (LIVE: the figures so far)" if view.live else "")]
    n = len(view.previous_sessions)
    lines.append(f"  {'figure':<18} {'this session':>13} {f'median of previous {n}':>22}")
    rows: tuple[RecapFigure, ...] = view.figures
    for f in rows:
        lines.append(f"  {LABELS[f.name]:<18} {_shown(f.name, f.value):>13} "
                     f"{_shown(f.name, f.median_previous):>22}")
    if not n:
        lines.append("  no previous session to compare with")
    if view.top_tippers:
        lines.append("  top tippers: " + ", ".join(f"{t.username} ({tokens(t.tokens)})" for t in view.top_tippers))
    lines.append(f"  viewer counts from {view.stats_samples} Stats API reading"
                 f"{'' if view.stats_samples == 1 else 's'} during the session")
    return lines


def cmd_recap(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, CommandError, door, emit_json, say

    with door(settings) as data:
        view = data.recap(args.id)
    if view is None:
        raise CommandError(f"no session {args.id}")
    if args.json:
        emit_json(view.as_json())
        return EXIT_OK
    for line in _table(view, settings):
        say(line)
    return EXIT_OK


def add_session_actions(ssub: argparse._SubParsersAction) -> None:
    """`recap`, an ACTION of `mhc session` (see SESSION_ACTION_MODULES in mhc_core/cli.py)."""
    from mhc_core.cli import _session_id

    sp = ssub.add_parser("recap", help="a session's figures beside the median of the previous five",
                         description="a session's figures (so far, while LIVE) beside the median of the "
                                     "previous five sessions")
    sp.add_argument("id", type=_session_id)
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_recap)
