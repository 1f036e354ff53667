"""How a failed worker reads to the operator: one plain line for what is foreseeable, never a traceback.

Worker.StateChanged does not bubble, so screens and widgets forward their failures to the App's
`report_worker_error`, the one place that logs, de-duplicates and notifies.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from textual.dom import DOMNode
from textual.worker import Worker, WorkerState


def describe(error: BaseException) -> tuple[str, str]:
    """(message, severity) for a worker failure."""
    from mhc_core.db import DatabaseUnavailable
    from mhc_core.services.notes import EmptyNote
    from mhc_core.services.persons import InvalidUsername
    from mhc_core.services.sessions import SessionError

    if isinstance(error, SessionError | EmptyNote | InvalidUsername):
        return str(error), "warning"
    if isinstance(error, DatabaseUnavailable):
        return str(error), "error"
    if isinstance(error, DBAPIError):
        original = getattr(error, "orig", None) or error
        first = (str(original).strip().splitlines() or [type(original).__name__])[0]
        return f"database error: {first}", "error"
    if isinstance(error, LookupError | ValueError) and not isinstance(error, KeyError | IndexError):
        # The services' own errors (unknown watchlist, invalid attribute, ...) say what is wrong.
        return str(error), "warning"
    return f"unexpected error: {type(error).__name__}: {error}", "error"


def plain(error: BaseException) -> str:
    return describe(error)[0]


def report(node: DOMNode, event: Worker.StateChanged, title: str = "") -> bool:
    """Hand a failed worker to the App; True when it had failed."""
    if event.state != WorkerState.ERROR or event.worker.error is None:
        return False
    node.app.report_worker_error(event.worker)  # type: ignore[attr-defined]
    return True
