"""The live radar under a crowd: enrichment of 2,000 arrivals, keys meanwhile, commit-to-alert latency.

    python bench/radar.py [--arrivals 2000] [--tips 200] [--admin-url postgresql+psycopg://...]

Runs the real console headless (run_test, 120x40, dashboard visible) capturing the fake APIs over a
socket, against a scratch database, with a Statbate token so that it enriches arrivals.

- 2,000 people enter at once. Measured: the Statbate requests made (beside the fewest possible, one per
  100 names) and the time from the burst being offered to every row of the room list showing its
  Statbate figure, beside a bare program doing the same work (the batch requests with httpx, one
  `executemany` of the snapshots with psycopg); and the console's key answer meanwhile (`down` / `up`
  in the room list, from the key to the cursor having moved), p50/p99.
- Tips of 600 tokens, a few a second (the default rule `tip>=500` fires for each): commit to alert,
  from the interaction's `created_at` (the capture transaction's time) to the alert's `fired_at`, both
  the database's clock, p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from console_feed import _conninfo, _ms, _pct, create_database, drop_database  # noqa: E402
from figures import Figure, below, print_table  # noqa: E402
from sqlalchemy import text  # noqa: E402

from mhc_core.clients.rate import BURST  # noqa: E402
from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from mhc_tui.app import MHCApp  # noqa: E402
from mhc_tui.screens.dashboard import DashboardScreen  # noqa: E402
from mhc_tui.widgets.room_list import RoomList  # noqa: E402
from tests.fakes.events import make_event  # noqa: E402
from tests.fakes.server import FakeApis  # noqa: E402

BROADCASTER = "hudson_cage"
UNKNOWN = "·"


def _settings(url: str, fake: FakeApis) -> Settings:
    env = {key.removeprefix("MHC_").lower(): value for key, value in fake.env().items()}
    env.pop("stats_token", None)  # the poller plays no part here
    return Settings(database_url=url, events_timeout=1, **env)


def _statbate_requests(fake: FakeApis) -> int:
    return len(fake.requests_for("statbate"))


async def _keys(pilot, room: RoomList, samples: list[float], stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    """Every 200 ms `down` then `up` in the room list; time from the key to the cursor having moved."""
    room.focus()
    while room.row_count < 3 and not stop.is_set():
        await asyncio.sleep(0.01)
    while not stop.is_set():
        for key in ("down", "up"):
            before = room.cursor_row
            t0 = time.monotonic()
            room.app.simulate_key(key)
            while room.cursor_row == before and time.monotonic() - t0 < 5:
                await asyncio.sleep(0.0005)
            samples.append(time.monotonic() - t0)
            await asyncio.sleep(0.1)


def _all_shown(room: RoomList, wanted: int) -> bool:
    if room.row_count < wanted:
        return False
    return all(cell.plain.strip() != UNKNOWN for cell in room.get_column("statbate"))


async def enrichment_phase(url: str, arrivals: int) -> dict:
    with FakeApis(every_name_a_member=True) as fake:
        settings = _settings(url, fake)
        app = MHCApp(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, DashboardScreen) and app.screen.loaded):
                await pilot.pause(0.05)
            while app.health.capture.state != "connected":
                await pilot.pause(0.05)
            fake.push(make_event("broadcastStart", BROADCASTER))
            await pilot.pause(1.0)
            fake.clear_requests()
            room = app.screen.query_one(RoomList)
            keys: list[float] = []
            stop = asyncio.Event()
            probe = asyncio.create_task(_keys(pilot, room, keys, stop))
            started = time.monotonic()
            fake.push(*(make_event("userEnter", f"arrival_{i:05d}") for i in range(arrivals)))
            deadline = started + 300
            while not _all_shown(room, arrivals) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            shown = time.monotonic() - started
            stop.set()
            await probe
            requests = _statbate_requests(fake)
            await app.action_quit()
    return {"shown": shown, "requests": requests, "keys": keys}


def bare_enrichment(url: str, arrivals: int) -> float:
    """The least the work takes: the batch requests in sequence and one executemany of the snapshots."""
    names = [f"bare_{i:05d}" for i in range(arrivals)]
    with FakeApis(every_name_a_member=True) as fake, psycopg.connect(_conninfo(url)) as conn:
        ids = {}
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO persons (username) VALUES (%s) RETURNING id", [(n,) for n in names],
                            returning=True)
            for name in names:
                ids[name] = cur.fetchone()[0]  # type: ignore[index]
                cur.nextset()
        conn.commit()
        started = time.monotonic()
        rows = []
        with httpx.Client(headers={"Authorization": f"Bearer {fake.statbate_token}"}) as http:
            for at in range(0, arrivals, 100):
                chunk = names[at:at + 100]
                answer = http.post(f"{fake.statbate_base_url}/members/chaturbate/info/batch", json={"names": chunk})
                for item in answer.json()["data"]:
                    rows.append((ids[item["name"]], json.dumps(item),
                                 json.dumps({"all_time_tokens": item["all_time_tokens"]})))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO snapshots (person_id, source, raw_payload, normalized_metrics) "
                            "VALUES (%s, 'statbate_member', %s, %s)", rows)
        conn.commit()
        return time.monotonic() - started


async def alert_phase(url: str, tips: int, rate: float) -> list[float]:
    with FakeApis() as fake:
        settings = _settings(url, fake).model_copy(update={"statbate_token": None})
        app = MHCApp(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, DashboardScreen) and app.screen.loaded):
                await pilot.pause(0.05)
            while app.health.capture.state != "connected":
                await pilot.pause(0.05)
            await pilot.pause(1.0)
            for i in range(tips):
                fake.push(make_event("tip", f"tipper_{i % 50:03d}", tokens=600))
                await asyncio.sleep(1 / rate)
            db = open_database(settings)
            deadline = time.monotonic() + 30
            latencies: list[float] = []
            while time.monotonic() < deadline:
                with db.engine.connect() as conn:
                    latencies = [row[0] for row in conn.execute(text(
                        "SELECT extract(epoch FROM a.fired_at - i.created_at) FROM alerts a "
                        "JOIN interactions i ON i.event_id = a.event_id WHERE a.rule = 'tip>=500'"))]
                if len(latencies) >= tips:
                    break
                await asyncio.sleep(0.2)
            db.dispose()
            await app.action_quit()
    return [float(x) for x in latencies]


def main_sync(admin: str, arrivals: int, tips: int) -> None:
    figures: list[Figure] = []
    for phase in ("enrichment", "alerts"):
        url = create_database(admin)
        try:
            db = open_database(Settings(database_url=url))
            migrate.upgrade(db.engine)
            db.dispose()
            if phase == "enrichment":
                r = asyncio.run(enrichment_phase(url, arrivals))
                bare = bare_enrichment(url, arrivals)
                fewest = math.ceil(arrivals / 100)
                rate = Settings().statbate_rate_per_minute
                # The budget lets the first BURST requests go at once, then one every 60/rate seconds.
                floor = max(0, r["requests"] - BURST) * 60 / rate
                print(f"{arrivals:,} arrivals at once, Statbate rate {rate}/min:")
                print(f"  Statbate requests          {r['requests']} (fewest possible {fewest})")
                print(f"  every row shows Statbate   {r['shown']:.1f} s   (bare program, no budget: {bare:.2f} s; "
                      f"the budget alone allows {floor:.1f} s)")
                print(f"  key down / up answered     {_ms(r['keys'])}")
                figures.append(Figure(f"{arrivals:,} arrivals: Statbate requests", str(r["requests"]), str(fewest),
                                      r["requests"] / fewest, "<= 2x fewest", r["requests"] <= 2 * fewest))
                figures.append(Figure(f"{arrivals:,} arrivals: every row shows Statbate", f"{r['shown']:.1f} s",
                                      f"{bare:.2f} s", r["shown"] / bare, "-", None))
                figures.append(below("  of which beyond the rate budget's floor", r["shown"] - floor, 3, unit="s",
                                     bare=f"{floor:.1f} s floor"))
                figures.append(below("key answer p99 while enriching", _pct(r["keys"], 99) * 1000, 50, unit="ms"))
            else:
                latencies = asyncio.run(alert_phase(url, tips, rate=5.0))
                print(f"\n{tips} tips of 600 tokens at 5/s: {len(latencies)} alerts")
                print(f"  commit -> alert            {_ms(latencies)}")
                figures.append(below("commit -> alert p50", _pct(latencies, 50) * 1000, 500, unit="ms"))
                figures.append(below("commit -> alert p99", _pct(latencies, 99) * 1000, 1000, unit="ms"))
        finally:
            drop_database(admin, url)
    print()
    print_table(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=os.environ.get(
        "MHC_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--arrivals", type=int, default=2000)
    parser.add_argument("--tips", type=int, default=100)
    args = parser.parse_args()
    main_sync(args.admin_url, args.arrivals, args.tips)


if __name__ == "__main__":
    main()
