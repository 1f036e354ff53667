"""The dashboard charts through the data door: tokens per five minutes of the LIVE session (else the
latest) and of the one before, and the Stats API's viewer counts over the session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.db import Database
from mhc_core.services import interactions, persons, sessions, snapshots

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
ME = "hudson_cage"
NOW = T0 + timedelta(days=1, minutes=22)  # 22 minutes into the LIVE session


def _tip(s, sid: int, who: str, at: datetime, tokens: int) -> None:
    person = persons.find_or_create(s, who)
    interactions.append(s, person.id, "TIP_EVENT", timestamp=at, source="cb_events", stream_session_id=sid,
                        metadata={"tokens": tokens})


def _viewers(s, at: datetime, count: int | None) -> None:
    me = persons.find_or_create(s, ME, role="MODEL")
    snapshots.append(s, me.id, "cb_stats", {"num_viewers": count}, {"num_viewers": count}, captured_at=at)


@pytest.fixture
def data(db: Database, settings: Settings) -> Data:
    return Data(db, settings.model_copy(update={"broadcaster": ME}), clock=lambda: NOW)


@pytest.fixture
def seeded(db: Database) -> tuple[int, int]:
    """An older session, an ended one of 40 minutes at T0 (the previous), then a LIVE one since T0 + 1 day."""
    with db.session() as s:
        sessions.start(s, ME, at=T0 - timedelta(days=3))
        sessions.end(s, ME, at=T0 - timedelta(days=3, minutes=-10))
        previous = sessions.start(s, ME, at=T0)
        _tip(s, previous.id, "alice_01", T0 + timedelta(minutes=2), 10)
        _tip(s, previous.id, "alice_01", T0 + timedelta(minutes=31), 40)
        sessions.end(s, ME, at=T0 + timedelta(minutes=40))
        live = sessions.start(s, ME, at=T0 + timedelta(days=1))
        start = live.started_at
        _tip(s, live.id, "bob_b", start + timedelta(minutes=7), 100)
        _tip(s, live.id, "carol_x", start + timedelta(minutes=9, seconds=59), 25)
        _tip(s, live.id, "bob_b", start + timedelta(minutes=15), 5)
        excluded = persons.find_or_create(s, "my_alt")
        persons.set_excluded(s, excluded, True)
        _tip(s, live.id, "my_alt", start + timedelta(minutes=7), 9_999)
        _viewers(s, start - timedelta(minutes=5), 3)  # before the session: not drawn
        _viewers(s, start + timedelta(minutes=5), 12)
        _viewers(s, start + timedelta(minutes=10), None)  # no count in that reading
        _viewers(s, start + timedelta(minutes=15), 20)
    return previous.id, live.id


def test_a_tip_at_minute_seven_lands_in_the_bucket_five_to_ten(data: Data, seeded: tuple[int, int]) -> None:
    charts = data.session_charts()
    assert charts.session is not None and charts.session.live
    assert charts.session.session_id == seeded[1]
    # 22 minutes in: buckets 0-5, 5-10, 10-15, 15-20, 20-25; the excluded person's 9,999 is not there.
    assert charts.session.tokens == (0, 125, 0, 5, 0)
    assert charts.session.minutes == (0, 5, 10, 15, 20)


def test_the_buckets_agree_with_the_session_figures(data: Data, seeded: tuple[int, int]) -> None:
    charts = data.session_charts()
    live = data.current_session()
    assert charts.session is not None and live is not None
    assert sum(charts.session.tokens) == live.tokens == 130


def test_the_previous_session_is_drawn_beside_it(data: Data, seeded: tuple[int, int]) -> None:
    previous = data.session_charts().previous
    assert previous is not None and not previous.live
    assert previous.session_id == seeded[0]
    assert previous.tokens == (10, 0, 0, 0, 0, 0, 40, 0)  # 40 minutes: eight buckets


def test_viewers_are_the_stats_readings_within_the_session(data: Data, seeded: tuple[int, int]) -> None:
    points = data.session_charts().viewers
    assert [(p.minute, p.viewers) for p in points] == [(5.0, 12), (15.0, 20)]


def test_without_a_live_session_the_latest_is_charted(data: Data, db: Database, seeded: tuple[int, int]) -> None:
    with db.session() as s:
        sessions.end(s, ME, at=NOW)
    charts = data.session_charts()
    assert charts.session is not None and not charts.session.live
    assert charts.session.session_id == seeded[1]
    assert charts.previous is not None and charts.previous.session_id == seeded[0]


def test_no_session_yet_charts_nothing(data: Data, db: Database) -> None:
    charts = data.session_charts()
    assert charts.session is None and charts.previous is None and charts.viewers == ()
