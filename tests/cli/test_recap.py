"""`mhc session recap ID [--json]`: the recap's JSON shape, the table in words, a LIVE session said to be so
far, one-line refusals with their exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mhc_core.db import Database
from mhc_core.services import interactions, persons, sessions, snapshots
from tests.cli.helpers import one_line_error, run

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
ME = "hudson_cage"


def _tip(s, sid: int, who: str, at: datetime, tokens: int) -> None:
    person = persons.find_or_create(s, who)
    interactions.append(s, person.id, "TIP_EVENT", timestamp=at, source="cb_events", stream_session_id=sid,
                        metadata={"tokens": tokens})


@pytest.fixture
def two_sessions(db: Database, cli_env) -> tuple[int, int]:
    """An ended session (alice tips 40), then a LIVE one (alice 100, bob 25) with two viewer readings."""
    with db.session() as s:
        first = sessions.start(s, ME, at=T0).id
        _tip(s, first, "alice_01", T0 + timedelta(minutes=5), 40)
        sessions.end(s, ME, at=T0 + timedelta(hours=2))
        start = T0 + timedelta(days=1)
        live = sessions.start(s, ME, at=start).id
        _tip(s, live, "alice_01", start + timedelta(minutes=5), 100)
        _tip(s, live, "bob_b", start + timedelta(minutes=6), 25)
        me = persons.find_or_create(s, ME, role="MODEL")
        for minutes, count in ((10, 12), (20, 18)):
            snapshots.append(s, me.id, "cb_stats", {"num_viewers": count}, {"num_viewers": count},
                             captured_at=start + timedelta(minutes=minutes))
        return first, live


def test_recap_json(capsys, two_sessions) -> None:
    first, live = two_sessions
    code, out, err = run(capsys, "session", "recap", str(live), "--json")
    assert (code, err) == (0, "")
    assert list(out) == ["session", "figures", "previous_sessions", "top_tippers", "stats_samples"]
    assert out["session"]["id"] == live and out["session"]["status"] == "LIVE"
    figures = out["figures"]
    assert figures["tokens"] == {"value": 125, "median_previous": 40}
    assert figures["biggest_tip"] == {"value": 100, "median_previous": 40}
    assert figures["viewers"] == {"value": 2, "median_previous": 1}
    assert figures["new_viewers"] == {"value": 1, "median_previous": 1}  # bob; alice came back
    assert figures["returning_viewers"] == {"value": 1, "median_previous": 0}
    assert figures["peak_viewers"] == {"value": 18, "median_previous": None}
    assert figures["average_viewers"] == {"value": 15.0, "median_previous": None}
    assert out["previous_sessions"] == [first]
    assert out["top_tippers"] == [{"username": "alice_01", "tokens": 100}, {"username": "bob_b", "tokens": 25}]
    assert out["stats_samples"] == 2


def test_recap_in_words_says_a_live_session_is_so_far(capsys, two_sessions) -> None:
    first, live = two_sessions
    code, out, _ = run(capsys, "session", "recap", str(live))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"recap of session {live}  LIVE") and "so far" in lines[0]
    assert "median of previous 1" in lines[1]
    assert lines[3].split() == ["tokens", "125", "40"]
    assert "top tippers: alice_01 (100), bob_b (25)" in out
    assert "from 2 Stats API readings" in out

    code, out, _ = run(capsys, "session", "recap", str(first))
    assert code == 0 and "so far" not in out.splitlines()[0]
    assert "no previous session to compare with" in out
    assert "from 0 Stats API readings" in out


def test_an_unknown_session_is_exit_1(capsys, two_sessions) -> None:
    code, _, err = run(capsys, "session", "recap", "999999", "--json")
    assert code == 1 and one_line_error(err) == "mhc: no session 999999"


@pytest.mark.parametrize("raw", ["0", "abc", "-3"])
def test_a_bad_session_id_is_exit_2(capsys, cli_env, raw) -> None:
    code, _, err = run(capsys, "session", "recap", raw)
    assert code == 2 and "must be a session id" in one_line_error(err)
