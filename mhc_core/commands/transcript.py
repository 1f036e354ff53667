"""`mhc import transcript`: a pasted Chaturbate chat transcript stored into a chosen session."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhc_core.config import Settings


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, door, emit_json, no_session, read_paste, say
    from mhc_core.display import one_line

    text = read_paste(args.file)  # at most 1 MB of UTF-8 text, or exit 2
    assert text is not None
    with door(settings) as data:
        done = data.import_transcript(args.session, text)
    if done is None:
        raise no_session(args.session)
    if args.json:
        emit_json(done.as_json())
        return EXIT_OK
    say(done.summary())
    if done.persons:
        say(f"  names: {', '.join(done.persons)}")
    for line in done.unreadable_lines:
        say(f"  unreadable: {one_line(line, 100)}")
    if done.unreadable > len(done.unreadable_lines):
        say(f"  … and {done.unreadable - len(done.unreadable_lines)} more unreadable")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction, add: Callable[..., argparse.ArgumentParser]) -> None:
    from mhc_core.cli import session_id_arg

    p = add("import", cmd_import, "import into the database: a pasted chat transcript", json_flag=False)
    isub = p.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    tp = isub.add_parser("transcript", help="a chat transcript copied from the browser, into a session",
                         description="Store a pasted Chaturbate chat transcript into a session as imported "
                                     "lines (CHAT_IMPORT); importing the same transcript again adds nothing.")
    tp.add_argument("file", metavar="FILE", help="the transcript (UTF-8 text, at most 1 MB), or - for standard input")
    tp.add_argument("--session", type=session_id_arg, required=True, metavar="ID", help="the session to import into")
    tp.add_argument("--json", action="store_true", help="print JSON")
