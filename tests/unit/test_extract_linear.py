"""Extraction takes time linear in the size of the paste, whatever the paste is made of.

Measured by size: a paste is built from pieces at two scales, the larger four times the smaller
(about 25 KB and 100 KB), and the ratio of the median times must stay well under 16, what a
quadratic scan gives (linear gives about 4). A ratio, not a wall-clock limit: it holds on a slow
machine as on a fast one.
"""

from __future__ import annotations

import gc
import time

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mhc_core.extract import extract_usernames, parse_transcript

SMALL_SIZE = 25_000
GROWTH = 4
MAX_RATIO = 8.0  # linear gives about GROWTH, quadratic GROWTH**2
REPEATS = 5
MAX_REPEATS = 15

# Pieces that appear once: the framing of every kind of transcript line, and URL and mention starts.
FIXED = [
    "a1 tipped 5 tokens", "a1 tipped 5 tokens.", " -- ", "User a1 has joined the room", "User a1 has left the room",
    "Notice: ", "Notice: 1. a1 (", "5 tks)", "room subject changed to ", '"', "a1 tipped for ", "»",
    " has followed you", "⭐ @a1", "New private message from ", "a1: ", "https://chaturbate.com/",
    "chaturbate.com/p/", "@", "\n", "tipped", "tokens", "a@b.com",
]
# Units a run is made of, repeated many times: whitespace, `@`, colons, long words, URL and list shapes.
RUN_UNITS = [
    " ", "\t", "\u00a0", "@", ":", ": ", "a", "a1", "1.", ".", "-", '"', "!", "/", "(", "5", ",",
    "chaturbate.com/", "@a1 ", "a1 tipped 5 tokens\n", "Notice: ", "1. a1 (5 tks) ", "\n",
]

fixed_piece = st.sampled_from(FIXED).map(lambda text: ("fixed", text, 0))
run_piece = st.tuples(st.just("run"), st.sampled_from(RUN_UNITS), st.integers(1, 8))
pieces = st.lists(st.one_of(fixed_piece, run_piece), min_size=1, max_size=12)


def render(parts: list[tuple[str, str, int]], scale: int, *, grow_runs: bool) -> str:
    """The paste at `scale`: runs `scale` times longer, or (grow_runs False) the whole block repeated."""
    if grow_runs and any(kind == "run" for kind, _, _ in parts):
        return "".join(text * (weight * scale) if kind == "run" else text for kind, text, weight in parts)
    block = "".join(text * max(weight, 1) for _, text, weight in parts)
    return block * scale


def small_scale(parts: list[tuple[str, str, int]], *, grow_runs: bool) -> int:
    per_unit = len(render(parts, 2, grow_runs=grow_runs)) - len(render(parts, 1, grow_runs=grow_runs))
    return max(1, SMALL_SIZE // max(per_unit, 1))


def cpu_seconds(text: str) -> float:
    # CPU time of this process: time spent waiting for the CPU on a shared machine does not count.
    start = time.process_time()
    extract_usernames(text)
    parse_transcript(text)
    return time.process_time() - start


def time_ratio(small: str, large: str) -> float:
    """Least time of `large` over least time of `small`, measured in turns so load changes hit both.

    Load on a shared machine (other test workers on the other core, their memory traffic) only adds
    time, so the least of several turns is the one nearest the scan's own cost. When the verdict is
    not clear after REPEATS turns, up to MAX_REPEATS are taken: a quadratic scan (about GROWTH**2)
    stays over MAX_RATIO in every turn, so more turns cannot make it pass.
    """
    small_times: list[float] = []
    large_times: list[float] = []
    gc.collect()
    gc.disable()  # a collection landing in one measurement is noise, not the scan's cost
    try:
        for turn in range(1, MAX_REPEATS + 1):
            small_times.append(cpu_seconds(small))
            large_times.append(cpu_seconds(large))
            ratio = min(large_times) / max(min(small_times), 1e-6)
            if turn >= REPEATS and ratio < MAX_RATIO:
                break
            if min(large_times) >= GROWTH**2 * max(small_times):
                break  # even the most favourable pairing is quadratic: more turns cannot change the verdict
    finally:
        gc.enable()
    return ratio


@given(pieces, st.booleans())
@settings(max_examples=30, deadline=None)
@example([("fixed", "a1 tipped 5 tokens", 0), ("run", " ", 1), ("fixed", "x", 0)], True)  # the 43 s paste
@example([("fixed", "a1", 0), ("run", " ", 1), ("fixed", "tipped 5", 0), ("run", "\t", 1), ("fixed", "tokens", 0),
          ("run", "\u00a0", 1), ("fixed", "-", 0)], True)
def test_extraction_time_grows_linearly_with_the_paste(parts: list[tuple[str, str, int]], grow_runs: bool) -> None:
    scale = small_scale(parts, grow_runs=grow_runs)
    small = render(parts, scale, grow_runs=grow_runs)
    large = render(parts, scale * GROWTH, grow_runs=grow_runs)
    assert len(large) >= 3.5 * len(small)
    ratio = time_ratio(small, large)
    assert ratio < MAX_RATIO, f"{len(small)} -> {len(large)} characters took {ratio:.1f} times as long"
