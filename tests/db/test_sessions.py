"""Stream sessions: at most one LIVE per broadcaster, and stats that add up from the stored interactions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mhc_core.services import interactions, persons, sessions

B = "hudson_cage"
T0 = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def test_start_twice_is_a_clear_error(db) -> None:
    with db.session() as s:
        first = sessions.start(s, B, at=T0)
    with db.session() as s, pytest.raises(sessions.SessionAlreadyLive, match="already LIVE"):
        sessions.start(s, B)
    with db.session() as s:
        assert sessions.current(s, B).id == first.id


def test_end_without_live_session_is_a_clear_error(db) -> None:
    with db.session() as s, pytest.raises(sessions.NoLiveSession):
        sessions.end(s, B)


def test_the_database_itself_refuses_a_second_live_session(db) -> None:
    with db.session() as s:
        sessions.start(s, B, at=T0)
    with pytest.raises(IntegrityError), db.session() as s:
        s.execute(text("INSERT INTO stream_sessions (broadcaster, started_at, status, origin) "
                       "VALUES (:b, now(), 'LIVE', 'manual')"), {"b": B})


def test_concurrent_starts_make_one_session(db) -> None:
    results: list[str] = []
    barrier = threading.Barrier(4)

    def starter() -> None:
        barrier.wait()
        try:
            with db.session() as s:
                sessions.start(s, B)
            results.append("started")
        except sessions.SessionAlreadyLive:
            results.append("refused")

    threads = [threading.Thread(target=starter) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 3 + ["started"]


def test_end_then_reopen_continues_the_same_session(db) -> None:
    with db.session() as s:
        started = sessions.start(s, B, at=T0)
        sessions.end(s, B, at=T0 + timedelta(hours=1))
        again = sessions.reopen(s, sessions.last_ended(s, B))
        assert again.id == started.id and again.status == "LIVE" and again.ended_at is None


def _event(s, name, type_, sid, minute, **meta):
    p = persons.find_or_create(s, name)
    interactions.append(s, p.id, type_, content=meta.pop("content", None), timestamp=T0 + timedelta(minutes=minute),
                        source="cb_events", metadata=meta, stream_session_id=sid)


def test_stats_add_up_from_interactions_and_leave_out_excluded_persons(db) -> None:
    with db.session() as s:
        sid = sessions.start(s, B, at=T0).id
        _event(s, "alice", "CHAT_MESSAGE", sid, 1, content="hi")
        _event(s, "alice", "CHAT_MESSAGE", sid, 2, content="again")
        _event(s, "bob_2", "CHAT_MESSAGE", sid, 3, content="yo")
        _event(s, B, "CHAT_MESSAGE", sid, 4, content="welcome")  # the broadcaster is not a "chatter"
        _event(s, "alice", "TIP_EVENT", sid, 5, tokens=25, is_anon=False)
        _event(s, "bob_2", "TIP_EVENT", sid, 6, tokens=100, is_anon=False)
        _event(s, "alice", "TIP_EVENT", sid, 7, tokens=50, is_anon=False)
        _event(s, "carol", "TIP_EVENT", sid, 8, tokens="junk")  # malformed tokens count as nothing
        _event(s, "bob_2", "PRIVATE_MESSAGE", sid, 9, content="psst", direction="in")
        _event(s, "dave", "FOLLOW", sid, 10)
        _event(s, "erin", "FOLLOW", sid, 11)
        _event(s, "erin", "UNFOLLOW", sid, 12)
        _event(s, "dave", "MEDIA_PURCHASE", sid, 13, tokens=30)
        _event(s, "smk_lover", "TIP_EVENT", sid, 14, tokens=9999)  # excluded from every aggregate
        _event(s, "smk_lover", "CHAT_MESSAGE", sid, 14, content="ignored")
        _event(s, "frank", "TIP_EVENT", None, 15, tokens=500)  # not in this session
        sessions.end(s, B, at=T0 + timedelta(hours=2))
    with db.session() as s:
        st = sessions.stats(s, sessions.get(s, sid))
        assert st.duration_seconds == 7200
        assert (st.tokens, st.tips, st.chat_messages, st.private_messages) == (175, 4, 4, 1)
        assert st.unique_chatters == 2
        assert (st.follows, st.unfollows, st.media_tokens) == (2, 1, 30)
        assert st.top_tippers == [{"username": "bob_2", "tokens": 100}, {"username": "alice", "tokens": 75},
                                  {"username": "carol", "tokens": 0}]


def test_stats_of_a_live_session_use_now_and_a_quiet_session_is_zero(db) -> None:
    with db.session() as s:
        live = sessions.start(s, B, at=T0)
        st = sessions.stats(s, live, now=T0 + timedelta(minutes=30))
        assert st.duration_seconds == 1800 and st.tokens == 0 and st.top_tippers == []


def test_list_is_newest_first_and_live_session_links_by_time(db) -> None:
    with db.session() as s:
        a = sessions.start(s, B, at=T0)
        sessions.end(s, B, at=T0 + timedelta(hours=1))
        b = sessions.start(s, B, at=T0 + timedelta(hours=3))
        assert [x.id for x in sessions.list_sessions(s, B)] == [b.id, a.id]
        assert sessions.live_session_at(s, B, T0 + timedelta(hours=4)) == b.id
        assert sessions.live_session_at(s, B, T0 + timedelta(hours=2)) is None
