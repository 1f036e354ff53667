"""How a sortable table's order answers a header click and `o`: one rule for every such table."""

from __future__ import annotations

from collections.abc import Sequence


def clicked(current: str, reverse: bool, column: str) -> tuple[str, bool]:
    """A click on `column`'s header: the same column again reverses, another sorts by it."""
    return (current, not reverse) if column == current else (column, False)


def next_column(columns: Sequence[str], current: str) -> tuple[str, bool]:
    """`o`: the next column, in its own order."""
    return columns[(list(columns).index(current) + 1) % len(columns)], False
