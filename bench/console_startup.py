"""Time from launch to the console's first frame, beside a bare Textual app launched the same way.

    python bench/console_startup.py [--runs 5] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each program is started as a fresh `python -c ...` process in a 120x40 pseudo-terminal; the clock
stops when the first frame (a marker text) is written to the terminal. For the console three points
are timed: first frame (the dashboard with "connecting to database…" or already connected), database
connected (the health line says so), and data on screen (the seeded feed line). Then ctrl+q is sent.
Prints figures; no thresholds.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from console_feed import create_database, drop_database  # noqa: E402
from figures import at_most, print_table  # noqa: E402

BARE = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]
    def compose(self):
        yield Header()
        yield Static("bare-first-frame")
        yield Footer()

Bare().run()
"""
ANSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
CONSOLE = "from mhc.main import main; raise SystemExit(main([]))"


def timed_launch(code: str, markers: list[str], env: dict[str, str], timeout: float = 30.0) -> list[float | None]:
    """Seconds from spawn until each marker first appears in the terminal output (None if never)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=ROOT, close_fds=True, start_new_session=True)
    os.close(slave)
    seen: list[float | None] = [None] * len(markers)
    buffer = b""
    try:
        while time.perf_counter() - started < timeout and None in seen:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            now = time.perf_counter() - started
            text = ANSI.sub("", buffer.decode("utf-8", "replace"))
            for i, marker in enumerate(markers):
                if seen[i] is None and marker in text:
                    seen[i] = now
    finally:
        try:
            os.write(master, b"\x11")  # ctrl+q
            deadline = time.time() + 10
            while proc.poll() is None and time.time() < deadline:
                select.select([master], [], [], 0.05)
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(5)
            os.close(master)
    return seen


def _seed(url: str) -> None:
    from mhc_core.config import Settings
    from mhc_core.db import migrate, open_database
    from mhc_core.services import interactions, persons, sessions

    db = open_database(Settings(database_url=url))
    migrate.upgrade(db.engine)
    with db.session() as s:
        live = sessions.start(s, "hudson_cage")
        alice = persons.find_or_create(s, "alice_01", role="VIEWER")
        interactions.append(s, alice.id, "CHAT_MESSAGE", content="startup-marker", source="cb_events",
                            stream_session_id=live.id, event_id="startup-1")
    db.dispose()


def _summary(name: str, values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return f"  {name:<34} never seen"
    missing = f"  ({len(values) - len(got)} runs never got there)" if len(got) < len(values) else ""
    return f"  {name:<34} median {statistics.median(got) * 1000:6.0f} ms   min {min(got) * 1000:6.0f} ms{missing}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--admin-url", default=os.environ.get(
        "MHC_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    url = create_database(args.admin_url)
    try:
        _seed(url)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
        base_env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
        console_env = base_env | {"MHC_DATABASE_URL": url, "MHC_LOG_DIR": "/tmp/mhc-bench-logs"}
        bare, first, connected, data = [], [], [], []
        for _ in range(args.runs):
            bare.append(timed_launch(BARE, ["bare-first-frame"], base_env)[0])
            times = timed_launch(CONSOLE, ["MHC Control Panel", "db connected", "startup-marker"], console_env)
            first.append(times[0])
            connected.append(times[1])
            data.append(times[2])
        print(f"startup, 120x40 pty, {args.runs} runs each (fresh python process per run)")
        print(_summary("bare Textual app: first frame", bare))
        print(_summary("console: first frame", first))
        print(_summary("console: database connected", connected))
        print(_summary("console: first feed line on screen", data))
        if None not in first and None not in bare:
            print_table([at_most("console first frame vs a bare Textual app", statistics.median(first),
                                 statistics.median(bare), 1.3)])
    finally:
        drop_database(args.admin_url, url)


if __name__ == "__main__":
    main()
