"""A line cut for display reads the same whether the whole text or only its start was made printable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mhc_core.display import one_line, printable

PIECES = st.sampled_from(["a", "word", " ", "   ", "\n", "\t", "\x1b[2J", "\u0301", "🎉", "\u202e", " " * 300])


def _whole_then_cut(text: str, limit: int) -> str:
    folded = " ".join(printable(text).split())
    return folded if len(folded) <= limit else folded[: max(limit - 1, 0)] + "…"


@given(st.lists(PIECES, max_size=200).map("".join), st.integers(min_value=0, max_value=150))
def test_a_cut_line_is_the_start_of_the_whole_line(text: str, limit: int) -> None:
    assert one_line(text, limit) == _whole_then_cut(text, limit)


def test_a_long_message_is_cut_with_an_ellipsis_and_no_control_survives() -> None:
    line = one_line("hi \x1b]0;TITLE\x07 " + "🎉" * 10_000, 80)
    assert len(line) == 80 and line.endswith("…")
    assert "\x1b" not in line and "\x07" not in line
