"""The broadcaster's memory at scale: person data, search and a watchlist with a long history.

    python bench/memory_scale.py [--persons 100000] [--interactions 1000000] [--url URL] [--runs 3]

Fills a scratch database with `generate_history.py` (or uses `--url`, already filled, and keeps it),
then times, through the data door exactly as `mhc` and the console call it, and beside a bare
psycopg script running equivalent SQL on one connection in the same run:

- person screen data (`Data.person`: the person, aliases, latest snapshots, recent interactions,
  notes, tags, lists, room figures and, where the door offers it, the behaviour analysis) for the
  busiest persons and a spread of ordinary ones;
- search (`Data.search`): common words, rare words, a username, a prefix, no match, one person;
- a watchlist screen's load (`Data.watchlist`), where the door offers it.

Prints p50/p95 of each; no thresholds.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from figures import Figure, below, print_table  # noqa: E402
from generate_history import BROADCASTER, busiest, generate, name_of  # noqa: E402

from mhc_core.config import Settings  # noqa: E402
from mhc_core.data.door import Data  # noqa: E402
from mhc_core.db import open_database  # noqa: E402
from mhc_core.db.notify import conninfo  # noqa: E402
from tests import db_support  # noqa: E402

# (what is typed, the tsquery the bare script uses for it: `hudso` is matched as a prefix while typed)
SEARCHES = (("love show", "websearch_to_tsquery('simple'::regconfig, %(q)s)"),
            ("dice wheel spin", "websearch_to_tsquery('simple'::regconfig, %(q)s)"),
            ("legend king brb", "websearch_to_tsquery('simple'::regconfig, %(q)s)"),
            ("hudso", "to_tsquery('simple'::regconfig, 'hudso:*')"),
            ("zzzqqq nothing", "websearch_to_tsquery('simple'::regconfig, %(q)s)"),
            ("viewer_000042", "websearch_to_tsquery('simple'::regconfig, %(q)s)"))
TYPES = "('CHAT_MESSAGE', 'PRIVATE_MESSAGE', 'TIP_EVENT', 'MANUAL_NOTE', 'CHAT_IMPORT')"

BARE_PERSON = [
    "SELECT p.* FROM persons p JOIN person_aliases a ON a.person_id = p.id WHERE a.username = %(name)s",
    "SELECT * FROM person_aliases WHERE person_id = %(id)s",
    "SELECT DISTINCT ON (source) * FROM snapshots WHERE person_id = %(id)s ORDER BY source, captured_at DESC",
    "SELECT * FROM interactions WHERE person_id = %(id)s ORDER BY timestamp DESC LIMIT 20",
    "SELECT * FROM interactions WHERE person_id = %(id)s AND type = 'MANUAL_NOTE' ORDER BY timestamp DESC LIMIT 200",
    "SELECT count(*) FROM interactions WHERE person_id = %(id)s AND type = 'MANUAL_NOTE'",
    "SELECT * FROM attributes WHERE person_id = %(id)s",
    "SELECT w.id, w.name, m.person_id IS NOT NULL FROM watchlists w "
    "LEFT JOIN watchlist_members m ON m.watchlist_id = w.id AND m.person_id = %(id)s",
    "SELECT sum((metadata->>'tokens')::numeric) FILTER (WHERE type = 'TIP_EVENT'), count(*) FILTER (WHERE type = "
    "'TIP_EVENT'), count(*) FILTER (WHERE type = 'CHAT_MESSAGE'), count(DISTINCT stream_session_id), max(timestamp) "
    "FROM interactions WHERE person_id = %(id)s AND source IN ('cb_events', 'transcript')",
]
# What the analysis reads beyond that: tokens per attended session, the hour-of-week histogram.
BARE_ANALYSIS = [
    "SELECT stream_session_id, sum((metadata->>'tokens')::numeric) FILTER (WHERE type = 'TIP_EVENT'), count(*) "
    "FROM interactions WHERE person_id = %(id)s AND stream_session_id IS NOT NULL GROUP BY 1",
    "SELECT extract(isodow FROM timestamp AT TIME ZONE 'UTC'), extract(hour FROM timestamp AT TIME ZONE 'UTC'), "
    "count(*) FROM interactions WHERE person_id = %(id)s GROUP BY 1, 2",
    "SELECT count(*) FILTER (WHERE type = 'FOLLOW'), count(*) FILTER (WHERE type = 'UNFOLLOW'), min(timestamp) "
    "FROM interactions WHERE person_id = %(id)s",
]
BARE_SEARCH = (
    "WITH matched AS MATERIALIZED (SELECT id, timestamp FROM interactions WHERE content IS NOT NULL AND type IN "
    + TYPES + " AND to_tsvector('simple'::regconfig, content) @@ {tsquery}) "
    "SELECT i.*, p.username FROM (SELECT id, timestamp FROM matched ORDER BY timestamp DESC, id DESC LIMIT 51) page "
    "JOIN interactions i ON i.id = page.id JOIN persons p ON p.id = i.person_id ORDER BY page.timestamp DESC"
)
BARE_WATCHLIST = (
    "SELECT p.username, m.added_at, max(i.timestamp), "
    "sum((i.metadata->>'tokens')::numeric) FILTER (WHERE i.type = 'TIP_EVENT'), "
    "bool_or(i.type = 'MANUAL_NOTE') FROM watchlist_members m JOIN watchlists w ON w.id = m.watchlist_id "
    "JOIN persons p ON p.id = m.person_id LEFT JOIN interactions i ON i.person_id = p.id "
    "WHERE lower(w.name) = lower(%(list)s) GROUP BY p.username, m.added_at"
)


def timed(call: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _person_names(persons: int) -> list[str]:
    """The ten busiest and a spread of ordinary persons, as the broadcaster opens them."""
    return busiest(persons, 10) + [name_of(i) for i in range(100, persons, max(1, persons // 40))]


def measure(url: str, persons: int, runs: int) -> list[Figure]:
    settings = Settings(database_url=url, broadcaster=BROADCASTER)
    db = open_database(settings)
    data = Data(db, settings)
    figures: list[Figure] = []
    try:
        with psycopg.connect(conninfo(url), autocommit=True) as bare:
            names = _person_names(persons)
            ids = {name: bare.execute(BARE_PERSON[0], {"name": name}).fetchone()[0] for name in names}
            asks_analysis = "analysis" in inspect.signature(data.person).parameters
            person = (lambda n: data.person(n, analysis=True)) if asks_analysis else data.person  # type: ignore[call-arg]
            bare_reads = BARE_PERSON + (BARE_ANALYSIS if asks_analysis else [])

            def bare_person(name: str) -> None:
                for statement in bare_reads:
                    bare.execute(statement, {"name": name, "id": ids[name]}).fetchall()

            for name in names[:3]:  # warm both
                person(name)
                bare_person(name)
            ours = [t for name in names for t in timed(lambda n=name: person(n), runs)]
            theirs = [t for name in names for t in timed(lambda n=name: bare_person(n), runs)]
            label = "person screen data (with analysis)" if asks_analysis else "person screen data"
            figures.append(below(f"{label} p95, {len(names)} persons", p(ours, 95) * 1000, 50, unit="ms",
                                 bare=f"{p(theirs, 95) * 1000:.1f} ms", ratio=p(ours, 95) / p(theirs, 95)))
            print(f"  {label}: p50 {p(ours, 50) * 1000:.1f} ms, p95 {p(ours, 95) * 1000:.1f} ms; "
                  f"bare p50 {p(theirs, 50) * 1000:.1f} ms, p95 {p(theirs, 95) * 1000:.1f} ms")

            if hasattr(data, "search"):
                ours, theirs = [], []
                for q, tsquery in SEARCHES:
                    data.search(q)
                    statement = BARE_SEARCH.format(tsquery=tsquery)
                    ours += timed(lambda q=q: data.search(q), runs)
                    theirs += timed(lambda q=q, st=statement: bare.execute(st, {"q": q}).fetchall(), runs)
                    print(f"  search {q!r}: {statistics.median(ours[-runs:]) * 1000:.1f} ms, "
                          f"bare {statistics.median(theirs[-runs:]) * 1000:.1f} ms")
                figures.append(below(f"search p95, {len(SEARCHES)} kinds of query", p(ours, 95) * 1000, 100,
                                     unit="ms", bare=f"{p(theirs, 95) * 1000:.1f} ms", ratio=p(ours, 95) / p(theirs, 95)))

            if hasattr(data, "watchlist"):
                ours = timed(lambda: data.watchlist("Friends"), runs * 5)  # type: ignore[attr-defined]
                theirs = timed(lambda: bare.execute(BARE_WATCHLIST, {"list": "Friends"}).fetchall(), runs * 5)
                figures.append(below("watchlist screen load (500 members) p95", p(ours, 95) * 1000, 100, unit="ms",
                                     bare=f"{p(theirs, 95) * 1000:.1f} ms", ratio=p(ours, 95) / p(theirs, 95)))
    finally:
        db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--url", help="a database already filled by generate_history.py (kept)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.url:
        print(f"using {args.url.rsplit('/', 1)[-1]} as filled")
        print_table(measure(args.url, args.persons, args.runs))
        return
    admin = db_support.admin_url(Path("/tmp/mhc-bench-pg"))
    url = db_support.create_database(admin)
    try:
        started = time.monotonic()
        generate(url, persons=args.persons, interactions=args.interactions)
        print(f"{args.persons:,} persons, {args.interactions:,} interactions generated in "
              f"{time.monotonic() - started:.0f} s")
        print_table(measure(url, args.persons, args.runs))
    finally:
        db_support.drop_database(admin, url)


if __name__ == "__main__":
    main()
