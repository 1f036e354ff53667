"""A fixed-size bordered panel drawn from one Rich renderable.

New content only repaints the panel; a Static would ask for a layout of the whole screen on every
update, which the dashboard does every second.
"""

from __future__ import annotations

from datetime import tzinfo

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

MUTED = "#a9a6cc"


class Panel(Widget):
    TITLE = ""

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content: RenderableType = Text("waiting for the database…", style=MUTED)
        self.tz = tz

    @property
    def content(self) -> RenderableType:
        return self._content

    def render(self) -> RenderableType:
        return self._content

    def _set(self, content: RenderableType) -> None:
        self._content = content
        self.refresh()

    def on_mount(self) -> None:
        self.border_title = self.TITLE
