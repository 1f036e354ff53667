"""Rich styles for what widgets draw, taken from their component classes (styled in `.tcss` with the
theme's variables), and redrawing when the theme changes.

A widget that bakes styles into held content (a cached line, a table cell, a panel's renderable)
subscribes with `on_theme_change`: the App publishes after the new theme's styles are applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.style import Style
from textual.widget import Widget

# A component class name -> its Rich style.
StyleOf = Callable[[str], Style]


def unstyled(_name: str) -> Style:
    """For text drawn outside a widget (its plain text, in a test)."""
    return Style.null()


def styles_of(widget: Widget) -> StyleOf:
    """The widget's component styles, only what its `.tcss` rule sets (no inherited background)."""
    return lambda name: widget.get_component_rich_style(name, partial=True)


def on_theme_change(widget: Widget, redraw: Callable[[], Any]) -> None:
    """Call `redraw` each time the App's theme changes (until the widget is removed)."""
    widget.app.theme_changed_signal.subscribe(widget, lambda _theme: redraw())
