"""Formatting shared by the console's widgets: outside text, times in the display zone, numbers, deltas.

Times, durations, ages and token amounts read as in the CLI: they come from `mhc_core.formats`.

Outside text (chat, PMs, tip notes, subjects, names, Statbate fields, notes, server replies) reaches
a widget only through `outside`, `outside_text` or `outside_markup`: controls are made visible and
combining runs capped (`mhc_core.display`), and it is never read as markup (`[b]`, `[link=…]`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.style import StyleType
from rich.text import Text
from textual.content import Content

from mhc_core.display import one_line
from mhc_core.formats import ago as ago
from mhc_core.formats import clock as clock
from mhc_core.formats import day_and_time as day_and_time
from mhc_core.formats import duration as duration
from mhc_core.formats import time_of_day as time_of_day
from mhc_core.formats import tk as tk
from mhc_core.formats import tokens as tokens
from mhc_core.formats import when as when

# A table cell shows at most this much of one text (a column as wide as a 10 kB message helps no one).
CELL_LIMIT = 300


def outside(value: object, limit: int | None = None) -> str:
    """Outside text as one safe line, for Text, Content or a (Text) cell: never pass it as markup."""
    return one_line(value, limit)


def outside_text(value: object, style: StyleType = "", *, limit: int | None = CELL_LIMIT) -> Text:
    """Outside text as a Rich Text (table cells, options): one line, literal, cut at `limit`."""
    return Text(outside(value, limit), style=style, no_wrap=True, overflow="ellipsis")


def outside_markup(template: str, **values: object) -> Content:
    """Our markup `template` with outside `values` put in as literal text: `outside_markup("[b]$name[/]", name=n)`."""
    return Content.from_markup(template, **{key: outside(value) for key, value in values.items()})


SOURCE_LABELS = {
    "statbate_member": "Statbate · member",
    "statbate_model": "Statbate · model",
    "statbate_member_model": "Statbate · member to me",
    "cb_stats": "Chaturbate · stats API",
    "manual": "Manual",
}


def number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return outside(value)


def metric_label(key: str) -> str:
    return key.replace("_", " ")


def metric_value(value: Any) -> str:
    """A stored metric as a person reads it: numbers grouped, ISO timestamps as their date."""
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            return datetime.fromisoformat(value).strftime("%Y-%m-%d")
        except ValueError:
            return outside(value)
    return number(value)


def signed(value: int | float | None) -> str:
    """A delta with its sign; an empty string when there is nothing to compare against."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:+,.2f}"
    return f"{int(value):+,}"


def is_scalar_metric(value: Any) -> bool:
    return value is None or isinstance(value, int | float | str | bool)
