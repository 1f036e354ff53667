"""Text fields that never hold a control character.

A paste (a profile page, a chat log) is outside text too: an ESC in it would reach the terminal as
the field draws itself. Whatever is pasted or typed goes in as `mhc_core.display.printable` shows it,
so the operator sees (and looks up, and stores) exactly what is on the screen.
"""

from __future__ import annotations

from textual.widgets import Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from mhc_core.display import printable


class SafeInput(Input):
    """A one-line Input; pasted or typed controls become visible escapes."""

    def replace(self, text: str, start: int, end: int) -> None:
        # Before the text goes in, so the cursor lands after what is shown.
        super().replace(printable(text), start, end)

    def validate_value(self, value: str) -> str:
        return printable(value)  # values set by code too


class SafeTextArea(TextArea):
    """A TextArea whose lines keep their breaks; every other control becomes a visible escape."""

    def edit(self, edit: Edit) -> EditResult:
        edit.text = printable(edit.text.replace("\r\n", "\n").replace("\r", "\n"), one_line=False)
        return super().edit(edit)
