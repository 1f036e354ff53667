"""Live benchmark: the fake serves a stream of R events/s; latency from served to committed.

"Served" is the fake's own timestamp (the epoch milliseconds it stamps into each event id when the event
becomes available); "committed" is when the capture service reports the batch committed.

    python bench/capture_live.py [--seconds 60] [--rate 200]

Creates its own database on 127.0.0.1:5432 (or MHC_TEST_DATABASE_URL) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mhc_core.capture.service import CaptureService  # noqa: E402
from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from tests import db_support  # noqa: E402
from tests.fakes import FakeApis, random_events  # noqa: E402


def feeder(fake: FakeApis, rate: float, seconds: float, done: threading.Event) -> None:
    """Push events at `rate`/s on a steady schedule (catching up if a push was late)."""
    source = random_events(fake.broadcaster, seed=11)
    start = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * rate) + 1
        if due > sent:
            fake.push(*[next(source) for _ in range(due - sent)])
            sent = due
        time.sleep(0.001)
    done.set()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=200.0, help="events per second")
    parser.add_argument("--hold", type=int, default=30, help="events_timeout (long-poll hold), seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    admin = db_support.admin_url(Path("/tmp/mhc-bench-pg"))
    url = db_support.create_database(admin)
    latencies: list[float] = []

    def on_event(events: list[dict]) -> None:
        now_ms = time.time() * 1000
        latencies.extend(now_ms - int(e["event_id"].split("-")[0]) for e in events)

    try:
        with FakeApis(replay_from_start=True) as fake:
            settings = Settings(database_url=url, broadcaster=fake.broadcaster, events_base_url=fake.events_base_url,
                                events_token=fake.events_token, events_timeout=args.hold)
            db = open_database(settings)
            migrate.upgrade(db.engine)
            service = CaptureService(settings, db, on_event=on_event)
            task = asyncio.create_task(service.run())
            while service.statuses.get("capture") is None or service.statuses["capture"].state != "connected":
                await asyncio.sleep(0.01)
            done = threading.Event()
            thread = threading.Thread(target=feeder, args=(fake, args.rate, args.seconds, done), daemon=True)
            thread.start()
            while not (done.is_set() and len(latencies) >= len(fake.event_ids)):
                await asyncio.sleep(0.05)
            total = len(fake.event_ids)
            service.stop()
            await task
            db.dispose()
        step = max(1, len(latencies) // 12)
        print("  latency along the run (ms):", [round(x) for x in latencies[::step]])
        cuts = statistics.quantiles(latencies, n=100)
        print(f"live stream: {args.rate:.0f} events/s for {args.seconds:.0f} s = {total} events, "
              f"{len(latencies)} committed")
        print(f"  served -> committed: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms, max {max(latencies):.1f} ms")
    finally:
        db_support.drop_database(admin, url)


if __name__ == "__main__":
    asyncio.run(main())
