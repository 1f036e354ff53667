"""`mhc listen`: capture and stats polling without the console, one line per event.

Readable lines go to stderr (stdout stays clean for `--jsonl`, one JSON object per event). Status
changes get their own lines. SIGTERM, SIGINT and SIGHUP finish the batch in hand, save the cursor and
exit 0.
Exit codes: 0 stopped, 1 token rejected or database unreachable, 2 no events token configured.

Also runnable as ``python -m mhc_core.capture.headless [--jsonl] [--verbose]`` (settings from MHC_*).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from mhc_core.capture.service import CaptureService
from mhc_core.capture.status import ComponentStatus
from mhc_core.closed_pipe import discard_rest
from mhc_core.config import ConfigError, Settings, load_settings
from mhc_core.db import DatabaseUnavailable, migrate, open_database
from mhc_core.db.engine import Database
from mhc_core.display import one_line
from mhc_core.formats import error_reason, time_of_day, tokens
from mhc_core.heap import freeze_loaded
from mhc_core.redact import mask, register_secret
from mhc_core.stop_signals import stop_on_signals

log = logging.getLogger(__name__)

NO_TOKEN = (
    "mhc listen: no Events API token configured: set MHC_EVENTS_TOKEN (the token in your Events API URL, "
    "https://eventsapi.chaturbate.com/events/<username>/<token>/)"
)


# A printed event line is cut here with '…': a 10,000-character message is not a line anyone reads.
LINE_LIMIT = 500


def _err(line: str) -> None:
    print(mask(line), file=sys.stderr, flush=True)


def format_event(event: dict[str, Any], tz: Any = None) -> str:
    """One readable line, e.g. "viewer_12 tipped 25 tokens: great show"."""
    who = event.get("username", "?")
    content = event.get("content")
    kind = event.get("type")
    if kind == "TIP_EVENT":
        line = f"{who} tipped {_amount(event)} tokens"
        if event.get("is_anon"):
            line += " (anonymous)"
        if content:
            line += f": {content}"
    elif kind == "CHAT_MESSAGE":
        line = f"{who}: {content or ''}"
    elif kind == "PRIVATE_MESSAGE":
        line = f"PM {'to' if event.get('direction') == 'out' else 'from'} {who}: {content or ''}"
    elif kind == "MEDIA_PURCHASE":
        media = event.get("media") or {}
        line = f"{who} bought {media.get('type') or 'media'} {media.get('name') or ''!r} for {_amount(event)} tokens"
    elif kind == "ROOM_SUBJECT_CHANGE":
        line = f"room subject: {content or ''}"
    elif kind == "BROADCAST_START":
        line = f"broadcast started (session {event.get('session_id')})"
    elif kind == "BROADCAST_STOP":
        line = f"broadcast stopped (session {event.get('session_id')})"
    else:
        verbs = {"FOLLOW": "followed", "UNFOLLOW": "unfollowed", "USER_ENTER": "entered",
                 "USER_LEAVE": "left", "FANCLUB_JOIN": "joined the fan club"}
        line = f"{who} {verbs.get(str(kind), str(kind).lower())}"
    when = event.get("event_time")
    try:
        stamp = time_of_day(datetime.fromisoformat(when), tz, seconds=True) if isinstance(when, str) else None
    except ValueError:
        stamp = None  # a line without its time is still worth printing
    if stamp is not None:
        line = f"{stamp} {line}"
    # Viewers' text: one line, no control sequence reaches the terminal, and a screenful at most
    # (`--jsonl` carries every character).
    return one_line(line, LINE_LIMIT)


def _amount(event: dict[str, Any]) -> str:
    amount = event.get("tokens")
    return tokens(amount) if isinstance(amount, int) and not isinstance(amount, bool) else str(amount)


ALERT_KEYS = ("id", "rule", "username", "event_id", "fired_at", "acknowledged_at", "text")


def format_alert(alert: dict[str, Any]) -> str:
    """One readable line, e.g. "ALERT tip>=500: big_bob tipped 1,000 tokens"."""
    return one_line(f"ALERT {alert.get('rule')}: {alert.get('text')}", LINE_LIMIT)


def format_status(status: ComponentStatus) -> str:
    return one_line(f"{status.component}: {status.message}")  # a message may quote a server's reply


async def _listen(settings: Settings, db: Database, *, jsonl: bool, verbose: bool) -> int:
    exit_code = 0
    shown: dict[str, tuple[str, str]] = {}
    service: CaptureService

    def on_status(status: ComponentStatus) -> None:
        nonlocal exit_code
        key = (status.state, status.message)
        if shown.get(status.component) != key:
            shown[status.component] = key
            _err(format_status(status))
        if status.component == "capture" and status.state == "auth_failed":
            exit_code = 1
            service.stop()

    reader_gone: list[bool] = []

    def on_event(events: list[dict]) -> None:
        # One write and one flush per batch: a backlog of thousands must not cost a system call a line.
        if not events or reader_gone:
            return
        if jsonl:
            out, text = sys.stdout, "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events)
        else:
            suffix = (lambda e: f"  [{one_line(e['event_id'])}]") if verbose else (lambda e: "")
            out = sys.stderr
            text = mask("".join(format_event(event, settings.tz) + suffix(event) + "\n" for event in events))
        try:
            out.write(text)
            out.flush()
        except BrokenPipeError:
            # The reader stopped reading (`| head`): not a failure. Stop as a signal would: the batch
            # just written is committed with its cursor, the lock released, exit 0.
            discard_rest(out)
            if not reader_gone:
                log.info("mhc listen: the output was closed by its reader; stopping")
                reader_gone.append(True)
                service.stop()

    def on_alerts(alerts: list[dict[str, Any]]) -> None:
        if reader_gone:
            return
        bell = any(a.get("bell") for a in alerts) and sys.stderr.isatty()
        lines = mask("".join(format_alert(a) + "\n" for a in alerts)) + ("\a" if bell else "")
        try:
            if jsonl:
                sys.stdout.write("".join(json.dumps({"kind": "alert", **{k: a.get(k) for k in ALERT_KEYS}},
                                                    ensure_ascii=False) + "\n" for a in alerts))
                sys.stdout.flush()
            sys.stderr.write(lines)
            sys.stderr.flush()
        except BrokenPipeError:
            discard_rest(sys.stdout)
            if not reader_gone:
                reader_gone.append(True)
                service.stop()

    service = CaptureService(settings, db, on_status=on_status, on_event=on_event, on_alerts=on_alerts)
    remove_handlers = stop_on_signals(asyncio.get_running_loop(), service.stop)
    try:
        await service.run()
    finally:
        remove_handlers()
    return exit_code


def run_listen(settings: Settings, *, jsonl: bool, verbose: bool) -> int:
    if settings.events_token is None:
        _err(NO_TOKEN)
        return 2
    for secret in settings.secrets():
        register_secret(secret)
    try:
        db = open_database(settings)
    except DatabaseUnavailable as exc:
        _err(f"mhc listen: {exc}")
        return 1
    try:
        try:
            migrate.upgrade(db.engine)
        except SQLAlchemyError as exc:
            _err(f"mhc listen: cannot prepare the database at {db.where}: {error_reason(exc)}")
            return 1
        from mhc_core.alerts.engine import check_alert_lists

        try:
            problem = check_alert_lists(settings, db)
        except SQLAlchemyError as exc:
            _err(f"mhc listen: cannot read the lists at {db.where}: {error_reason(exc)}")
            return 1
        if problem is not None:
            _err(f"mhc listen: {problem}")
            return 2
        freeze_loaded()  # everything capture needs is loaded (see mhc_core.heap)
        return asyncio.run(_listen(settings, db, jsonl=jsonl, verbose=verbose))
    finally:
        db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mhc_core.capture.headless", description=__doc__)
    parser.add_argument("--jsonl", action="store_true", help="one JSON object per event on stdout")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        _err(f"mhc listen: {exc}")
        return 2
    from mhc_core import logs

    logs.configure(settings, stderr=True, verbose=args.verbose)
    return run_listen(settings, jsonl=args.jsonl, verbose=args.verbose)


if __name__ == "__main__":
    raise SystemExit(main())
