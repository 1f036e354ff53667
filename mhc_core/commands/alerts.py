"""`mhc alerts [--since DATE] [--unacknowledged] [--json]`: the alerts fired, newest first."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhc_core.config import Settings

# At most this many alerts are listed: more is no longer a screenful to read.
LIMIT = 10_000


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, EXIT_USAGE, CommandError, door, emit_json, say
    from mhc_core.commands.search import parse_time
    from mhc_core.display import one_line
    from mhc_core.formats import when

    since = None
    if args.since is not None:
        try:
            since = parse_time(args.since, settings.tz, end=False)
        except ValueError:
            raise CommandError(f"--since {one_line(args.since, 40)!r}: not a date (YYYY-MM-DD or an ISO date "
                               "and time)", EXIT_USAGE) from None
    with door(settings) as data:
        found = data.alerts(since=since, unacknowledged=args.unacknowledged, limit=LIMIT)
    if args.json:
        emit_json([a.as_json() for a in found])
        return EXIT_OK
    if not found:
        say("no alerts")
    for a in found:
        seen = "" if a.acknowledged_at is None else "  (acknowledged)"
        say(f"{when(a.fired_at, settings.tz)}  {a.rule}: {one_line(a.text)}{seen}")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("alerts", cmd_alerts, "the alerts fired, newest first")
    p.add_argument("--since", metavar="DATE", help="fired from this day (YYYY-MM-DD) or ISO time, in MHC_TIMEZONE")
    p.add_argument("--unacknowledged", action="store_true", help="only those not acknowledged in the inbox")
