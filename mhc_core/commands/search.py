"""`mhc search`: full-text search over every stored chat line, private message, tip message, note and
imported line, newest first, a page at a time."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhc_core.config import Settings

DEFAULT_LIMIT = 50
# Where a page may start: far past any screenful, still a plain integer for Postgres.
MAX_OFFSET = 10_000_000


def parse_time(raw: str, tz: tzinfo | None, *, end: bool = False) -> datetime:
    """YYYY-MM-DD (the start of that day; with `end`, the start of the next, so the day is included) or
    an ISO 8601 date and time; without a zone, in `tz` (None: the system's). ValueError otherwise."""
    text = raw.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime.combine(day + timedelta(days=1) if end else day, time())
    else:
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz) if tz is not None else moment.astimezone()
    return moment


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, EXIT_USAGE, CommandError, door, emit_json, say
    from mhc_core.data.search_views import UnknownPerson, UnknownSearchType, search_type
    from mhc_core.display import one_line
    from mhc_core.formats import tokens, when
    from mhc_core.username import InvalidUsername, require_username

    text = " ".join(args.text)
    try:
        types = sorted({search_type(name) for raw in args.type or () for name in raw.split(",")})
        if args.username is not None:
            require_username(args.username)
    except (UnknownSearchType, InvalidUsername) as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    since = until = None
    for flag, raw, end in (("--since", args.since, False), ("--until", args.until, True)):
        if raw is None:
            continue
        try:
            moment = parse_time(raw, settings.tz, end=end)
        except ValueError:
            raise CommandError(f"{flag} {one_line(raw, 40)!r}: not a date (YYYY-MM-DD or an ISO date and time)",
                               EXIT_USAGE) from None
        since, until = (since, moment) if end else (moment, until)
    if since is not None and until is not None and since >= until:
        raise CommandError("--since is not before --until: nothing can match", EXIT_USAGE)
    with door(settings) as data:
        try:
            page = data.search(text, username=args.username, types=types or None, since=since, until=until,
                               limit=args.limit, offset=args.offset)
        except UnknownPerson as exc:
            raise CommandError(str(exc)) from None
    if args.json:
        emit_json(page.as_json())
        return EXIT_OK
    if not page.hits:
        say("no matches" if page.offset == 0 else "no more matches")
    for hit in page.hits:
        who = hit.username + (" [excluded]" if hit.excluded else "")
        said = one_line(hit.content, 80)
        if hit.tokens is not None:
            said = f"{tokens(int(hit.tokens))} tokens" + (f" - {said}" if said else "")
        session = f"  [session {hit.stream_session_id}]" if hit.stream_session_id else ""
        say(f"{when(hit.timestamp, settings.tz)}  {hit.type:<16} {who:<24} {said}{session}")
    if page.more:
        say(f"more: --offset {page.next_offset}")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction, add: Callable[..., argparse.ArgumentParser]) -> None:
    from mhc_core.cli import MAX_LIMIT, whole_number

    p = add("search", cmd_search, "full-text search of stored chat, PMs, tip messages, notes and imported lines")
    p.add_argument("text", nargs="+", metavar="TEXT",
                   help='words that must all be there ("a phrase", or, -left out); the last may be a prefix')
    p.add_argument("--username", metavar="U", help="only lines of this person (any name they have had)")
    p.add_argument("--type", action="append", metavar="T",
                   help="CHAT_MESSAGE (chat), PRIVATE_MESSAGE (pm), TIP_EVENT (tip), MANUAL_NOTE (note), "
                        "CHAT_IMPORT (import); repeat or comma-separate for several")
    p.add_argument("--since", metavar="DATE", help="from this day (YYYY-MM-DD) or ISO time, in MHC_TIMEZONE")
    p.add_argument("--until", metavar="DATE", help="up to this day, included, or before this ISO time")
    p.add_argument("--limit", type=whole_number(1, MAX_LIMIT, "must be a whole number"), default=DEFAULT_LIMIT,
                   metavar="N", help=f"how many, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT})")
    p.add_argument("--offset", type=whole_number(0, MAX_OFFSET, "must be a whole number"), default=0, metavar="N",
                   help="skip this many (the next page starts where `more:` says)")
