"""What transcript import and export hand out: an import's counts, and a table of interactions to write.

No database import here (as in `mhc_core.data.views`): the console and `mhc export` both read these.
CSV is written with the csv module (every field that needs it quoted, newlines inside content kept) and
starts with a UTF-8 byte-order mark, the one sign Excel takes for UTF-8; JSON is an array of objects with
exactly `EXPORT_FIELDS`. Timestamps are ISO 8601 in UTC.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EXPORT_FIELDS: tuple[str, ...] = ("timestamp", "type", "username", "tokens", "content", "source", "event_id")
FORMATS: tuple[str, ...] = ("csv", "json")
BOM = "\ufeff"


def tokens_of(metadata: dict[str, Any]) -> int | float | None:
    """The tokens an interaction carries (a tip's, a purchase's, a leaderboard total), None when none."""
    value = metadata.get("tokens")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


@dataclass(frozen=True)
class ExportRow:
    """One stored interaction, its content exactly as stored."""

    timestamp: datetime
    type: str
    username: str
    tokens: int | float | None
    content: str | None
    source: str
    event_id: str | None

    def as_json(self) -> dict[str, Any]:
        return {"timestamp": self.timestamp.astimezone(UTC).isoformat(), "type": self.type,
                "username": self.username, "tokens": self.tokens, "content": self.content,
                "source": self.source, "event_id": self.event_id}

    def cells(self) -> list[str]:
        """The CSV row: empty for no tokens, no content or no event id."""
        return ["" if value is None else str(value) for value in self.as_json().values()]


@dataclass(frozen=True)
class Export:
    """The rows of one export; `stem` names its file (``session-12``, ``person-NAME``)."""

    stem: str
    rows: tuple[ExportRow, ...]

    def file_name(self, fmt: str, at: datetime) -> str:
        return f"{self.stem}-{at.astimezone(UTC):%Y%m%dT%H%M%S}.{fmt}"

    def csv_text(self, *, bom: bool = True, lineterminator: str = "\r\n") -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=lineterminator)
        writer.writerow(EXPORT_FIELDS)
        writer.writerows(row.cells() for row in self.rows)
        return (BOM if bom else "") + out.getvalue()

    def json_text(self, *, ascii_only: bool = False) -> str:
        """An array; `ascii_only` escapes every non-ASCII character (and so every control)."""
        return json.dumps([row.as_json() for row in self.rows], indent=2, ensure_ascii=ascii_only) + "\n"

    def text(self, fmt: str) -> str:
        return self.csv_text() if fmt == "csv" else self.json_text()


@dataclass(frozen=True)
class TranscriptImport:
    """What importing a transcript into a session did."""

    session_id: int
    imported: int
    duplicates: int
    unreadable: int
    unreadable_lines: tuple[str, ...]  # the first few, as pasted
    persons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "duplicates": self.duplicates, "unreadable": self.unreadable,
                "unreadable_lines": list(self.unreadable_lines), "persons": list(self.persons)}

    def summary(self) -> str:
        """One line: what was imported, what was already there, what could not be read."""
        return (f"{self.imported} lines imported into session {self.session_id}, {self.duplicates} already "
                f"there, {self.unreadable} unreadable")
