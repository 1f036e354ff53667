"""One shape for every benchmark figure: value, bare counterpart, ratio, goal, met or not.

Each script prints its own table with `print_table` and, when `MHC_BENCH_FIGURES` names a file (as
`bench/all.py` sets it), appends its figures there as JSON lines so one command can print them all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    figure: str
    value: str  # as shown, with its unit
    bare: str  # the bare counterpart measured in the same run ("-" where the goal is absolute)
    ratio: float | None  # value against bare, in the sense the goal states
    goal: str
    met: bool | None  # None: not decided by a number (see the script's notes)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def at_most(figure: str, value: float, bare: float, limit: float, *, unit: str = "s") -> Figure:
    """value/bare must be at most `limit` (a command or start-up beside its bare counterpart)."""
    ratio = value / bare
    show = ms if unit == "s" else str
    return Figure(figure, show(value), show(bare), ratio, f"<= {limit:g}x", ratio <= limit)


def at_least(figure: str, value: float, bare: float, limit: float) -> Figure:
    """bare/value must be at least `limit` (a throughput: the bare program's time over ours)."""
    ratio = bare / value
    return Figure(figure, f"{value:.2f} s", f"{bare:.2f} s", ratio, f">= {limit:g}", ratio >= limit)


def below(figure: str, value: float, limit: float, *, unit: str, bare: str = "-", ratio: float | None = None) -> Figure:
    """An absolute goal: value < limit (a latency, a memory or CPU budget)."""
    return Figure(figure, f"{value:,.1f} {unit}", bare, ratio, f"< {limit:g} {unit}", value < limit)


def print_table(figures: Iterable[Figure]) -> None:
    rows = list(figures)
    width = max([len(f.figure) for f in rows] + [6])
    print(f"{'figure':<{width}}  {'value':>12}  {'bare':>12}  {'ratio':>6}  {'goal':>12}  met")
    for f in rows:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        met = "-" if f.met is None else "yes" if f.met else "NO"
        print(f"{f.figure:<{width}}  {f.value:>12}  {f.bare:>12}  {ratio:>6}  {f.goal:>12}  {met}")
    sink = os.environ.get("MHC_BENCH_FIGURES")
    if sink:
        with open(sink, "a", encoding="utf-8") as out:
            for f in rows:
                out.write(json.dumps(asdict(f)) + "\n")
