"""How fast the console's live feed keeps up. Prints figures; no thresholds.

    python bench/console_feed.py [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Runs the real App headless (run_test, 120x40, dashboard visible) against a scratch database. A
producer thread on its own connection commits interactions plus a NOTIFY on mhc_events, like the
capture does, and the App reads them through its own NOTIFY reader. Measured:

- commit → line on screen (the first time the feed draws that line), p50/p99, at 50 and 500 events/s;
  commit → in the feed (appended; some lines of a large batch scroll past without being drawn);
- the most events/s the console absorbs (producer flat out, batches of 200) while a key still answers:
  the time from pressing `up` / `end` in the feed to the feed having moved, sampled throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
import psycopg  # noqa: E402
from figures import Figure, below, print_table  # noqa: E402
from psycopg import sql  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from mhc_core.db.models import Interaction  # noqa: E402
from mhc_core.services import persons, sessions  # noqa: E402
from mhc_tui.app import MHCApp  # noqa: E402
from mhc_tui.screens.dashboard import DashboardScreen  # noqa: E402
from mhc_tui.widgets.event_feed import FeedView  # noqa: E402

BROADCASTER = "hudson_cage"
me = psutil.Process()
KINDS = ("CHAT_MESSAGE",) * 6 + ("TIP_EVENT", "USER_ENTER", "USER_LEAVE", "PRIVATE_MESSAGE")


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(admin: str) -> str:
    name = f"mhc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(admin).set(database=name, drivername="postgresql+psycopg").render_as_string(hide_password=False)


def drop_database(admin: str, url: str) -> None:
    with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(make_url(url).database)))


class Producer:
    """Commits `rate` events/s (0: flat out) in batches, each batch one transaction with a NOTIFY.

    Runs in its own process with its own connection, like the capturing process: in this process it
    would compete with the console for the GIL and measure that instead. Commit times are
    time.monotonic(), which is the same clock in both processes.
    """

    def __init__(self, url: str, person_ids, session_id, *, rate: float, seconds: float, batch: int = 200,  # type: ignore[no-untyped-def]
                 count: int = 0) -> None:
        self.url, self.person_ids, self.session_id = url, person_ids, session_id
        self.rate, self.seconds, self.batch = rate, seconds, batch
        self.committed: dict[int, float] = {}
        # Started before the App (a process cannot be spawned from inside the headless run), then
        # released with `go()`.
        ctx = mp.get_context("spawn")
        self._queue: mp.Queue = ctx.Queue()
        self._go = ctx.Event()
        self._process = ctx.Process(
            target=_produce, args=(url, person_ids, session_id, rate, seconds, batch, count, self._go, self._queue),
            daemon=True,
        )
        self._process.start()

    def go(self) -> None:
        self._go.set()

    def is_alive(self) -> bool:
        return self._process.is_alive() and self._queue.empty()

    def join(self) -> None:
        self.committed = self._queue.get(timeout=120)
        self._process.join(10)


def _produce(url, person_ids, session_id, rate, seconds, batch, count, go, queue) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    engine = create_engine(make_url(url))
    with engine.connect():
        pass  # connect before the clock starts
    go.wait()
    committed: dict[int, float] = {}
    n = 0

    def rows(count: int) -> list[dict]:
        nonlocal n
        now = datetime.now(UTC)
        out = []
        for _ in range(count):
            n += 1
            kind = KINDS[n % len(KINDS)]
            out.append({
                "person_id": person_ids[n % len(person_ids)], "stream_session_id": session_id,
                "type": kind, "content": f"bench message {n}" if "MESSAGE" in kind else None,
                "timestamp": now, "source": "cb_events",
                "meta": {"tokens": 1 + n % 100} if kind == "TIP_EVENT" else {},
                "event_id": f"bench-{uuid.uuid4().hex}",
            })
        return out

    def commit(count: int) -> None:
        with engine.begin() as conn:
            ids = conn.execute(insert(Interaction).returning(Interaction.id), rows(count)).scalars().all()
            conn.execute(text("SELECT pg_notify('mhc_events', :p)"), {"p": json.dumps({"count": count})})
        done = time.monotonic()
        for i in ids:
            committed[i] = done

    start = time.monotonic()
    if count:  # flat out until `count` events are committed
        while n < count:
            commit(min(batch, count - n))
    elif rate <= 0:
        while time.monotonic() - start < seconds:
            commit(batch)
    else:
        tick = 0.02  # a commit every 20 ms, sized to the rate (1 event per commit at 50/s)
        owed, next_at = 0.0, start
        while time.monotonic() - start < seconds:
            owed += rate * tick
            count = int(owed)
            if count:
                owed -= count
                commit(count)
            next_at += tick
            time.sleep(max(0.0, next_at - time.monotonic()))
    engine.dispose()
    queue.put(committed)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def _ms(values: list[float]) -> str:
    return f"p50 {_pct(values, 50) * 1000:7.1f} ms   p99 {_pct(values, 99) * 1000:7.1f} ms   (n={len(values)})"


async def _key_latency(pilot, app, samples: list[float], stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    """Every 250 ms press `up` (the feed stops following) then `end` (it follows again), as an operator
    picking a line would; time from the key to the feed's state having changed."""
    view = app.screen.query_one(FeedView)
    while view.visible_count < 2 and not stop.is_set():
        await asyncio.sleep(0.01)
    while not stop.is_set():
        for key, following in (("up", False), ("end", True)):
            t0 = time.monotonic()
            app.simulate_key(key)  # as the terminal driver would deliver it
            while view.following != following and time.monotonic() - t0 < 5:
                await asyncio.sleep(0.0005)
            samples.append(time.monotonic() - t0)
            await asyncio.sleep(0.125)


async def run_phase(settings, db, person_ids, session_id, *, rate: float, seconds: float, count: int = 0) -> dict:  # type: ignore[no-untyped-def]
    drawn: dict[int, float] = {}
    appended: dict[int, float] = {}
    # For the memory figure (`count`) nothing is kept per event: the bench's own records would be the
    # growth it measures. Only how many reached the feed.
    record = not count
    seen = [0]
    original_render, original_append = FeedView.render_line, FeedView.append

    def render_line(self, y):  # type: ignore[no-untyped-def]
        index = int(self.scroll_y) + y
        if record and 0 <= index < self.visible_count:
            item_id = self.visible_items()[index].id
            if item_id not in drawn:
                drawn[item_id] = time.monotonic()
        return original_render(self, y)

    def append(self, items):  # type: ignore[no-untyped-def]
        items = list(items)
        now = time.monotonic()
        seen[0] += len([item for item in items if item.id > self.last_id])
        if record:
            for item in items:
                appended.setdefault(item.id, now)
        return original_append(self, items)

    FeedView.render_line, FeedView.append = render_line, append  # type: ignore[method-assign]
    try:
        producer = Producer(db.engine.url.render_as_string(hide_password=False), person_ids, session_id,
                            rate=rate, seconds=seconds, count=count)
        app = MHCApp(settings, database=db, start_capture=False)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, DashboardScreen) and app.screen.event_feed.loaded):
                await pilot.pause(0.05)
            await pilot.pause(0.5)
            keys: list[float] = []
            stop = asyncio.Event()
            probe = asyncio.create_task(_key_latency(pilot, app, keys, stop))
            started = time.monotonic()
            producer.go()
            memory: list[tuple[int, int]] = []  # (events in the feed so far, RSS bytes)
            while producer.is_alive():
                memory.append((seen[0], me.memory_info().rss))
                await asyncio.sleep(0.05)
            while not record and seen[0] < count and time.monotonic() - started < 300:
                memory.append((seen[0], me.memory_info().rss))
                await asyncio.sleep(0.05)
            if not record:
                memory.append((seen[0], me.memory_info().rss))  # before the producer's records arrive
            producer.join()
            produced_for = time.monotonic() - started
            last = max(producer.committed) if producer.committed else 0
            deadline = time.monotonic() + 30
            while record and last and last not in appended and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            caught_up = time.monotonic() - started
            await asyncio.sleep(0.3)
            stop.set()
            await probe
    finally:
        FeedView.render_line, FeedView.append = original_render, original_append  # type: ignore[method-assign]
    to_screen = [drawn[i] - t for i, t in producer.committed.items() if i in drawn]
    to_feed = [appended[i] - t for i, t in producer.committed.items() if i in appended]
    return {
        "rate": rate, "events": len(producer.committed), "produced_for": produced_for, "caught_up": caught_up,
        "to_screen": to_screen, "to_feed": to_feed, "keys": keys, "memory": memory,
    }


def _rss_figures(memory: list[tuple[int, int]], total: int) -> list[Figure]:
    """RSS at the end, and its growth over the second half of the events (flat: a few MB at most)."""
    end = memory[-1][1]
    half = next(rss for shown, rss in memory if shown >= total // 2)
    mb = 1024 * 1024
    return [below(f"{total:,} events through the feed: RSS", end / mb, 200, unit="MB"),
            below("  its growth over the last half", (end - half) / mb, 10, unit="MB")]


async def main_async(admin: str, seconds: float, memory_events: int) -> None:
    url = create_database(admin)
    figures: list[Figure] = []
    try:
        settings = Settings(database_url=url, broadcaster=BROADCASTER)
        db = open_database(settings)
        migrate.upgrade(db.engine)
        with db.session() as s:
            live = sessions.start(s, BROADCASTER)
            ids = persons.ensure_persons(s, [f"viewer_{i:03d}" for i in range(300)])
        person_ids = list(ids.values())
        print(f"console feed benchmark: 120x40 headless, dashboard visible, {seconds:.0f} s per phase")
        for rate in (50.0, 500.0):
            r = await run_phase(settings, db, person_ids, live.id, rate=rate, seconds=seconds)
            print(f"\n{rate:.0f} events/s offered: {r['events']} events committed")
            print(f"  commit -> line on screen   {_ms(r['to_screen'])}")
            print(f"  commit -> in the feed      {_ms(r['to_feed'])}")
            print(f"  key up / end answered      {_ms(r['keys'])}")
            figures.append(below(f"commit -> line on screen p99 at {rate:.0f}/s", _pct(r["to_screen"], 99) * 1000,
                                 100, unit="ms"))
        r = await run_phase(settings, db, person_ids, live.id, rate=0, seconds=seconds)
        absorbed = r["events"] / r["caught_up"]
        print(f"\nflat out (batches of 200): {r['events']} events committed in {r['produced_for']:.1f} s "
              f"({r['events'] / r['produced_for']:.0f}/s offered)")
        print(f"  console absorbed           {absorbed:.0f} events/s (all shown {r['caught_up']:.1f} s after start)")
        print(f"  commit -> in the feed      {_ms(r['to_feed'])}")
        print(f"  key up / end answered      {_ms(r['keys'])}")
        print(f"  lines drawn                {len(r['to_screen'])} of {r['events']} (the rest scrolled past in a batch)")
        figures.append(below(f"key answer p99, feed flat out ({absorbed:,.0f} ev/s)", _pct(r["keys"], 99) * 1000,
                             50, unit="ms"))
        if memory_events:
            r = await run_phase(settings, db, person_ids, live.id, rate=0, seconds=seconds, count=memory_events)
            print(f"\n{r['events']:,} events flat out: RSS {r['memory'][0][1] / 2**20:.0f} MB at the start, "
                  f"{r['memory'][-1][1] / 2**20:.0f} MB at the end")
            figures += _rss_figures(r["memory"], r["events"])
        db.dispose()
    finally:
        drop_database(admin, url)
    print()
    print_table(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=os.environ.get(
        "MHC_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument("--memory-events", type=int, default=100_000,
                        help="events through the feed for the memory figure (0: skip)")
    args = parser.parse_args()
    asyncio.run(main_async(args.admin_url, args.seconds, args.memory_events))


if __name__ == "__main__":
    main()
