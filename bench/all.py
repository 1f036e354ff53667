"""Every benchmark, one after another, then one table of every figure beside its bare counterpart.

    python bench/all.py [--quick]

Runs each script of this directory as its own process (so none measures another's leftovers), each
printing its own details; the figures they report are gathered and printed together at the end:
figure, value, bare counterpart, ratio, goal, met. `--quick` runs shorter phases (the figures are
noisier). Nothing here asserts: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import Figure, print_table  # noqa: E402

# (script, arguments, arguments with --quick)
SCRIPTS: list[tuple[str, list[str], list[str]]] = [
    ("listen_catchup.py", [], ["--runs", "1"]),
    ("cli_commands.py", [], ["--runs", "3"]),
    ("console_startup.py", [], ["--runs", "3"]),
    ("console_feed.py", [], ["--seconds", "4", "--memory-events", "40000"]),
    ("console_cpu.py", [], ["--seconds", "10"]),
    ("memory_scale.py", [], ["--persons", "20000", "--interactions", "200000"]),
    ("radar.py", [], ["--arrivals", "500", "--tips", "50"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs, noisier figures")
    parser.add_argument("--only", nargs="*", default=None, help="run only these scripts (by file name)")
    args = parser.parse_args()
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        sink = Path(tmp) / "figures.jsonl"
        sink.touch()
        for script, normal, quick in SCRIPTS:
            if args.only is not None and script not in args.only:
                continue
            if not (HERE / script).exists():
                continue
            print(f"\n=== {script}", flush=True)
            started = time.monotonic()
            done = subprocess.run([sys.executable, str(HERE / script), *(quick if args.quick else normal)],
                                  env=os.environ | {"MHC_BENCH_FIGURES": str(sink)}, check=False)
            print(f"=== {script}: {time.monotonic() - started:.0f} s", flush=True)
            if done.returncode != 0:
                failed.append(f"{script} (exit {done.returncode})")
        figures = [Figure(**json.loads(line)) for line in sink.read_text().splitlines() if line]
    print("\n=== every figure")
    print_table(figures)
    met = sum(1 for f in figures if f.met)
    print(f"\n{met} of {len(figures)} goals met")
    if failed:
        print("scripts that failed: " + ", ".join(failed))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
