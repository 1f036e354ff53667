"""A session's recap through the data door: its figures, who was new and who came back, the Stats API's
viewer counts of that time, and each figure beside the median of the previous five sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.data.recap_views import FIGURES
from mhc_core.db import Database
from mhc_core.services import interactions, persons, sessions, snapshots, watchlists

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
ME = "hudson_cage"


def _event(s, sid: int, who: str, kind: str, at: datetime, *, tokens: int | None = None,
           source: str = "cb_events") -> None:
    person = persons.find_or_create(s, who)
    interactions.append(s, person.id, kind, timestamp=at, source=source, stream_session_id=sid,
                        metadata={"tokens": tokens} if tokens is not None else None)


def _viewers(s, at: datetime, count: int | None) -> None:
    me = persons.find_or_create(s, ME, role="MODEL")
    snapshots.append(s, me.id, "cb_stats", {"num_viewers": count if count is not None else -1},
                     {"num_viewers": count}, captured_at=at)


def _session(s, start: datetime, hours: float) -> int:
    sid = sessions.start(s, ME, at=start).id
    sessions.end(s, ME, at=start + timedelta(hours=hours))
    return sid


@pytest.fixture
def data(db: Database, settings: Settings) -> Data:
    return Data(db, settings, clock=lambda: T0 + timedelta(days=30))


@pytest.fixture
def seeded(db: Database) -> list[int]:
    """Sessions 1-6 (session k: k hours, alice tips 10*k once), then session 7, the one recapped."""
    ids = []
    with db.session() as s:
        _event(s, None, "dave_x", "MANUAL_NOTE", T0 - timedelta(days=1), source="manual")  # a note is not the room
        for k in range(1, 7):
            start = T0 + timedelta(days=k)
            sid = _session(s, start, k)
            ids.append(sid)
            _event(s, sid, "alice_01", "TIP_EVENT", start + timedelta(minutes=10), tokens=10 * k)
            if k == 1:
                _event(s, sid, "bob_b", "CHAT_MESSAGE", start + timedelta(minutes=5))
        _viewers(s, T0 + timedelta(days=5, minutes=30), 30)
        _viewers(s, T0 + timedelta(days=6, minutes=30), 10)
        _viewers(s, T0 + timedelta(days=6, minutes=40), 20)

        start = T0 + timedelta(days=7)
        sid = _session(s, start, 3)
        ids.append(sid)
        _event(s, sid, "alice_01", "TIP_EVENT", start + timedelta(minutes=1), tokens=50)
        _event(s, sid, "alice_01", "TIP_EVENT", start + timedelta(minutes=2), tokens=150)
        _event(s, sid, "bob_b", "CHAT_MESSAGE", start + timedelta(minutes=3))
        _event(s, sid, "dave_x", "CHAT_MESSAGE", start + timedelta(minutes=4))
        _event(s, sid, "carol99", "FOLLOW", start + timedelta(minutes=5))
        _event(s, sid, "frank_f", "UNFOLLOW", start + timedelta(minutes=6))
        _event(s, sid, ME, "CHAT_MESSAGE", start + timedelta(minutes=7))  # the broadcaster is no viewer
        _event(s, sid, "eve_excluded", "TIP_EVENT", start + timedelta(minutes=8), tokens=1000)
        watchlists.set_member(s, watchlists.by_name(s, "Excluded"), persons.find_person(s, "eve_excluded"), True)
        _viewers(s, start - timedelta(minutes=1), 999)  # before the session: not its audience
        for minutes, count in ((10, 10), (60, 20), (120, 45), (150, None)):
            _viewers(s, start + timedelta(minutes=minutes), count)
        # Another broadcaster's session is never one of the previous.
        other = sessions.start(s, "someone_else", at=T0 + timedelta(days=6, hours=12))
        sessions.end(s, "someone_else", at=T0 + timedelta(days=6, hours=13))
        _ = other
    return ids


def _values(view) -> dict:
    return {f.name: (f.value, f.median_previous) for f in view.figures}


def test_a_recap_sets_each_figure_beside_the_median_of_the_previous_five(data, seeded) -> None:
    view = data.recap(seeded[-1])
    assert view is not None
    assert view.previous_sessions == tuple(reversed(seeded[1:6]))  # sessions 6..2, newest first
    assert _values(view) == {
        "duration_seconds": (3 * 3600, 4 * 3600),  # previous: 2..6 hours
        "tokens": (200, 40),  # the excluded person's 1000 left out; previous 20..60
        "tips": (2, 1),
        "biggest_tip": (150, 40),
        "follows": (1, 0),
        "unfollows": (1, 0),
        "viewers": (5, 1),  # alice, bob, dave, carol, frank (not the broadcaster, not eve)
        "new_viewers": (3, 0),  # dave (a note is not the room), carol, frank
        "returning_viewers": (2, 1),  # alice and bob
        "peak_viewers": (45, 25),  # previous: session 5 (30) and 6 (20); 2-4 had no reading
        "average_viewers": (25.0, 22.5),  # (10 + 20 + 45) / 3; previous 30.0 and 15.0
    }
    assert view.stats_samples == 3  # the offline reading and the one before the start do not count
    assert [(t.username, t.tokens) for t in view.top_tippers] == [("alice_01", 200)]
    assert [f.name for f in view.figures] == list(FIGURES)


def test_the_first_session_has_no_median_and_no_reading_gives_no_viewer_counts(data, seeded) -> None:
    view = data.recap(seeded[0])
    assert view is not None and view.previous_sessions == ()
    assert all(f.median_previous is None for f in view.figures)
    figures = _values(view)
    assert figures["viewers"] == (2, None) and figures["new_viewers"] == (2, None)
    assert figures["peak_viewers"] == (None, None) and figures["average_viewers"] == (None, None)
    assert view.stats_samples == 0


def test_recap_json_shape(data, seeded) -> None:
    out = data.recap(seeded[-1]).as_json()
    assert list(out) == ["session", "figures", "previous_sessions", "top_tippers", "stats_samples"]
    assert out["session"]["id"] == seeded[-1] and out["session"]["tokens"] == 200
    assert list(out["figures"]) == list(FIGURES)
    assert out["figures"]["tokens"] == {"value": 200, "median_previous": 40}
    assert out["previous_sessions"] == list(reversed(seeded[1:6]))
    assert out["top_tippers"] == [{"username": "alice_01", "tokens": 200}]
    assert out["stats_samples"] == 3


def test_a_live_session_gives_its_figures_so_far(db, settings) -> None:
    with db.session() as s:
        sid = sessions.start(s, ME, at=T0).id
        _event(s, sid, "alice_01", "TIP_EVENT", T0 + timedelta(minutes=5), tokens=25)
    view = Data(db, settings, clock=lambda: T0 + timedelta(minutes=30)).recap(sid)
    assert view is not None and view.live
    assert _values(view)["duration_seconds"] == (1800, None)
    assert _values(view)["tokens"] == (25, None)


def test_no_recap_of_an_unknown_or_anothers_session(db, data, seeded) -> None:
    assert data.recap(999_999) is None
    with db.session() as s:
        theirs = sessions.list_sessions(s, "someone_else")[0].id
    assert data.recap(theirs) is None


def test_the_recap_views_import_no_database_layer() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mhc_core.data.recap_views\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'psycopg', 'httpx')\n"
        "             or n.startswith(('mhc_core.db', 'mhc_core.services')))\n"
        "sys.exit(f'loaded {bad}' if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
