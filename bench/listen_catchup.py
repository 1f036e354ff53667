"""Catch-up and start-up of `mhc listen`, each beside a bare program doing the same work in the same run.

    python bench/listen_catchup.py [--events 20000] [--runs 3]

A backlog of realistic events with hostile payloads among them (10,000-character messages with emoji
and markup, terminal escapes, NUL, damaged events) waits on the fake Events API. Timed, as fresh
processes, from launch:

- `mhc listen` (database already migrated): until the cursor of the last event is stored (journal,
  projection and cursor are one transaction, so that is "all journaled and projected"); until the
  first event is stored; until its first Events API request.
- the bare writer: urllib + json + psycopg `executemany` of each raw event into one table with a
  unique id, following nextUrl, same server, same database; its first commit is timed too.
- `python -c "import psycopg, httpx"`, the bare counterpart of launch to first request.

Prints the median of the runs; no thresholds. Creates its own databases and drops them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from figures import at_least, at_most, print_table  # noqa: E402

from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from mhc_core.db.notify import conninfo  # noqa: E402
from tests import db_support  # noqa: E402
from tests.fakes import FakeApis, hostile_events, make_event, random_events  # noqa: E402

# The bare writer: argv = dsn, first URL. Prints "<first commit> <done>" as time.monotonic() readings
# (the same clock in every process on Linux). timeout=0: an empty answer means the backlog is read.
BARE = """
import json, sys, time, urllib.request, psycopg
dsn, url = sys.argv[1], sys.argv[2]
first = None
with psycopg.connect(dsn) as conn:
    while True:
        with urllib.request.urlopen(url) as answer:
            body = json.loads(answer.read())
        events = body["events"]
        if not events:
            break
        rows = [(e.get("id") if isinstance(e, dict) else None, json.dumps(e)) for e in events]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_raw VALUES (%s, %s) ON CONFLICT DO NOTHING", rows)
        conn.commit()
        first = first or time.monotonic()
        url = body["nextUrl"]
print(first, time.monotonic())
"""
IMPORTS = "import psycopg, httpx"


def backlog(fake: FakeApis, total: int) -> None:
    """`total` events: the random stream, a long message with emoji and markup every 100th, the hostile set."""
    source = random_events(fake.broadcaster, seed=7)
    long_text = ("[b]bold[/b] 🎉🔥 <i>hi</i> " * 400)[:10_000]
    hostile = hostile_events(fake.broadcaster)
    events: list[object] = []
    while len(events) < total - len(hostile):
        n = len(events)
        events.append(make_event("chatMessage", f"long_writer_{n % 7}", broadcaster=fake.broadcaster,
                                 text=long_text) if n % 100 == 0 else next(source))
    fake.push(*events)
    fake.push(*hostile, raw=True)


def fresh_database(admin: str) -> str:
    url = db_support.create_database(admin)
    db = open_database(Settings(database_url=url))
    try:
        migrate.upgrade(db.engine)
    finally:
        db.dispose()
    return url


def run_listen(fake: FakeApis, url: str, last_id: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(launch to first request, launch to first event stored, launch to all stored) for one `mhc listen`."""
    env = env | {"MHC_DATABASE_URL": url}
    fake.clear_requests()
    with psycopg.connect(conninfo(url), autocommit=True) as watch:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "mhc", "listen"], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first = None
        try:
            while True:
                cursor = watch.execute("SELECT cursor FROM listener_state").fetchone()
                now = time.monotonic()
                if first is None and watch.execute("SELECT exists (SELECT 1 FROM event_log)").fetchone()[0]:
                    first = now
                if cursor and cursor[0] == last_id:
                    done = now
                    break
                if proc.poll() is not None:
                    raise SystemExit(f"mhc listen exited early with {proc.returncode}")
                if now - started > 300:
                    raise SystemExit("mhc listen did not catch up in 5 minutes")
                time.sleep(0.005)
        finally:
            proc.terminate()
            proc.wait(30)
    requests = fake.requests_for("events")
    return requests[0].time - started, (first or done) - started, done - started


def run_bare(fake: FakeApis, url: str, env: dict[str, str]) -> tuple[float, float]:
    """(launch to first commit, launch to done) for the bare writer."""
    dsn = conninfo(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute("CREATE TABLE bench_raw (event_id text UNIQUE, payload text NOT NULL)")
    first_url = f"{fake.events_base_url}/events/{fake.broadcaster}/{fake.events_token}/?timeout=0"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", BARE, dsn, first_url], env=env, capture_output=True, text=True,
                          check=True)
    first, end = (float(x) for x in done.stdout.split())
    return first - started, end - started


def imports_alone(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", IMPORTS], env=env, check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    admin = db_support.admin_url(Path("/tmp/mhc-bench-pg"))
    with FakeApis(events_per_batch=100) as fake, tempfile.TemporaryDirectory() as tmp:
        backlog(fake, args.events)
        last_id = fake.event_ids[-1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
        env |= {"MHC_BROADCASTER": fake.broadcaster, "MHC_EVENTS_TOKEN": fake.events_token,
                "MHC_EVENTS_BASE_URL": fake.events_base_url, "MHC_LOG_DIR": tmp, "XDG_CONFIG_HOME": tmp,
                "PYTHONPATH": os.environ.get("BENCH_CODE", str(ROOT))}
        listen, bare, imports = [], [], []
        for _ in range(args.runs):
            for run, into in ((lambda u: run_listen(fake, u, last_id, env), listen),
                              (lambda u: run_bare(fake, u, env), bare)):
                url = fresh_database(admin)
                try:
                    into.append(run(url))
                finally:
                    db_support.drop_database(admin, url)
            imports.append(imports_alone(env))
    med = statistics.median
    to_request, to_first, to_all = (med(x[i] for x in listen) for i in range(3))
    bare_first, bare_all = (med(x[i] for x in bare) for i in range(2))
    print(f"backlog of {args.events} events (long, emoji, markup, hostile among them), 100 per answer; "
          f"median of {args.runs} runs")
    print(f"  mhc listen: first request {to_request:.2f} s, first event stored {to_first:.2f} s, "
          f"all stored {to_all:.2f} s ({args.events / (to_all - to_first):,.0f} events/s after the first)")
    print(f"  bare writer: first commit {bare_first:.2f} s, all stored {bare_all:.2f} s "
          f"({args.events / (bare_all - bare_first):,.0f} events/s after the first)")
    print_table([
        at_least(f"{args.events:,}-event catch-up, launch to all", to_all, bare_all, 0.5),
        at_least("same, after the first event is stored", to_all - to_first, bare_all - bare_first, 0.7),
        at_most("mhc listen launch to first request", to_request, med(imports), 2.0),
    ])


if __name__ == "__main__":
    main()
