"""The `mhc` command: the console, headless capture, and scriptable reads and writes with `--json`.

Exit codes: 0 done; 1 a runtime failure (unreachable database, unknown person, rejected token);
2 bad usage or configuration (one line naming the setting).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from mhc_core.config import ConfigError, Settings, load_settings
from mhc_core.redact import mask

log = logging.getLogger("mhc")

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A foreseeable failure: printed as one line, exit code attached."""

    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


# -- output helpers -------------------------------------------------------------------------------


def emit_json(data: Any) -> None:
    print(mask(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def _local(when: str | datetime | None, settings: Settings) -> str:
    if when is None:
        return "-"
    value = datetime.fromisoformat(when) if isinstance(when, str) else when
    return value.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m"


def _print_session(s: dict[str, Any] | None, settings: Settings) -> None:
    if s is None:
        print("no session")
        return
    print(f"session {s['id']}  {s['status']}  ({s['origin']})  started {_local(s['started_at'], settings)}"
          f"  ended {_local(s['ended_at'], settings)}  duration {_duration(s['duration_seconds'])}")
    print(f"  tokens {s['tokens']}  tips {s['tips']}  chat {s['chat_messages']}  PMs {s['private_messages']}"
          f"  chatters {s['unique_chatters']}  follows {s['follows']}  unfollows {s['unfollows']}"
          f"  media tokens {s['media_tokens']}")
    if s["top_tippers"]:
        print("  top tippers: " + ", ".join(f"{t['username']} ({t['tokens']})" for t in s["top_tippers"]))


def _print_person(p: dict[str, Any], settings: Settings) -> None:
    flags = " [excluded]" if p["is_excluded"] else ""
    print(f"{p['username']}  {p['role']}{flags}")
    old = [a["username"] for a in p["aliases"] if a["username"] != p["username"]]
    if old:
        print(f"  also known as: {', '.join(old)}")
    if p.get("did") or p.get("rid"):
        print(f"  did {p.get('did') or '-'}  rid {p.get('rid') or '-'}")
    print(f"  first seen {_local(p['first_seen_at'], settings)}  last seen {_local(p['last_seen_at'], settings)}")
    if p["watchlists"]:
        print(f"  lists: {', '.join(p['watchlists'])}")
    for source, reading in p["snapshots"].items():
        metrics = ", ".join(f"{k}={v}" for k, v in reading["metrics"].items() if v is not None and not isinstance(v, list | dict))
        print(f"  {source} @ {_local(reading['captured_at'], settings)}: {metrics}")
    for item in p["recent_interactions"][:10]:
        print(f"  {_local(item['timestamp'], settings)}  {item['type']:<16} {_one_line(item['content'])[:80]}")


# -- database -------------------------------------------------------------------------------------


def _open_db(settings: Settings):  # type: ignore[no-untyped-def]
    from mhc_core.db import DatabaseUnavailable, migrate, open_database

    try:
        db = open_database(settings)
        migrate.upgrade(db.engine)
    except DatabaseUnavailable as exc:
        raise CommandError(str(exc)) from None
    return db


# -- commands -------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.db import DatabaseUnavailable, migrate, open_database

    try:
        db = open_database(settings)
    except DatabaseUnavailable as exc:
        raise CommandError(str(exc)) from None
    try:
        result = migrate.upgrade(db.engine) if args.db_command == "upgrade" else migrate.status(db.engine)
    finally:
        db.dispose()
    data = {"database": db.where, "current": result.current, "head": result.head, "pending": result.pending,
            "up_to_date": result.up_to_date}
    if args.json:
        emit_json(data)
    else:
        state = "up to date" if result.up_to_date else f"pending: {', '.join(result.pending)}"
        print(f"{db.where}: schema at {result.current or 'nothing'} (head {result.head}), {state}")
    return EXIT_OK


def _read_paste(path: str | None) -> str | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CommandError(f"cannot read paste file {path}: {exc.strerror}", EXIT_USAGE) from None


def cmd_lookup(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from mhc_core.services import lookup as local_lookup
    from mhc_core.services import persons, statbate_lookup

    try:
        role = local_lookup.parse_role(args.role)
        if args.username:
            persons.normalize_username(args.username)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    paste = _read_paste(args.paste_file)
    db = _open_db(settings)
    try:
        try:
            outcome = asyncio.run(statbate_lookup.lookup(
                db, settings, username=args.username, paste=paste, role=role, include_statbate=args.statbate
            ))
        except local_lookup.NothingToLookUp as exc:
            raise CommandError(str(exc), EXIT_USAGE) from None
        data = statbate_lookup.lookup_json(db, outcome)
    finally:
        db.dispose()
    if not args.statbate:
        data.pop("statbate")
    if args.json:
        emit_json(data)
    else:
        _print_person(data["person"], settings)
        if len(outcome.extracted_usernames) > 1:
            print(f"  names in the paste: {', '.join(outcome.extracted_usernames)}")
        for err in data["errors"]:
            print(f"  {err['source']}: {err['message']}", file=sys.stderr)
    return EXIT_OK


def cmd_person(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.services import persons, views

    try:
        persons.normalize_username(args.username)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    db = _open_db(settings)
    try:
        with db.session() as session:
            person = persons.find_person(session, args.username)
            if person is None:
                raise CommandError(f"no person called {args.username.strip().lower()}")
            data = views.person_json(session, person, recent=args.limit)
    finally:
        db.dispose()
    if args.json:
        emit_json(data)
    else:
        _print_person(data, settings)
    return EXIT_OK


def cmd_note(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.services import notes, persons

    text = " ".join(args.text)
    try:
        persons.normalize_username(args.username)
        if not text.strip():
            raise notes.EmptyNote()
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    db = _open_db(settings)
    try:
        with db.session() as session:
            person = persons.find_or_create(session, args.username)
            note = notes.add_note(session, person, text, broadcaster=settings.broadcaster)
            data = {"username": person.username, "note": note.content, "timestamp": note.timestamp.isoformat(),
                    "stream_session_id": note.stream_session_id}
    finally:
        db.dispose()
    if args.json:
        emit_json(data)
    else:
        print(f"noted on {data['username']}")
    return EXIT_OK


def cmd_session(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.services import sessions, views

    db = _open_db(settings)
    try:
        with db.session() as session:
            if args.session_command == "start":
                try:
                    started = sessions.start(session, settings.broadcaster)
                except sessions.SessionError as exc:
                    raise CommandError(str(exc)) from None
                data: Any = {"session": views.session_json(session, started)}
            elif args.session_command == "end":
                try:
                    ended = sessions.end(session, settings.broadcaster)
                except sessions.SessionError as exc:
                    raise CommandError(str(exc)) from None
                data = {"session": views.session_json(session, ended)}
            elif args.session_command == "status":
                live = sessions.current(session, settings.broadcaster)
                data = {"session": views.session_json(session, live) if live else None}
            else:  # show
                found = sessions.get(session, args.id)
                if found is None or found.broadcaster != settings.broadcaster:
                    raise CommandError(f"no session {args.id}")
                data = {"session": views.session_json(session, found, with_interactions=True)}
    finally:
        db.dispose()
    if args.json:
        emit_json(data)
    else:
        _print_session(data["session"], settings)
        for item in (data["session"] or {}).get("interactions", []):
            print(f"  {_local(item['timestamp'], settings)}  {item['username']:<20} {item['type']:<16} "
                  f"{_one_line(item['content'])[:70]}")
    return EXIT_OK


def cmd_sessions(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.services import sessions

    db = _open_db(settings)
    try:
        with db.session() as session:
            listed = sessions.list_sessions(session, settings.broadcaster, limit=args.limit)
            data = [s.as_json() for s in sessions.stats_many(session, listed)]
    finally:
        db.dispose()
    if args.json:
        emit_json(data)
    else:
        if not data:
            print("no sessions yet")
        for s in data:
            _print_session(s, settings)
    return EXIT_OK


def cmd_hudson(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.services import views

    db = _open_db(settings)
    try:
        with db.session() as session:
            data = views.hudson_json(session, settings.broadcaster)
    finally:
        db.dispose()
    if args.json:
        emit_json(data)
        return EXIT_OK
    print(f"{data['broadcaster']}")
    stats = data["stats"]
    if stats:
        shown = ", ".join(f"{k}={v}" for k, v in stats["metrics"].items() if v is not None)
        print(f"  Chaturbate stats @ {_local(stats['captured_at'], settings)}: {shown}")
    else:
        print("  no Chaturbate stats yet")
    print("  current: ", end="")
    _print_session(data["current_session"], settings)
    return EXIT_OK


def cmd_listen(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.capture.headless import run_listen

    return run_listen(settings, jsonl=args.jsonl, verbose=args.verbose)


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from mhc_tui.app import run_console
    except ImportError:
        build_parser().print_help()
        return EXIT_OK
    return run_console(settings, verbose=args.verbose)


# -- parser ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mhc", description="MHC Control Panel: the broadcaster's console.")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more (debug level)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[..., int], help_text: str, *, json_flag: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    add("console", cmd_console, "open the console (the default)", json_flag=False)

    p = add("listen", cmd_listen, "capture the room and poll stats headless (for a server or tmux)",
            json_flag=False)
    p.add_argument("--jsonl", action="store_true", help="one JSON object per event on stdout")

    p = add("db", cmd_db, "database schema: upgrade or status")
    p.add_argument("db_command", choices=["upgrade", "status"])

    p = add("lookup", cmd_lookup, "look a person up by name or from pasted text")
    p.add_argument("username", nargs="?")
    p.add_argument("--role", help="MODEL, VIEWER, BOTH or UNKNOWN (overrides what is inferred)")
    p.add_argument("--paste-file", metavar="PATH", help="a file of pasted text, or - for standard input")
    p.add_argument("--statbate", action="store_true", help="also ask Statbate Premium")

    p = add("person", cmd_person, "show everything stored about a person")
    p.add_argument("username")
    p.add_argument("--limit", type=int, default=20, help="recent interactions to show (default 20)")

    p = add("note", cmd_note, "jot a note on a person")
    p.add_argument("username")
    p.add_argument("text", nargs="+")

    p = add("session", cmd_session, "start, end or show a stream session")
    ssub = p.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    for action in ("start", "end", "status"):
        sp = ssub.add_parser(action, help=f"{action} the session")
        sp.add_argument("--json", action="store_true", help="print JSON")
    sp = ssub.add_parser("show", help="a session with all its interactions")
    sp.add_argument("id", type=int)
    sp.add_argument("--json", action="store_true", help="print JSON")

    p = add("sessions", cmd_sessions, "list recent sessions with their stats")
    p.add_argument("--limit", type=int, default=20)

    add("hudson", cmd_hudson, "the broadcaster's own view: stats, sessions, recent activity")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = cmd_console
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"mhc: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from mhc_core.logs import configure

    configure(settings, stderr=args.func is not cmd_console, verbose=args.verbose)
    try:
        return args.func(args, settings)
    except CommandError as exc:
        print(f"mhc: {mask(str(exc))}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except DBAPIError as exc:  # the database went away mid-command: say so, keep the traceback in the log
        log.error("database error", exc_info=True)
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        print(f"mhc: database error: {mask(reason[-1] if reason else type(exc).__name__)}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
