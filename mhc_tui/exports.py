"""`e` on the session and person screens: a CSV export written under `<data dir>/exports/`, in a worker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.screen import Screen

from mhc_core.data.door import Data
from mhc_core.data.export_views import Export
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import console_of, data_of, data_ready
from mhc_tui.widgets import display_format as fmt


class NothingToExport(LookupError):
    """What was to be exported is no longer in the database."""


class ExportNotWritten(ValueError):
    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"export not written: {path}: {error.strerror or error}")


def export_csv(node: Screen[None], read: Callable[[Data], Export | None], what: str) -> None:
    """Read the rows with `read` and write them as CSV in a thread; a notification says where."""
    if not data_ready(node):
        node.notify("Not connected to the database yet; nothing exported.", severity="warning")
        return
    app = console_of(node)
    data_dir, clock = app.settings.resolved_data_dir, app.clock

    def work() -> tuple[Path, int]:
        from mhc_core.export_files import console_export_path, write_export

        export = read(data_of(node))
        if export is None:
            raise NothingToExport(f"{what} is no longer in the database; nothing exported")
        path = console_export_path(data_dir, export, "csv", clock())
        try:
            write_export(export, "csv", path)
        except OSError as exc:
            raise ExportNotWritten(path, exc) from None
        return path, len(export.rows)

    def done(result: tuple[Path, int]) -> None:
        path, count = result
        node.notify(f"Exported {count} interactions of {fmt.outside(what)} to {fmt.outside(str(path))}",
                    markup=False)

    run_in_thread(node, work, name="export", done=done)
