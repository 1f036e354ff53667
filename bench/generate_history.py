"""A broadcaster's long history for the scale benchmarks: persons, sessions, interactions, snapshots, lists.

    python bench/generate_history.py DATABASE_URL [--persons 100000] [--interactions 1000000]

Written with COPY into a migrated database (it migrates it first). Deterministic for a seed. Activity is
heavy-tailed as in a real room: a few regulars have tens of thousands of interactions, most people a
handful. About 70% of the interactions carry words (chat, tip notes, PMs, notes, imported lines) drawn
from a small vocabulary with usernames among them, so full-text search has matches of every size.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from mhc_core.config import Settings  # noqa: E402
from mhc_core.db import migrate, open_database  # noqa: E402
from mhc_core.db.notify import conninfo  # noqa: E402

BROADCASTER = "hudson_cage"
WORDS = ("hi", "hello", "love", "the", "show", "tonight", "great", "music", "song", "request", "tip", "menu",
         "goal", "lol", "wow", "nice", "hot", "dance", "again", "please", "thanks", "babe", "king", "legend",
         "cam", "private", "spin", "wheel", "dice", "fan", "club", "hudson", "cage", "bro", "omg", "brb", "gg")
# (type, share of interactions, carries words)
MIX = (("CHAT_MESSAGE", 0.58, True), ("TIP_EVENT", 0.10, True), ("USER_ENTER", 0.10, False),
       ("USER_LEAVE", 0.09, False), ("PRIVATE_MESSAGE", 0.05, True), ("FOLLOW", 0.02, False),
       ("UNFOLLOW", 0.01, False), ("MANUAL_NOTE", 0.02, True), ("CHAT_IMPORT", 0.03, True))
SESSION_HOURS = 3


def name_of(i: int) -> str:
    return f"viewer_{i:06d}"


def busiest(persons: int, count: int = 1) -> list[str]:
    """The names with the most interactions (the heavy tail puts them at the lowest indexes)."""
    return [name_of(i) for i in range(min(count, persons))]


def generate(url: str, *, persons: int = 100_000, interactions: int = 1_000_000, sessions: int = 300,
             seed: int = 7) -> None:
    rng = random.Random(seed)
    db = open_database(Settings(database_url=url))
    try:
        migrate.upgrade(db.engine)
    finally:
        db.dispose()
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(days=sessions)
    starts = [first + timedelta(days=d, hours=20) for d in range(sessions)]
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(persons)]
    with psycopg.connect(conninfo(url)) as conn:
        with conn.cursor() as cur:
            with cur.copy("COPY persons (id, username, role, first_seen_at, last_seen_at) FROM STDIN") as copy:
                for i, pid in enumerate(ids):
                    copy.write_row((pid, name_of(i), "VIEWER", first, now))
            with cur.copy("COPY person_aliases (person_id, username, valid_from) FROM STDIN") as copy:
                for i, pid in enumerate(ids):
                    copy.write_row((pid, name_of(i), first))
            with cur.copy("COPY stream_sessions (broadcaster, started_at, ended_at, status, origin) FROM STDIN") as copy:
                for start in starts:
                    copy.write_row((BROADCASTER, start, start + timedelta(hours=SESSION_HOURS), "ENDED", "auto"))
            session_ids = [row[0] for row in cur.execute("SELECT id FROM stream_sessions ORDER BY started_at")]
            kinds, weights = [m[0] for m in MIX], [m[1] for m in MIX]
            wordy = {m[0] for m in MIX if m[2]}
            with cur.copy("COPY interactions (person_id, stream_session_id, type, content, timestamp, source, "
                          "metadata, event_id) FROM STDIN") as copy:
                chosen = rng.choices(kinds, weights, k=interactions)
                for n, kind in enumerate(chosen):
                    who = min(int(persons * rng.random() ** 3), persons - 1)
                    s = rng.randrange(sessions)
                    at = starts[s] + timedelta(seconds=rng.randrange(SESSION_HOURS * 3600))
                    content = None
                    if kind in wordy:
                        words = rng.choices(WORDS, k=rng.randint(2, 12))
                        if rng.random() < 0.05:
                            words.append(name_of(rng.randrange(persons)))
                        content = " ".join(words)
                    meta = json.dumps({"tokens": rng.choice((1, 5, 10, 25, 50, 100, 500))}) if kind == "TIP_EVENT" \
                        else "{}"
                    source = {"MANUAL_NOTE": "manual", "CHAT_IMPORT": "transcript"}.get(kind, "cb_events")
                    copy.write_row((ids[who], session_ids[s] if kind != "MANUAL_NOTE" else None, kind, content, at,
                                    source, meta, f"gen-{n}" if source == "cb_events" else None))
            with cur.copy("COPY snapshots (person_id, source, captured_at, raw_payload, normalized_metrics) "
                          "FROM STDIN") as copy:
                for i in range(0, persons, 5):
                    tokens = int(rng.paretovariate(1.2) * 100)
                    metrics = {"name": name_of(i), "did": i + 1, "all_time_tokens": tokens,
                               "models_tipped_2weeks": rng.randint(0, 30), "models_messaged_2weeks": rng.randint(0, 30),
                               "models_tipped_2weeks_list": [], "models_messaged_2weeks_list": [],
                               "per_day_tokens": [], "last_tip_amount": rng.choice((1, 25, 100))}
                    copy.write_row((ids[i], "statbate_member", now - timedelta(days=rng.randrange(30)),
                                    json.dumps({"data": metrics}), json.dumps(metrics)))
            lists = dict(cur.execute("SELECT name, id FROM watchlists").fetchall())
            with cur.copy("COPY watchlist_members (watchlist_id, person_id) FROM STDIN") as copy:
                for list_name, members in (("Friends", 500), ("Ones to Watch", 300), ("Known Streamers", 100)):
                    for i in rng.sample(range(persons), min(members, persons)):
                        copy.write_row((lists[list_name], ids[i]))
        conn.commit()
    # As autovacuum leaves a long-lived database: statistics and the visibility map (index-only scans).
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="a database to fill (SQLAlchemy URL); it is migrated first")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=300)
    args = parser.parse_args()
    started = time.monotonic()
    generate(args.url, persons=args.persons, interactions=args.interactions, sessions=args.sessions)
    print(f"{args.persons:,} persons, {args.interactions:,} interactions, {args.sessions} sessions "
          f"in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
