"""`mhc export session|person`: every interaction of a session or a person, as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhc_core.config import Settings
    from mhc_core.data.export_views import Export


def _to_stdout(export: Export, fmt: str) -> None:
    """Exact bytes into a file or pipe; on a terminal, outside text made inert (it is someone's chat)."""
    from mhc_core.display import printable

    if sys.stdout.isatty():
        shown = (printable(export.csv_text(bom=False, lineterminator="\n"), one_line=False) if fmt == "csv"
                 else export.json_text(ascii_only=True))
        sys.stdout.write(shown)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(export.text(fmt).encode("utf-8"))
    sys.stdout.buffer.flush()


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from mhc_core.cli import EXIT_OK, EXIT_USAGE, CommandError, door, no_person, no_session, say
    from mhc_core.export_files import FileExists, write_export
    from mhc_core.username import InvalidUsername, require_username

    if args.export_command == "person":
        try:
            name = require_username(args.username)
        except InvalidUsername as exc:
            raise CommandError(str(exc), EXIT_USAGE) from None
    with door(settings) as data:
        if args.export_command == "session":
            export = data.export_session(args.id)
            if export is None:
                raise no_session(args.id)
        else:
            export = data.export_person(name)
            if export is None:
                raise no_person(name)
    if args.output is None:
        _to_stdout(export, args.format)
        return EXIT_OK
    path = Path(args.output)
    try:
        write_export(export, args.format, path, force=args.force)
    except FileExists as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    say(f"{len(export.rows)} interactions written to {path}")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction, add: Callable[..., argparse.ArgumentParser]) -> None:
    from mhc_core.cli import session_id_arg

    p = add("export", cmd_export, "export every interaction of a session or a person as CSV or JSON",
            json_flag=False)
    esub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    sp = esub.add_parser("session", help="every interaction of a session, oldest first")
    sp.add_argument("id", type=session_id_arg)
    pp = esub.add_parser("person", help="every interaction of a person (any name they have had), oldest first")
    pp.add_argument("username")
    for each in (sp, pp):
        each.add_argument("--format", choices=("csv", "json"), required=True,
                          help="csv (UTF-8 with a byte-order mark, for spreadsheets) or json (an array)")
        each.add_argument("--output", metavar="PATH", help="write to this file instead of standard output")
        each.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
