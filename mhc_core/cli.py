"""The `mhc` command: the console, headless capture, and scriptable reads and writes with `--json`.

Exit codes: 0 done (a lookup whose Statbate part failed included: see `errors`; a reader that
closed the pipe early); 1 a runtime failure (unreachable database or a database error, unknown
person or session, a paste naming nobody, anything unexpected); 2 bad usage or configuration
(an argument out of range, a paste or note that is not text, a paste over 1 MB). Every failure is
one line on stderr; a traceback, when there is one, goes only to the log file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from mhc_core.closed_pipe import discard_rest
from mhc_core.display import one_line, printable
from mhc_core.formats import duration, error_reason, tokens, when
from mhc_core.redact import mask
from mhc_core.username import require_username

if TYPE_CHECKING:
    from mhc_core.config import Settings
    from mhc_core.data.door import Data
    from mhc_core.data.views import PersonView, SessionDetail, SessionView

log = logging.getLogger("mhc")

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# --limit: how many sessions or interactions to show. More than this is no longer a screenful to read.
MAX_LIMIT = 10_000
# stream_sessions.id is a Postgres bigint identity starting at 1.
MAX_SESSION_ID = 2**63 - 1
# Extra on a log record whose failure was already told in one line: the stderr handler skips it.
FILE_ONLY = {"file_only": True}
NOBODY_IN_PASTE = "no username found in the paste"
# Modules of mhc_core.commands, each with `add_commands(sub, add)`, in the order `mhc --help` lists them.
COMMAND_MODULES: tuple[str, ...] = ("search", "transcript", "export", "watchlists", "alerts", "config", "setup")
# Modules of mhc_core.commands with `add_session_actions(ssub)`: more ACTIONs of `mhc session`.
SESSION_ACTION_MODULES: tuple[str, ...] = ("recap",)

# Runs the console until the operator quits (settings, verbose) and returns the exit code. The program
# (`mhc.main`) supplies it, so the core never imports a UI; without one, `mhc` prints its help.
ConsoleRunner = Callable[["Settings", bool], int]


class CommandError(Exception):
    """A foreseeable failure: printed as one line, exit code attached."""

    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


def no_person(name: str) -> CommandError:
    """The one line for a name nobody has had (exit 1)."""
    return CommandError(f"no person called {name.strip().lower()}")


def no_session(session_id: int) -> CommandError:
    """The one line for a session id that is not this broadcaster's (exit 1)."""
    return CommandError(f"no session {session_id}")


# -- output helpers -------------------------------------------------------------------------------


def emit_json(data: Any) -> None:
    """Exact JSON: every non-ASCII character is a \\u escape, so no control (C1, bidi) reaches the
    terminal, a lone surrogate cannot fail to encode, and a decoder gets back the very text stored."""
    print(mask(json.dumps(data, indent=2, ensure_ascii=True, default=str)))


def say(line: str = "", *, err: bool = False) -> None:
    """One human-readable line; outside text in it (chat, names, Statbate fields) is made inert."""
    print(printable(mask(line)), file=sys.stderr if err else sys.stdout)


def _local(value: str | datetime | None, settings: Settings) -> str:
    return when(value, settings.tz, missing="-")  # plain ASCII: these lines are often read by scripts


def _session_lines(s: SessionView | None, settings: Settings) -> list[str]:
    if s is None:
        return ["no session"]
    lines = [
        f"session {s.id}  {s.status}  ({s.origin})  started {_local(s.started_at, settings)}"
        f"  ended {_local(s.ended_at, settings)}  duration {duration(s.duration_seconds)}",
        f"  tokens {tokens(s.tokens)}  tips {s.tips}  chat {s.chat_messages}  PMs {s.private_messages}"
        f"  chatters {s.unique_chatters}  follows {s.follows}  unfollows {s.unfollows}"
        f"  media tokens {tokens(s.media_tokens)}",
    ]
    if s.top_tippers:
        lines.append("  top tippers: " + ", ".join(f"{t.username} ({tokens(t.tokens)})" for t in s.top_tippers))
    return lines


def _print_session(s: SessionView | None, settings: Settings) -> None:
    for line in _session_lines(s, settings):
        say(line)


def _metrics(metrics: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={one_line(v)}" for k, v in metrics.items()
                     if v is not None and not isinstance(v, list | dict))


def _print_person(p: PersonView, settings: Settings) -> None:
    flags = " [excluded]" if p.is_excluded else ""
    say(f"{p.username}  {p.role}{flags}")
    old = [a.username for a in p.aliases if a.username != p.username]
    if old:
        say(f"  also known as: {', '.join(old)}")
    if p.did or p.rid:
        say(f"  did {p.did or '-'}  rid {p.rid or '-'}")
    say(f"  first seen {_local(p.first_seen_at, settings)}  last seen {_local(p.last_seen_at, settings)}")
    if p.list_names:
        say(f"  lists: {', '.join(p.list_names)}")
    for reading in p.readings:
        say(f"  {reading.source} @ {_local(reading.captured_at, settings)}: {_metrics(reading.metrics)}")
    for item in p.recent_interactions[:10]:
        say(f"  {_local(item.timestamp, settings)}  {item.type:<16} {one_line(item.content, 80)}")


# -- database -------------------------------------------------------------------------------------


@contextmanager
def door(settings: Settings) -> Iterator[Data]:
    """The data door on a database brought up to date; the connections are closed when done."""
    from mhc_core.data.door import Data
    from mhc_core.db import migrate, open_database

    db = open_database(settings)
    try:
        migrate.upgrade(db.engine)
        yield Data(db, settings)
    finally:
        db.dispose()


# -- commands -------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.db import migrate, open_database

    db = open_database(settings)
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
        say(f"{db.where}: schema at {result.current or 'nothing'} (head {result.head}), {state}")
    return EXIT_OK


def read_paste(path: str | None) -> str | None:
    """The paste named by --paste-file (a file, or - for standard input), checked to be storable text."""
    from mhc_core.services import lookup as local_lookup

    if path is None:
        return None
    # One byte past the limit tells a paste is too large, without reading (or holding) the rest.
    size = local_lookup.PASTE_MAX_BYTES + 1
    if path == "-":
        if sys.stdin is None:
            raise CommandError("no standard input to read the paste from", EXIT_USAGE)
        try:
            raw = sys.stdin.buffer.read(size)
        except OSError as exc:
            raise CommandError(f"cannot read the paste from standard input: {exc.strerror or exc}",
                               EXIT_USAGE) from None
    else:
        try:
            with open(path, "rb") as file:
                raw = file.read(size)
        except OSError as exc:
            raise CommandError(f"cannot read paste file {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    try:
        return local_lookup.paste_text(raw)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def _nobody_in_paste(args: argparse.Namespace) -> int:
    """A paste that names nobody: nothing found (exit 1), still answered in the lookup's JSON shape."""
    if not args.json:
        raise CommandError(NOBODY_IN_PASTE)
    data: dict[str, Any] = {"person": None, "extracted_usernames": [],
                            "errors": [{"source": "extract", "message": NOBODY_IN_PASTE}]}
    if args.statbate:
        data["statbate"] = {}
    emit_json(data)
    return EXIT_FAIL


def cmd_lookup(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.data.errors import NothingToLookUp
    from mhc_core.services import lookup as local_lookup

    try:
        role = local_lookup.parse_role(args.role)
        if args.username:
            require_username(args.username)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    paste = read_paste(args.paste_file)
    with door(settings) as data:
        try:
            found = data.lookup(args.username, paste=paste, role=role, statbate=args.statbate)
        except NothingToLookUp as exc:
            if args.paste_file is not None:
                return _nobody_in_paste(args)
            raise CommandError(str(exc), EXIT_USAGE) from None
    if args.json:
        emit_json(found.as_json(with_statbate=args.statbate))
    else:
        _print_person(found.person, settings)
        if len(found.extracted_usernames) > 1:
            say(f"  names in the paste: {', '.join(found.extracted_usernames)}")
        for problem in found.problems:
            say(f"  {problem.source}: {problem.message}", err=True)
    return EXIT_OK


def cmd_person(args: argparse.Namespace, settings: Settings) -> int:
    try:
        require_username(args.username)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    with door(settings) as data:
        found = data.person(args.username, recent=args.limit, notes=0, room=False, analysis=args.json)
    if found is None:
        raise no_person(args.username)
    if args.json:
        emit_json(found.as_json())
    else:
        _print_person(found, settings)
    return EXIT_OK


def cmd_note(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.services import interactions, notes

    try:
        require_username(args.username)
        text = interactions.storable_text(" ".join(args.text), "the note")
        if not text.strip():
            raise notes.EmptyNote()
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    with door(settings) as data:
        note = data.add_note(args.username, text)
    if args.json:
        emit_json(note.as_json())
    else:
        say(f"noted on {note.username}")
    return EXIT_OK


def cmd_session(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.data.errors import SessionError

    detail: SessionDetail | None = None
    shown: SessionView | None
    with door(settings) as data:
        try:
            if args.session_command == "start":
                shown = data.start_session()
            elif args.session_command == "end":
                shown = data.end_session()
            elif args.session_command == "status":
                shown = data.current_session()
            else:  # show
                detail = data.session(args.id)
                if detail is None:
                    raise no_session(args.id)
                shown = detail.session
        except SessionError as exc:
            raise CommandError(str(exc)) from None
    if args.json:
        emit_json({"session": detail.as_json() if detail else shown.as_json() if shown else None})
    else:
        _print_session(shown, settings)
        for item in detail.interactions if detail else ():
            say(f"  {_local(item.timestamp, settings)}  {item.username:<20} {item.type:<16} "
                f"{one_line(item.content, 70)}")
    return EXIT_OK


def cmd_sessions(args: argparse.Namespace, settings: Settings) -> int:
    with door(settings) as data:
        page = data.sessions(limit=args.limit)
    if args.json:
        emit_json(page.as_json())
    else:
        if not page.sessions:
            say("no sessions yet")
        for s in page.sessions:
            _print_session(s, settings)
    return EXIT_OK


def cmd_hudson(args: argparse.Namespace, settings: Settings) -> int:
    with door(settings) as data:
        view = data.hudson()
    if args.json:
        emit_json(view.as_json())
        return EXIT_OK
    say(f"{view.broadcaster}")
    stats = view.stats
    if stats:
        say(f"  Chaturbate stats @ {_local(stats.captured_at, settings)}: {_metrics(stats.metrics)}")
    else:
        say("  no Chaturbate stats yet")
    current = _session_lines(view.current_session, settings)
    say(f"  current: {current[0]}")
    for line in current[1:]:
        say(line)
    return EXIT_OK


def cmd_listen(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.capture.headless import run_listen

    return run_listen(settings, jsonl=args.jsonl, verbose=args.verbose)


def _console_command(console: ConsoleRunner | None) -> Callable[[argparse.Namespace, Settings], int]:
    def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
        if console is None:
            build_parser().print_help()
            return EXIT_OK
        return console(settings, args.verbose)

    return cmd_console


# -- parser ---------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """A usage error is one line (what is wrong, where to read more) and exit 2, like every refusal."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {printable(message)} (see {self.prog} --help)\n")


def whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high], checked as it is read (never reaches SQL out of range)."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} from {low} to {high}, not {one_line(raw, 40)!r}")
        return value

    return parse


limit_arg = whole_number(1, MAX_LIMIT, "must be a whole number")
session_id_arg = whole_number(1, MAX_SESSION_ID, "must be a session id")


def build_parser(console: ConsoleRunner | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="mhc", description="MHC Control Panel: the broadcaster's console.")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more (debug level)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[..., int], help_text: str, *, json_flag: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    add("console", _console_command(console), "open the console (the default)", json_flag=False)

    p = add("listen", cmd_listen, "capture the room and poll stats headless (for a server or tmux)",
            json_flag=False)
    p.add_argument("--jsonl", action="store_true", help="one JSON object per event on stdout")

    p = add("db", cmd_db, "database schema: upgrade or status")
    p.add_argument("db_command", choices=["upgrade", "status"])

    p = add("lookup", cmd_lookup, "look a person up by name or from pasted text")
    p.add_argument("username", nargs="?")
    p.add_argument("--role", help="MODEL, VIEWER, BOTH or UNKNOWN (overrides what is inferred)")
    p.add_argument("--paste-file", metavar="PATH",
                   help="a file of pasted text (UTF-8, at most 1 MB), or - for standard input")
    p.add_argument("--statbate", action="store_true", help="also ask Statbate Premium")

    p = add("person", cmd_person, "show everything stored about a person")
    p.add_argument("username")
    p.add_argument("--limit", type=limit_arg, default=20, metavar="N",
                   help=f"recent interactions to show, 1-{MAX_LIMIT} (default 20)")

    p = add("note", cmd_note, "jot a note on a person")
    p.add_argument("username")
    p.add_argument("text", nargs="+")

    p = add("session", cmd_session, "start, end or show a stream session")
    ssub = p.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    for action in ("start", "end", "status"):
        sp = ssub.add_parser(action, help=f"{action} the session")
        sp.add_argument("--json", action="store_true", help="print JSON")
    sp = ssub.add_parser("show", help="a session with all its interactions")
    sp.add_argument("id", type=session_id_arg)
    sp.add_argument("--json", action="store_true", help="print JSON")
    for name in SESSION_ACTION_MODULES:
        importlib.import_module(f"mhc_core.commands.{name}").add_session_actions(ssub)

    p = add("sessions", cmd_sessions, "list recent sessions with their stats")
    p.add_argument("--limit", type=limit_arg, default=20, metavar="N", help=f"how many, 1-{MAX_LIMIT} (default 20)")

    add("hudson", cmd_hudson, "the broadcaster's own view: stats, sessions, recent activity")

    # The commands of the broadcaster's memory, each area in its own module (mhc_core/commands/).
    # Imported here, after this module has loaded, so they can use its helpers; each is light to import.
    for name in COMMAND_MODULES:
        importlib.import_module(f"mhc_core.commands.{name}").add_commands(sub, add)
    return parser


# -- failures -------------------------------------------------------------------------------------


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    say(f"mhc: {message}", err=True)
    return code


def _logged_failure(message: str, log_path: str | None) -> int:
    """A failure with a traceback worth keeping: the traceback to the log file, one line to the user."""
    log.error("%s", message, exc_info=True, extra=FILE_ONLY)
    return _fail(f"{message} (details in {log_path})" if log_path else message)


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def _database_failure(exc: Exception, log_path: str | None) -> int | None:
    """The one line for a database that cannot be reached or failed mid-command; None for anything else.

    Only a command that used the database can raise these, so the database layer is imported here only
    when it is already loaded: `--help` and usage errors never pay for SQLAlchemy.
    """
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DBAPIError

    from mhc_core.db import DatabaseUnavailable

    if isinstance(exc, DatabaseUnavailable):
        return _fail(str(exc))
    if isinstance(exc, DBAPIError):  # the database failed mid-command
        return _logged_failure(f"database error: {error_reason(exc)}", log_path)
    return None


def _run(argv: Sequence[str] | None, console: ConsoleRunner | None) -> int:
    try:
        args = build_parser(console).parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already said in one line
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    # Imported on use: parsing and --help load neither pydantic nor the database layer.
    from mhc_core.config import TOKEN_FIELDS, ConfigError, load_settings
    from mhc_core.logs import configure

    opens_console = args.command in (None, "console")
    if args.command is None:
        args.func = _console_command(console)
    try:
        settings = load_settings()
    except ConfigError as exc:
        if args.command != "setup":
            print(f"mhc: {exc}", file=sys.stderr)
            return EXIT_USAGE
        # Setup is how a broken token gets mended, so it goes on without the tokens it was given.
        try:
            settings = load_settings(**dict.fromkeys(TOKEN_FIELDS))
        except ConfigError:
            print(f"mhc: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"mhc: {exc} (setup goes on without the configured tokens)", file=sys.stderr)
    log_path = configure(settings, stderr=not opens_console, verbose=args.verbose)
    try:
        code = args.func(args, settings)
        sys.stdout.flush()  # a closed pipe is found here, inside the handlers, not at interpreter exit
        return code
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    except ConfigError as exc:  # a setting only the command checks (the console's theme and [keys])
        return _fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # not a failure: main's
    except OSError as exc:
        return _logged_failure(_os_reason(exc), log_path)
    except Exception as exc:  # noqa: BLE001 - a bug: still one line for the user, the whole story in the log
        told = _database_failure(exc, log_path)
        if told is not None:
            return told
        return _logged_failure(f"unexpected error: {type(exc).__name__}: {exc}", log_path)


def main(argv: Sequence[str] | None = None, *, console: ConsoleRunner | None = None) -> int:
    """`mhc`: the one place where any failure becomes one line on stderr and an exit code.

    `console` opens the console for `mhc` and `mhc console`; the headless commands never call it.
    """
    try:
        return _run(argv, console)
    except BrokenPipeError:
        # The reader stopped reading (`| head`): it has what it wanted, so this is not a failure.
        discard_rest(sys.stdout)
        return EXIT_OK

