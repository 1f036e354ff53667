"""`mhc session recap ID`: a session's figures (so far, while LIVE) beside the median of its previous five."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhc_core.config import Settings
    from mhc_core.data.recap_views import RecapView

def _table(view: RecapView, settings: Settings) -> list[str]:
    from mhc_core.formats import tokens, when

    s = view.session
    head = (f"recap of session {s.id}  {s.status}  started {when(s.started_at, settings.tz, missing='-')}"
            f"  ended {when(s.ended_at, settings.tz, missing='-')}")
    lines = [head + ("  (LIVE: the figures so far)" if view.live else "")]
    n = len(view.previous_sessions)
    lines.append(f"  {'figure':<27} {'this session':>13} {f'median of previous {n}':>22}")
    for f in view.figures:
        lines.append(f"  {f.label:<27} {f.value_text:>13} {f.median_text:>22}")
    if not n:
        lines.append("  no previous session to compare with")
    if view.top_tippers:
        lines.append("  top tippers: " + ", ".join(f"{t.username} ({tokens(t.tokens)})" for t in view.top_tippers))
    lines.append(f"  viewer counts from {view.stats_samples} Stats API reading"
                 f"{'' if view.stats_samples == 1 else 's'} during the session")
    return lines


def cmd_recap(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, door, emit_json, no_session, say

    with door(settings) as data:
        view = data.recap(args.id)
    if view is None:
        raise no_session(args.id)
    if args.json:
        emit_json(view.as_json())
        return EXIT_OK
    for line in _table(view, settings):
        say(line)
    return EXIT_OK


def add_session_actions(ssub: argparse._SubParsersAction) -> None:
    """`recap`, an ACTION of `mhc session` (see SESSION_ACTION_MODULES in mhc_core/cli.py)."""
    from mhc_core.cli import session_id_arg

    sp = ssub.add_parser("recap", help="a session's figures beside the median of the previous five",
                         description="a session's figures (so far, while LIVE) beside the median of the "
                                     "previous five sessions")
    sp.add_argument("id", type=session_id_arg)
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_recap)
