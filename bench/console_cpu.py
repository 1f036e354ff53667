"""CPU of the console while it captures and shows a live room, beside `mhc listen` capturing the same.

    python bench/console_cpu.py [--rate 300] [--seconds 20]

The fake APIs run in their own process, pushing `--rate` random events per second. The console
(`mhc`, dashboard visible, in a 120x40 pseudo-terminal whose output is read and thrown away) captures
them into a fresh database; after a warm-up its CPU time (all threads, from psutil) is taken over
`--seconds`. Then `mhc listen` does the same against a fresh fake and database: the cost of capture
alone, the floor under the console's figure. Prints figures; no thresholds.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
import psycopg  # noqa: E402
from figures import below, print_table  # noqa: E402
from listen_catchup import fresh_database  # noqa: E402

from mhc_core.db.notify import conninfo  # noqa: E402
from tests import db_support  # noqa: E402

TOKEN = "EVTtok3nFAKE0123456789ab"  # the fake's default events token
WARM_UP = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _events(url: str) -> int:
    with psycopg.connect(conninfo(url)) as conn:
        return int(conn.execute("SELECT count(*) FROM event_log").fetchone()[0])


def measure(command: list[str], *, rate: float, seconds: float, admin: str, console: bool) -> tuple[float, float]:
    """(CPU % of one core, events/s captured) of `command` while the fake streams `rate` events/s."""
    port = _free_port()
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakes", "--port", str(port), "--rate", str(rate)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = fresh_database(admin)
    master = None
    try:
        time.sleep(1.0)  # the fake is listening
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
            env |= {"MHC_DATABASE_URL": url, "MHC_EVENTS_TOKEN": TOKEN, "MHC_EVENTS_BASE_URL": f"http://127.0.0.1:{port}",
                    "MHC_LOG_DIR": tmp, "XDG_CONFIG_HOME": tmp, "TERM": "xterm-256color",
                    "PYTHONPATH": os.environ.get("BENCH_CODE", str(ROOT))}
            if console:
                master, slave = pty.openpty()
                fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
                proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp,
                                        start_new_session=True)
                os.close(slave)
            else:
                proc = subprocess.Popen(command, env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            watched = psutil.Process(proc.pid)

            def drain(for_seconds: float) -> None:
                end = time.monotonic() + for_seconds
                while time.monotonic() < end:
                    if master is None:
                        time.sleep(0.05)
                        continue
                    ready, _, _ = select.select([master], [], [], 0.05)
                    if ready:
                        try:
                            os.read(master, 65536)
                        except OSError:
                            return

            drain(WARM_UP)
            before, events_before, t0 = watched.cpu_times(), _events(url), time.monotonic()
            drain(seconds)
            after, events_after, t1 = watched.cpu_times(), _events(url), time.monotonic()
            if master is not None:
                os.write(master, b"\x11")  # ctrl+q: the console quits as an operator would
                drain(3.0)
            if proc.poll() is None:
                proc.terminate()
            drain(1.0)
            proc.wait(10)
        cpu = (after.user + after.system - before.user - before.system) / (t1 - t0) * 100
        return cpu, (events_after - events_before) / (t1 - t0)
    finally:
        if master is not None:
            os.close(master)
        fake.terminate()
        fake.wait(10)
        db_support.drop_database(admin, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    admin = db_support.admin_url(Path("/tmp/mhc-bench-pg"))
    py = sys.executable
    console, console_rate = measure([py, "-m", "mhc"], rate=args.rate, seconds=args.seconds, admin=admin, console=True)
    listen, listen_rate = measure([py, "-m", "mhc", "listen"], rate=args.rate, seconds=args.seconds, admin=admin,
                                  console=False)
    print(f"live room at {args.rate:.0f} events/s offered, {args.seconds:.0f} s measured after {WARM_UP:.0f} s")
    print(f"  console (capture + dashboard): {console:.1f}% of a core, {console_rate:.0f} events/s captured")
    print(f"  mhc listen (capture alone):    {listen:.1f}% of a core, {listen_rate:.0f} events/s captured")
    print_table([below(f"console CPU capturing and showing {console_rate:.0f} ev/s", console, 25, unit="%",
                       bare=f"{listen:.1f} %", ratio=console / listen if listen else None)])


if __name__ == "__main__":
    main()
