"""How a failed worker reads to the operator: one plain line for what is foreseeable, never a traceback.

Every worker runs on the App (mhc_tui/background.py, mhc_tui/live.py), whose `report_worker_error` is
the one place that logs, de-duplicates and notifies.
"""

from __future__ import annotations

from typing import Literal

from mhc_tui.data_access import DatabaseNotReady


def describe(error: BaseException) -> tuple[str, Literal["warning", "error"]]:
    """(message, severity) for a worker failure."""
    from mhc_core.data.failures import describe as describe_failure

    if isinstance(error, DatabaseNotReady):
        return str(error), "warning"
    failure = describe_failure(error)
    return failure.message, failure.severity


def about_database(error: BaseException) -> bool:
    """The database is unreachable or failed (not a refusal of what was asked)."""
    from mhc_core.data.failures import describe as describe_failure

    return not isinstance(error, DatabaseNotReady) and describe_failure(error).database


def plain(error: BaseException) -> str:
    return describe(error)[0]
