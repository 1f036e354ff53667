"""Behaviour analysis on seeded histories (empty, one event, many sessions), and the lookup that stores
what Statbate saw a member tip the broadcaster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.db.models import Interaction, Person, StreamSession
from mhc_core.services import persons, snapshots, statbate_lookup

T0 = datetime(2025, 11, 3, 20, 0, tzinfo=UTC)  # a Monday, 20:00 UTC


def seed_sessions(db, count: int) -> list[int]:
    with db.session() as s:
        rows = [StreamSession(broadcaster="hudson_cage", started_at=T0 + timedelta(days=i),
                              ended_at=T0 + timedelta(days=i, hours=3), status="ENDED", origin="manual")
                for i in range(count)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def act(db, name: str, kind: str, when: datetime, *, session_id: int | None = None, tokens: int | None = None,
        source: str = "cb_events") -> None:
    with db.session() as s:
        person = persons.find_or_create(s, name)
        s.add(Interaction(person_id=person.id, stream_session_id=session_id, type=kind, timestamp=when,
                          source=source, meta={"tokens": tokens} if tokens is not None else {}))


def analysis_of(db, settings, name: str) -> dict:
    person = Data(db, settings).person(name, recent=0, notes=0, room=False, analysis=True)
    assert person is not None and person.analysis is not None
    return person.as_json()["analysis"]


def test_an_empty_history_says_not_enough_data_everywhere(db, settings) -> None:
    act(db, "quiet_1", "MANUAL_NOTE", T0, source="manual")  # a note is not the room
    found = analysis_of(db, settings, "quiet_1")
    assert list(found) == ["room_spending", "statbate_spending", "statbate_on_me", "active_hours", "loyalty",
                           "tag_spending"]
    for finding in found.values():
        assert finding["enough_data"] is False
        assert set(finding) >= {"source", "period", "sample_size", "enough_data"}
        assert finding["sample_size"] == 0
    assert found["room_spending"]["total"] == 0 and found["room_spending"]["average"] is None
    assert found["loyalty"]["sessions_attended"] == 0 and found["loyalty"]["first_seen"] is None
    assert found["tag_spending"]["stored_in"] is None


def test_one_tip(db, settings) -> None:
    [sid] = seed_sessions(db, 1)
    act(db, "once_1", "TIP_EVENT", T0 + timedelta(minutes=5), session_id=sid, tokens=25)
    found = analysis_of(db, settings, "once_1")
    room = found["room_spending"]
    assert (room["total"], room["tips"], room["average"], room["largest"], room["per_session"]) == (25, 1, 25, 25, 25)
    assert room["source"] == "my_room" and room["sample_size"] == 1 and room["enough_data"] is True
    assert room["period"] == {"from": "2025-11-03T20:05:00+00:00", "to": "2025-11-03T20:05:00+00:00"}
    assert room["trend"]["enough_data"] is False and room["trend"]["change"] is None
    loyalty = found["loyalty"]
    assert (loyalty["sessions_attended"], loyalty["current_streak"], loyalty["follows"]) == (1, 1, 0)
    hours = found["active_hours"]
    assert hours["timezone"] == "UTC" and hours["days"][0] == "Mon" and hours["sample_size"] == 1
    assert hours["hours"][0][20] == 1 and sum(map(sum, hours["hours"])) == 1


def test_many_sessions_trend_streak_follows_and_local_hours(db, settings) -> None:
    ids = seed_sessions(db, 12)
    # Attends sessions 0..11 except 8: tips 10 a session before, 30 a session in the last five.
    for i, sid in enumerate(ids):
        if i == 8:
            continue
        act(db, "regular_1", "CHAT_MESSAGE", T0 + timedelta(days=i, minutes=1), session_id=sid)
        act(db, "regular_1", "TIP_EVENT", T0 + timedelta(days=i, minutes=2), session_id=sid,
            tokens=30 if i >= 7 else 10)
    act(db, "regular_1", "FOLLOW", T0, session_id=ids[0])
    act(db, "regular_1", "UNFOLLOW", T0 + timedelta(days=3), session_id=ids[3])
    act(db, "regular_1", "TIP_EVENT", T0 - timedelta(days=30), tokens=500, source="transcript")  # no session
    berlin = settings.model_copy(update={"timezone": "Europe/Berlin"})
    found = analysis_of(db, berlin, "regular_1")
    room = found["room_spending"]
    assert room["tips"] == 12 and room["total"] == 7 * 10 + 4 * 30 + 500 and room["largest"] == 500
    assert room["per_session"] == round((7 * 10 + 4 * 30) / 11, 1)  # the tip outside a session is not one
    # The last five attended: 7, 9, 10, 11 (30 each) and 6 (10); the five before: 1..5.
    assert room["trend"] == {"sessions": 11, "recent": 130, "previous": 50, "change": 80, "enough_data": True}
    loyalty = found["loyalty"]
    assert (loyalty["sessions_attended"], loyalty["sessions_held"], loyalty["current_streak"]) == (11, 12, 3)
    assert (loyalty["follows"], loyalty["unfollows"]) == (1, 1)
    assert loyalty["first_seen"] == (T0 - timedelta(days=30)).isoformat()
    hours = found["active_hours"]
    assert hours["timezone"] == "Europe/Berlin"
    # 20:0x UTC is 21:0x in Berlin in November; day i of a Monday start is weekday i % 7.
    assert sum(hours["hours"][d][21] for d in range(7)) == 11 * 2 + 2
    assert hours["sample_size"] == 11 * 2 + 3


def test_an_excluded_person_still_gets_figures_on_their_own_screen(db, settings) -> None:
    [sid] = seed_sessions(db, 1)
    act(db, "hidden_1", "TIP_EVENT", T0, session_id=sid, tokens=40)
    with db.session() as s:
        s.query(Person).filter(Person.username == "hidden_1").update({"is_excluded": True})
    person = Data(db, settings).person("hidden_1", recent=0, notes=0, room=False, analysis=True)
    assert person is not None and person.analysis is not None
    assert person.analysis.computed_for_excluded is True
    assert person.analysis.room_spending["total"] == 40


def test_the_person_is_read_without_analysis_unless_asked(db, settings) -> None:
    act(db, "plain_1", "CHAT_MESSAGE", T0)
    person = Data(db, settings).person("plain_1")
    assert person is not None and person.analysis is None and "analysis" not in person.as_json()


@pytest.fixture
def sb_settings(settings: Settings, fake_apis) -> Settings:
    return settings.model_copy(update={"statbate_base_url": fake_apis.statbate_base_url,
                                       "statbate_token": SecretStr(fake_apis.statbate_token)})


async def test_lookup_stores_what_statbate_saw_them_tip_me_and_analysis_sets_it_beside_the_room(
        db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("tipper_1", all_time_tokens=9000)
    fake_apis.add_member_model_spending("tipper_1", "hudson_cage",
                                        [("2025-11-03", 100, 2), ("2025-11-05", 100, 1)])
    [sid] = seed_sessions(db, 1)
    act(db, "tipper_1", "TIP_EVENT", T0 + timedelta(minutes=1), session_id=sid, tokens=50)
    act(db, "tipper_1", "TIP_EVENT", T0 - timedelta(days=10), tokens=999)  # before Statbate's period
    outcome = await statbate_lookup.lookup(db, sb_settings, username="tipper_1")
    assert outcome.errors == []
    assert outcome.statbate["tipper_1"]["member_model"] == "found"
    paths = [r.path for r in fake_apis.requests_for("statbate")]
    assert any(p.endswith("/members/chaturbate/tipper_1/model/hudson_cage") for p in paths)
    with db.session() as s:
        snap = snapshots.latest(s, outcome.person_id, "statbate_member_model")
        assert snap is not None
        metrics = snap.normalized_metrics
        assert (metrics["tokens"], metrics["tips"], metrics["days_tipped"]) == (200, 3, 2)
        assert (metrics["first_date"], metrics["last_date"], metrics["model"]) == ("2025-11-03", "2025-11-05",
                                                                                   "hudson_cage")
    found = analysis_of(db, sb_settings, "tipper_1")
    on_me = found["statbate_on_me"]
    assert (on_me["tokens"], on_me["tips"], on_me["room_tokens"], on_me["room_tips"]) == (200, 3, 50, 1)
    assert on_me["coverage"] == 0.25 and on_me["enough_data"] is True and on_me["source"] == "statbate"
    assert on_me["period"]["from"].startswith("2025-11-03T00:00") and on_me["period"]["to"].startswith("2025-11-05")
    spending = found["statbate_spending"]
    assert (spending["all_time"], spending["last_two_weeks"], spending["models_tipped"]) == (9000, 150, 1)


async def test_no_statbate_record_of_me_is_not_a_failure(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("stranger_1")  # the broadcaster is no model the fake knows: 404 "Model not found"
    outcome = await statbate_lookup.lookup(db, sb_settings, username="stranger_1")
    assert outcome.errors == []
    assert outcome.statbate["stranger_1"] == {"member": "found", "model": "not_found", "member_model": "not_found"}
    with db.session() as s:
        assert snapshots.latest(s, outcome.person_id, "statbate_member_model") is None
    assert analysis_of(db, sb_settings, "stranger_1")["statbate_on_me"]["enough_data"] is False


async def test_looking_up_the_broadcaster_does_not_ask_about_himself(db, sb_settings, fake_apis) -> None:
    outcome = await statbate_lookup.lookup(db, sb_settings, username="hudson_cage")
    assert outcome.statbate["hudson_cage"]["member_model"] == "not_asked"
    assert not any("/model/hudson_cage" in r.path and "/members/" in r.path
                   for r in fake_apis.requests_for("statbate"))


async def test_a_failed_ask_about_me_is_reported_like_the_other_statbate_problems(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("tipper_2")
    fake_apis.statbate_overrides["/members/chaturbate/tipper_2/model/hudson_cage"] = (422, {"error": "bad range"})
    outcome = await statbate_lookup.lookup(db, sb_settings, username="tipper_2")
    assert outcome.statbate["tipper_2"]["member_model"] == "error"
    assert outcome.errors == [{"source": "statbate", "message": "Statbate refused the request (HTTP 422): bad range"}]
    with db.session() as s:
        assert snapshots.latest(s, outcome.person_id, "statbate_member") is not None  # the rest is stored


def test_the_room_figures_read_with_the_analysis_are_those_read_without_it(db, settings) -> None:
    """`mhc person --json` takes its room figures from the analysis' one read; the screen reads them alone."""
    ids = seed_sessions(db, 3)
    act(db, "regular_1", "TIP_EVENT", T0 + timedelta(minutes=5), session_id=ids[0], tokens=25)
    act(db, "regular_1", "TIP_EVENT", T0 + timedelta(days=2, minutes=9), session_id=ids[2], tokens=500)
    act(db, "regular_1", "CHAT_MESSAGE", T0 + timedelta(days=2, minutes=10), session_id=ids[2])
    act(db, "regular_1", "PRIVATE_MESSAGE", T0 + timedelta(days=1), session_id=ids[1])
    act(db, "regular_1", "CHAT_IMPORT", T0 + timedelta(days=1, minutes=1), session_id=ids[1], source="transcript")
    act(db, "regular_1", "CHAT_MESSAGE", T0 + timedelta(days=5))  # outside any session
    act(db, "regular_1", "MANUAL_NOTE", T0 + timedelta(days=6), source="manual")  # not the room
    door = Data(db, settings)
    alone = door.person("regular_1")
    with_analysis = door.person("regular_1", analysis=True)
    assert alone is not None and with_analysis is not None
    assert with_analysis.room == alone.room
    assert alone.room is not None and (alone.room.tip_tokens, alone.room.tips, alone.room.sessions_attended) == (525, 2, 3)
