"""`mhc watchlist ...` (the lists and who is on them) and `mhc tag` / `mhc untag` (a person's attributes).

List names match in any case. An unknown list, a name that is not a username, a list name refused
(taken, a system list renamed or deleted) and a tag that cannot be (bad confidence, evidence naming no
row of the person's) are bad input: exit 2 with one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhc_core.config import Settings
    from mhc_core.data.watchlist_views import MemberView

EVIDENCE_FORMS = ("interaction", "snapshot")


def _usage(exc: Exception) -> Exception:
    from mhc_core.cli import EXIT_USAGE, CommandError

    return CommandError(str(exc), EXIT_USAGE)


def _refusals() -> tuple[type[Exception], ...]:
    """What the door refuses as bad input here (imported on use: `mhc --help` loads no service)."""
    from mhc_core.data.errors import InvalidAttribute, InvalidUsername, UnknownWatchlist
    from mhc_core.services.watchlists import ListRefused

    return (UnknownWatchlist, ListRefused, InvalidUsername, InvalidAttribute)


def _member_line(m: MemberView, settings: Settings) -> str:
    from mhc_core.formats import tokens, when

    seen = when(m.last_interaction_at, settings.tz, missing="-")
    notes = "  notes" if m.has_notes else ""
    return f"  {m.username:<24} {m.online:<10} last {seen:<20} room tokens {tokens(m.room_tokens)}{notes}"


def cmd_watchlist(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, door, emit_json, say

    action = args.watchlist_command
    try:
        with door(settings) as data:
            if action == "list":
                lists = data.watchlists()
                if args.json:
                    emit_json([w.as_json() for w in lists])
                else:
                    for w in lists:
                        say(f"{w.name:<24} {w.members:>6} {'person' if w.members == 1 else 'persons'}"
                            + ("  (system)" if w.system else ""))
            elif action == "show":
                shown = data.watchlist(args.list)
                if args.json:
                    emit_json(shown.as_json())
                else:
                    say(f"{shown.name}{'  (system)' if shown.system else ''}: {len(shown.members)} on it")
                    for member in shown.members:
                        say(_member_line(member, settings))
            elif action in ("add", "remove"):
                change = data.change_watchlist(args.list, args.usernames, action == "add")
                if args.json:
                    emit_json(change.as_json())
                else:
                    done = "added to" if action == "add" else "removed from"
                    say(f"{done} {change.list_name}: {', '.join(change.changed) or 'nobody'}")
                    if change.unchanged:
                        was = "already on it" if action == "add" else "not on it"
                        say(f"  {was}: {', '.join(change.unchanged)}")
                    if change.created:
                        say(f"  new persons: {', '.join(change.created)}")
            elif action == "create":
                made = data.create_watchlist(args.list)
                if args.json:
                    emit_json(made.as_json())
                else:
                    say(f"created list {made.name}")
            elif action == "rename":
                renamed = data.rename_watchlist(args.list, args.new)
                if args.json:
                    emit_json(renamed.as_json())
                else:
                    say(f"renamed to {renamed.name}")
            else:  # delete
                shown = data.watchlist(args.list)
                data.delete_watchlist(shown.id)
                if args.json:
                    emit_json({"deleted": shown.name, "members": len(shown.members)})
                else:
                    say(f"deleted list {shown.name} ({len(shown.members)} taken off it)")
    except _refusals() as exc:
        raise _usage(exc) from None
    return EXIT_OK


def parse_evidence(raw: str | None) -> tuple[str | None, str | None]:
    """`interaction:ID` or `snapshot:ID` as (type, id); None for none (a manual tag). ValueError otherwise."""
    if raw is None:
        return None, None
    kind, _, row_id = raw.strip().partition(":")
    kind = kind.strip().lower()
    if kind == "manual" and not row_id:
        return "manual", None
    if kind not in EVIDENCE_FORMS or not row_id.strip().isdigit():
        raise ValueError(f"--evidence must be interaction:ID or snapshot:ID, not {raw!r}")
    return kind, row_id.strip()


def cmd_tag(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, door, emit_json, no_person, say
    from mhc_core.display import one_line
    from mhc_core.username import require_username

    try:
        name = require_username(args.username)
        evidence_type, evidence_id = parse_evidence(args.evidence)
    except ValueError as exc:
        raise _usage(exc) from None
    try:
        with door(settings) as data:
            saved = data.tag(name, args.key, args.value, confidence=args.confidence,
                             evidence_type=evidence_type or "manual", evidence_id=evidence_id)
    except _refusals() as exc:
        raise _usage(exc) from None
    if saved is None:
        raise no_person(name)
    if args.json:
        emit_json({"username": name, **saved.as_json()})
    else:
        evidence = f", evidence {saved.evidence_type}" + (f" {saved.evidence_id}" if saved.evidence_id else "")
        say(f"{name}: {saved.key} = {one_line(saved.value, 80)} ({saved.confidence}{evidence})")
    return EXIT_OK


def cmd_untag(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, door, emit_json, no_person, say
    from mhc_core.username import require_username

    try:
        name = require_username(args.username)
    except ValueError as exc:
        raise _usage(exc) from None
    key = args.key.strip().lower()
    with door(settings) as data:
        removed = data.untag(name, key)
    if removed is None:
        raise no_person(name)
    if args.json:
        emit_json({"username": name, "key": key, "removed": removed > 0})
    else:
        say(f"{name}: {key} removed" if removed else f"{name} has no {key}")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("watchlist", cmd_watchlist, "watchlists: list, show, add, remove, create, rename, delete")
    wsub = p.add_subparsers(dest="watchlist_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, *arguments: tuple[str, dict[str, Any]]) -> None:
        sp = wsub.add_parser(name, help=help_text, description=help_text)
        for dest, options in arguments:
            sp.add_argument(dest, **options)
        sp.add_argument("--json", action="store_true", help="print JSON")

    the_list = ("list", {"metavar": "LIST", "help": "the list's name (any case)"})
    names = ("usernames", {"metavar": "USERNAME", "nargs": "+"})
    action("list", "every list with how many are on it")
    action("show", "a list with its members: online status, last interaction, room tokens, notes", the_list)
    action("add", "put persons on a list (a name not seen yet becomes a person)", the_list, names)
    action("remove", "take persons off a list", the_list, names)
    action("create", "make a list of your own", the_list)
    action("rename", "rename one of your own lists", the_list, ("new", {"metavar": "NEW"}))
    action("delete", "delete one of your own lists (the persons stay)", the_list)

    p = add("tag", cmd_tag, "set a person's attribute KEY to VALUE (replacing the value KEY had)")
    p.add_argument("username")
    p.add_argument("key")
    p.add_argument("value")
    p.add_argument("--confidence", choices=["low", "medium", "high"], default="medium",
                   help="how sure you are (default medium)")
    p.add_argument("--evidence", metavar="interaction:ID|snapshot:ID",
                   help="the interaction or snapshot of theirs it rests on (default: manual)")

    p = add("untag", cmd_untag, "remove a person's attribute KEY")
    p.add_argument("username")
    p.add_argument("key")
