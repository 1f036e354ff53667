"""Writing an export to a file: never over an existing file unless asked, and where the console puts them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mhc_core.data.export_views import Export


class FileExists(FileExistsError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists (use --force to overwrite it)")


def write_export(export: Export, fmt: str, path: Path, *, force: bool = False) -> Path:
    """Write `export` as `fmt` (csv or json) to `path`; FileExists if there is a file and not `force`.

    Exclusive creation (mode ``x``) so a file that appears meanwhile is not overwritten either. Any other
    OSError is the caller's to tell.
    """
    try:
        with path.open("w" if force else "x", encoding="utf-8", newline="") as file:
            file.write(export.text(fmt))
    except FileExistsError:
        raise FileExists(path) from None
    return path


def console_export_path(data_dir: Path, export: Export, fmt: str, at: datetime) -> Path:
    """``<data dir>/exports/<stem>-<UTC time>.<fmt>``, the folder made if needed."""
    folder = data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / export.file_name(fmt, at)
