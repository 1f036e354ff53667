"""Backlog benchmark: N events waiting on the fake; how fast does capture journal and project them?

Compared, in the same run and with the same batch size, with a bare writer that reads the same feed
with the same EventsClient and only inserts the raw events into one table (executemany, one
transaction per batch). Also prints the bare writer without HTTP, for reference.

    python bench/capture_backlog.py [--events 20000] [--batch 100]

Creates its own database on 127.0.0.1:5432 (or MHC_TEST_DATABASE_URL) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from mhc_core.capture.service import CaptureService  # noqa: E402
from mhc_core.clients.events import EventsClient  # noqa: E402
from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from mhc_core.db.notify import conninfo  # noqa: E402
from tests import db_support  # noqa: E402
from tests.fakes import FakeApis, random_events  # noqa: E402


async def bare_writer(fake: FakeApis, dsn: str, total: int, *, http: bool) -> float:
    """Seconds to insert `total` raw events into one table, batch by batch."""
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute("CREATE TABLE bench_raw (event_id text PRIMARY KEY, payload jsonb NOT NULL)")
        conn.commit()
        started = time.perf_counter()
        done = 0
        if http:
            client = EventsClient(fake.events_base_url, fake.broadcaster, fake.events_token, 1)
            async with client, contextlib.aclosing(client.batches()) as batches:
                async for batch in batches:
                    rows = [(e.id, json.dumps(e.raw)) for e in batch.events]
                    with conn.cursor() as cur:
                        cur.executemany("INSERT INTO bench_raw VALUES (%s, %s::jsonb)", rows)
                    conn.commit()
                    done += len(rows)
                    if done >= total:
                        break
        else:
            events, size = fake.events, fake.events_per_batch
            for i in range(0, len(events), size):
                rows = [(e["id"], json.dumps(e)) for e in events[i: i + size]]
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO bench_raw VALUES (%s, %s::jsonb)", rows)
                conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw")
        conn.commit()
    return elapsed


async def capture(fake: FakeApis, url: str, total: int) -> tuple[float, dict]:
    settings = Settings(database_url=url, broadcaster=fake.broadcaster, events_base_url=fake.events_base_url,
                        events_token=fake.events_token, events_timeout=1)
    db = open_database(settings)
    try:
        migrate.upgrade(db.engine)
        done = asyncio.Event()
        service = CaptureService(settings, db, on_status=lambda s: s.events_captured >= total and done.set())
        started = time.perf_counter()
        task = asyncio.create_task(service.run())
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - started
        service.stop()
        await task
        with psycopg.connect(conninfo(url)) as conn:
            counts = {
                "event_log": conn.execute("SELECT count(*) FROM event_log").fetchone()[0],
                "interactions": conn.execute("SELECT count(*) FROM interactions").fetchone()[0],
                "persons": conn.execute("SELECT count(*) FROM persons").fetchone()[0],
            }
        return elapsed, counts
    finally:
        db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100, help="events per answer from the fake")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    admin = db_support.admin_url(Path("/tmp/mhc-bench-pg"))
    url = db_support.create_database(admin)
    try:
        with FakeApis(events_per_batch=args.batch) as fake:
            source = random_events(fake.broadcaster, seed=7)
            fake.push(*[next(source) for _ in range(args.events)])
            dsn = conninfo(url)
            bare_http = await bare_writer(fake, dsn, args.events, http=True)
            bare_mem = await bare_writer(fake, dsn, args.events, http=False)
            elapsed, counts = await capture(fake, url, args.events)
        rate = args.events / elapsed
        print(f"backlog of {args.events} events, {args.batch} per batch")
        print(f"  capture (journal + persons + interactions + sessions + cursor + NOTIFY): "
              f"{elapsed:.2f} s = {rate:,.0f} events/s   {counts}")
        print(f"  bare writer, same client over HTTP: {bare_http:.2f} s = {args.events / bare_http:,.0f} events/s"
              f"   -> capture is {bare_http / elapsed:.0%} of it")
        print(f"  bare writer, events from memory:    {bare_mem:.2f} s = {args.events / bare_mem:,.0f} events/s"
              f"   -> capture is {bare_mem / elapsed:.0%} of it")
    finally:
        db_support.drop_database(admin, url)


if __name__ == "__main__":
    asyncio.run(main())
