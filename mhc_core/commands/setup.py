"""`mhc setup`: the setup screen's work without the console, asked in the terminal or given as flags.

Both ways go through mhc_core.setup.pasted, the rule the screen uses: what each field takes, the one
harmless call that tries it, and what saving writes. A rejected token is not saved (exit 1); an
unreachable one is, with a line saying it could not be tried. A setting that comes from the environment
or `.env` is not asked for: that value wins over the file, so it must be changed where it is set.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mhc_core.setup.fields import APIS, FIELD_OF, PASTE_HINT, WHERE_TO_FIND, set_elsewhere

if TYPE_CHECKING:
    from mhc_core.clients.errors import Source
    from mhc_core.config import Settings
    from mhc_core.setup.pasted import Pasted
    from mhc_core.setup.save import Saved
    from mhc_core.setup.token_checks import TokenCheck

FLAG_OF: dict[Source, str] = {"events": "--events-url", "stats": "--stats-token", "statbate": "--statbate-token"}
PROMPT_OF: dict[Source, str] = {"events": "Events API URL (or the token)", "stats": "Stats API token",
                                "statbate": "Statbate token"}
TRIES = 3  # answers asked for one field before setup moves on to the next
NO_TERMINAL = ("mhc setup asks in a terminal: run it in one, or give --events-url, --stats-token "
               "or --statbate-token")


def _usage(message: str) -> Exception:
    from mhc_core.cli import EXIT_USAGE, CommandError

    return CommandError(message, EXIT_USAGE)


# -- flags ----------------------------------------------------------------------------------------


def _flag_texts(args: argparse.Namespace) -> dict[Source, str]:
    """What each value flag gave; `-` reads that one from standard input (keeps it out of `ps`)."""
    flags: tuple[tuple[Source, str | None], ...] = (("events", args.events_url), ("stats", args.stats_token),
                                                    ("statbate", args.statbate_token))
    given = {api: text for api, text in flags if text is not None}
    from_stdin = [api for api, text in given.items() if text == "-"]
    if len(from_stdin) > 1:
        raise _usage("only one of --events-url, --stats-token and --statbate-token can be - (standard input)")
    for api in from_stdin:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line.strip():
            raise _usage(f"{FLAG_OF[api]} -: standard input held nothing")
        given[api] = line
    return given


def _read_flags(given: dict[Source, str], settings: Settings) -> list[Pasted]:
    from mhc_core.setup.events_url import PastedValueError
    from mhc_core.setup.pasted import read_pasted

    read: list[Pasted] = []
    for api in APIS:  # events first: a Stats or Statbate token belongs to the room its URL names
        if api not in given:
            continue
        try:
            read.append(read_pasted(api, given[api], settings, broadcaster=_broadcaster(read)))
        except PastedValueError as exc:
            raise _usage(f"{FLAG_OF[api]}: {exc}") from None
    return read


def _broadcaster(read: list[Pasted]) -> str | None:
    return next((p.broadcaster for p in read if p.api == "events" and p.events_base_url is not None), None)


async def _try_all(read: list[Pasted], settings: Settings) -> dict[Source, TokenCheck]:
    import asyncio

    from mhc_core.setup.pasted import try_pasted

    checks = await asyncio.gather(*(try_pasted(p, settings) for p in read))
    return {p.api: check for p, check in zip(read, checks, strict=True)}


# -- prompts --------------------------------------------------------------------------------------


def _is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _ask_token(prompt: str) -> str:
    import getpass

    try:
        return getpass.getpass(f"  {prompt}: ")
    except EOFError:
        return ""


def _ask(settings: Settings, say: Callable[[str], None]) -> tuple[list[Pasted], dict[Source, TokenCheck]]:
    """Each field in turn: where to find it, a hidden prompt, its verdict at once."""
    import asyncio

    from mhc_core.clients.errors import SOURCE_NAMES
    from mhc_core.config import source_of
    from mhc_core.setup.events_url import PastedValueError
    from mhc_core.setup.pasted import read_pasted, try_pasted

    read: list[Pasted] = []
    checks: dict[Source, TokenCheck] = {}
    say(PASTE_HINT)
    for api in APIS:
        field, name = FIELD_OF[api], SOURCE_NAMES[api]
        elsewhere = set_elsewhere(api, source_of(field))
        if elsewhere is not None:
            say(f"{name}: {elsewhere}")
            continue
        say(f"{name}: {WHERE_TO_FIND[api]}")
        skip = "Enter keeps the saved one" if getattr(settings, field) is not None else "Enter skips"
        for _ in range(TRIES):
            text = _ask_token(f"{PROMPT_OF[api]} ({skip})")
            if not text.strip():
                break
            try:
                pasted = read_pasted(api, text, settings, broadcaster=_broadcaster(read))
            except PastedValueError as exc:
                say(f"  {exc}")
                continue
            check = asyncio.run(try_pasted(pasted, settings))
            say(f"  {check.message}")
            checks[api] = check
            if check.verdict != "rejected":
                read.append(pasted)
                break
        else:
            say(f"  {name}: {TRIES} tries; going on without it")
    return read, checks


def _ask_keyring(say: Callable[[str], None]) -> bool:
    from mhc_core.setup.token_store import keyring_state

    state = keyring_state()
    if not state.available:
        say(state.said[0].upper() + state.said[1:] + ".")
        return False
    try:
        answer = input(f"Keep the tokens in the system keyring ({state.name})? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


# -- the command ----------------------------------------------------------------------------------


def _as_json(checks: dict[Source, TokenCheck], saved: Saved | None) -> dict[str, Any]:
    from mhc_core.config import ENV_PREFIX, config_file

    return {
        "file": str(saved.path if saved else config_file()),
        "saved": list(saved.saved) if saved else [],
        "keyring": [f"{ENV_PREFIX}{name.upper()}" for name in saved.in_keyring] if saved else [],
        "checks": {api: check.as_json() for api, check in checks.items()},
        "overridden": list(saved.overridden) if saved else [],
        "notes": list(saved.notes) if saved else [],
    }


def cmd_setup(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from mhc_core.cli import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, emit_json, say
    from mhc_core.setup.pasted import kept, refusal, values_of
    from mhc_core.setup.save import save_setup

    # With --json the prompts and verdicts go to stderr, so standard output is the JSON alone.
    def tell(line: str) -> None:
        say(line, err=args.json)

    given = _flag_texts(args)
    if given:
        read = _read_flags(given, settings)
        checks = asyncio.run(_try_all(read, settings))
        for check in checks.values():
            tell(check.line)
        use_keyring = args.keyring
    elif not _is_terminal():
        raise _usage(NO_TERMINAL)
    else:
        try:
            read, checks = _ask(settings, tell)
            use_keyring = bool(read) and (args.keyring or _ask_keyring(tell))
        except KeyboardInterrupt:  # ctrl+c at a prompt: the shell's prompt must not follow ours on its line
            say("", err=True)
            say("mhc: setup stopped: nothing saved", err=True)
            return EXIT_INTERRUPTED
    keep = kept(read, checks)
    saved = save_setup(values_of(keep), use_keyring=use_keyring) if keep else None
    refused = refusal(checks)
    if args.json:
        emit_json(_as_json(checks, saved))
    elif saved is not None:
        for line in saved.lines:
            say(line)
        unreachable = [check.name for check in checks.values() if check.verdict == "unreachable"]
        if unreachable:
            say(f"Saved without an answer from {', '.join(unreachable)}: mhc config check tries again.")
        say("Start the console with mhc, or capture headless with mhc listen (one already running keeps its "
            "old settings until restarted).")
    if refused is not None:
        say(refused, err=True)
        return EXIT_FAIL
    if saved is None and not args.json:
        say("Nothing given: nothing saved.")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("setup", cmd_setup, "give the tokens: each is tried at once, then saved to config.toml (0600) "
            "or the system keyring; with no flags it asks in the terminal, input hidden")
    p.add_argument("--events-url", metavar="URL",
                   help="the Events API URL as copied from Chaturbate (or the token alone); - reads it from "
                   "standard input, out of the process list")
    p.add_argument("--stats-token", metavar="TOKEN", help="the Stats API token (or its whole URL); - for "
                   "standard input")
    p.add_argument("--statbate-token", metavar="TOKEN", help="the Statbate Premium API token; - for standard input")
    p.add_argument("--keyring", action="store_true",
                   help="keep the tokens in the system keyring, the file holding only references")
