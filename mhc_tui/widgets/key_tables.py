"""Every key the console answers to, one table per place, read from the Binding declarations
(mhc_tui.keys) with the keys as remapped in `[keys]`. Drawn at render time, so a theme change or a
remap shows at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from mhc_tui import keys
from mhc_tui.widgets.component_style import StyleOf, styles_of, unstyled


def key_tables(keymap: Mapping[str, str], style: StyleOf = unstyled) -> Group:
    tables: list[Table | Text] = []
    for place in keys.PLACES:
        table = Table(title=place.title, title_justify="left", title_style=style("key-tables--place"), box=None,
                      show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style=style("key-tables--key"), justify="right", min_width=24)
        table.add_column(style=style("key-tables--text"))
        for row in keys.rows(place, keymap):
            table.add_row(row.keys, row.text)
        tables.extend([table, Text("")])
    return Group(*tables)


class KeyTables(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-tables--place", "key-tables--key", "key-tables--text"}

    def render(self) -> Group:
        keymap: Mapping[str, str] = getattr(self.app, "keymap", {})
        return key_tables(keymap, styles_of(self))
