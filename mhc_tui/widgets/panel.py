"""A fixed-size bordered panel drawn from one Rich renderable.

New content only repaints the panel; a Static would ask for a layout of the whole screen on every
update, which the dashboard does every second.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from mhc_tui.widgets.component_style import on_theme_change

WAITING = "waiting for the database…"


class Panel(Widget):
    """Subclasses draw with `style(name)` (their component classes) and redraw in `restyle()`."""

    TITLE = ""
    COMPONENT_CLASSES: ClassVar[set[str]] = {"panel--muted", "panel--faint", "panel--dim", "panel--figure"}

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content: RenderableType = Text(WAITING)
        self._waiting = True
        self.tz = tz

    @property
    def content(self) -> RenderableType:
        return self._content

    def render(self) -> RenderableType:
        return self._content

    def style(self, name: str) -> Style:
        """The Rich style of one of this panel's component classes."""
        return self.get_component_rich_style(name, partial=True)

    def _set(self, content: RenderableType) -> None:
        self._content = content
        self._waiting = False
        self.refresh()

    def restyle(self) -> None:
        """Draw again with the current theme (subclasses redraw what they hold)."""
        if self._waiting:
            self._content = Text(WAITING, style=self.style("panel--muted"))
            self.refresh()

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        self.restyle()
        on_theme_change(self, self.restyle)
