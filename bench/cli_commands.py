"""CLI benchmark: how long do `mhc --help` and the scriptable reads take, next to bare counterparts?

    python bench/cli_commands.py [--runs 7] [--persons 200] [--interactions 5000]

Each figure is the median wall time of `--runs` fresh processes. `mhc --help` is set against
`python -c pass`; `mhc person NAME --json`, `mhc session status --json` and `mhc sessions --json`
against a bare script that imports psycopg, connects, runs the equivalent SELECTs and prints JSON;
`mhc config check --json` (three tokens tried against the local fake APIs) against a bare script that
imports httpx and makes the same three requests at once.

BENCH_CODE=DIR times the `mhc` found in DIR instead (another copy of the code, to compare).
Creates its own database on 127.0.0.1:5432 (or MHC_TEST_DATABASE_URL) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import at_most, print_table  # noqa: E402

from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from mhc_core.db.notify import conninfo  # noqa: E402
from mhc_core.kinds import InteractionSource, InteractionType  # noqa: E402
from mhc_core.services import interactions, persons, sessions  # noqa: E402
from tests import db_support  # noqa: E402
from tests.fakes import FakeApis  # noqa: E402

BROADCASTER = "hudson_bench"
TYPES = (InteractionType.CHAT_MESSAGE, InteractionType.TIP_EVENT, InteractionType.USER_ENTER, InteractionType.FOLLOW)

# The bare counterparts: psycopg, the same reads, JSON out. DSN and name come in argv.
BARE_PERSON = """
import json, sys, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    p = conn.execute("SELECT p.id, p.username, p.role, p.is_excluded, p.did, p.rid, p.first_seen_at, p.last_seen_at "
                     "FROM persons p JOIN person_aliases a ON a.person_id = p.id WHERE a.username = %s",
                     (sys.argv[2],)).fetchone()
    aliases = conn.execute("SELECT username, valid_from, valid_to FROM person_aliases WHERE person_id = %s",
                           (p[0],)).fetchall()
    recent = conn.execute("SELECT id, type, content, timestamp, source, metadata FROM interactions "
                          "WHERE person_id = %s ORDER BY timestamp DESC LIMIT 20", (p[0],)).fetchall()
    print(json.dumps({"person": list(p), "aliases": aliases, "recent": recent}, default=str, indent=2))
"""
_STATS = ("SELECT s.id, s.status, s.origin, s.started_at, s.ended_at, count(i.id), "
          "coalesce(sum(CASE WHEN i.type = 'TIP_EVENT' THEN (i.metadata->>'tokens')::numeric END), 0), "
          "count(i.id) FILTER (WHERE i.type = 'CHAT_MESSAGE'), count(DISTINCT i.person_id) "
          "FROM stream_sessions s LEFT JOIN interactions i ON i.stream_session_id = s.id "
          "WHERE s.broadcaster = %s {where} GROUP BY s.id ORDER BY s.started_at DESC LIMIT 20")
_TOP = ("SELECT i.stream_session_id, i.person_id, sum((i.metadata->>'tokens')::numeric) t FROM interactions i "
        "WHERE i.type = 'TIP_EVENT' AND i.stream_session_id = ANY(%s) GROUP BY 1, 2 ORDER BY t DESC LIMIT 5")
BARE_SESSIONS = """
import json, sys, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    rows = conn.execute(sys.argv[4].format(where=sys.argv[3]), (sys.argv[2],)).fetchall()
    top = conn.execute(sys.argv[5], ([r[0] for r in rows],)).fetchall()
    print(json.dumps({"sessions": rows, "top": top}, default=str, indent=2))
"""

# The three requests `mhc config check` makes: an Events poll with timeout=0, a stats read, a member lookup.
BARE_CHECK = """
import asyncio, json, sys, httpx
events, stats, statbate, name, et, st, sbt = sys.argv[1:]
async def main():
    async with httpx.AsyncClient(timeout=10) as http:
        answers = await asyncio.gather(
            http.get(f"{events}/events/{name}/{et}/?timeout=0"),
            http.get(f"{stats}/statsapi/", params={"username": name, "token": st}),
            http.get(f"{statbate}/members/chaturbate/{name}/info", headers={"Authorization": f"Bearer {sbt}"}))
    print(json.dumps({"checks": [a.status_code for a in answers]}, indent=2))
asyncio.run(main())
"""


def seed(url: str, n_persons: int, n_interactions: int) -> str:
    """Persons, three sessions (two ended, one live) and interactions spread over them; a busy person's name."""
    rng = random.Random(7)
    settings = Settings(database_url=url, broadcaster=BROADCASTER)
    db = open_database(settings)
    try:
        migrate.upgrade(db.engine)
        names = [f"viewer_{i:04d}" for i in range(n_persons)]
        start = datetime.now(UTC) - timedelta(hours=30)
        with db.session() as s:
            ids = persons.ensure_persons(s, names, seen_at=start)
            spans = []
            for day in range(3):
                at = start + timedelta(hours=12 * day)
                live = sessions.start(s, BROADCASTER, at=at)
                if day < 2:
                    sessions.end(s, BROADCASTER, at=at + timedelta(hours=4))
                spans.append((live.id, at))
            for k in range(n_interactions):
                sid, at = spans[k % 3]
                kind = rng.choice(TYPES)
                meta = {"tokens": rng.choice((1, 5, 25, 100))} if kind is InteractionType.TIP_EVENT else None
                interactions.append(s, ids[names[k % 10 if k % 2 else rng.randrange(n_persons)]], kind.value,
                                    content=f"message {k}", timestamp=at + timedelta(seconds=k),
                                    source=InteractionSource.CB_EVENTS.value, metadata=meta, stream_session_id=sid)
        return names[1]
    finally:
        db.dispose()


def median_seconds(argv: list[str], runs: int, env: dict[str, str], cwd: str) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env, cwd=cwd, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:4])}... failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--interactions", type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    py = sys.executable
    admin = db_support.admin_url(Path("/tmp/mhc-bench-pg"))
    url = db_support.create_database(admin)
    try:
        name = seed(url, args.persons, args.interactions)
        dsn = conninfo(url)
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
            env |= {"MHC_DATABASE_URL": url, "MHC_BROADCASTER": BROADCASTER, "MHC_LOG_DIR": tmp,
                    "XDG_CONFIG_HOME": tmp, "PYTHONPATH": os.environ.get("BENCH_CODE", str(ROOT))}
            mhc = [py, "-c", "import sys; from mhc.main import main; sys.exit(main())"]
            rows = [
                ("mhc --help", mhc + ["--help"], [py, "-c", "pass"], 3.0),
                ("mhc person NAME --json", mhc + ["person", name, "--json"], [py, "-c", BARE_PERSON, dsn, name],
                 1.5),
                ("mhc session status --json", mhc + ["session", "status", "--json"],
                 [py, "-c", BARE_SESSIONS, dsn, BROADCASTER, "AND s.status = 'LIVE'", _STATS, _TOP], 1.5),
                ("mhc sessions --json", mhc + ["sessions", "--json"], [py, "-c", BARE_SESSIONS, dsn, BROADCASTER, "", _STATS, _TOP],
                 1.5),
            ]
            fake = FakeApis(broadcaster=BROADCASTER).start()
            check_env = env | fake.env()
            bare_check = [py, "-c", BARE_CHECK, fake.events_base_url, fake.stats_base_url, fake.statbate_base_url,
                          BROADCASTER, fake.events_token, fake.stats_token, fake.statbate_token]
            rows.append(("mhc config check --json", mhc + ["config", "check", "--json"], bare_check, 1.5))
            envs = {"mhc config check --json": check_env}
            print(f"{args.persons} persons, {args.interactions} interactions, 3 sessions; "
                  f"median of {args.runs} runs each")
            try:
                print_table([at_most(figure, median_seconds(argv, args.runs, envs.get(figure, env), tmp),  # not cwd:
                                     median_seconds(bare, args.runs, envs.get(figure, env), tmp), goal)  # PYTHONPATH
                             for figure, argv, bare, goal in rows])  # picks the code
            finally:
                fake.stop()
    finally:
        db_support.drop_database(admin, url)


if __name__ == "__main__":
    main()
