"""The alert engine over stored interactions: each rule, cooldown, mute, once per event, resuming."""

from __future__ import annotations

import asyncio

import pytest

from mhc_core.data.door import Data
from mhc_core.services import persons
from tests.alerts.helpers import alert_settings, evaluate, stored
from tests.capture.helpers import at, write
from tests.fakes import make_event

pytestmark = pytest.mark.asyncio


def tip(minutes: float, seq: int, who: str, tokens: int, message: str = "") -> object:
    return at(minutes, seq, **make_event("tip", who, tokens=tokens, tip_message=message))


def enter(minutes: float, seq: int, who: str) -> object:
    return at(minutes, seq, **make_event("userEnter", who))


async def test_no_alerts_for_history_stored_before_the_engine_first_ran(db, database_url):
    write(db, [tip(1, 1, "big_bob", 5000)])
    await evaluate(alert_settings(database_url, [{"when": "tip", "min_tokens": 500}]), db)
    assert stored(db) == []


async def test_tip_rule_fires_at_its_threshold_with_a_readable_line(db, database_url):
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 500}])
    await evaluate(s, db)
    write(db, [tip(1, 1, "big_bob", 1000, "thanks!"), tip(2, 2, "small_sam", 499)])
    handed = await evaluate(s, db)
    assert stored(db) == [("tip>=500", "big_bob tipped 1,000 tokens: thanks!")]
    assert [(a["kind"], a["rule"], a["username"], a["bell"]) for a in handed] == [
        ("alert", "tip>=500", "big_bob", False)]


async def test_first_tip_fires_only_for_a_persons_first_tip(db, database_url):
    s = alert_settings(database_url, [{"when": "first_tip"}])
    write(db, [tip(0, 0, "regular_ray", 5)])
    await evaluate(s, db)
    write(db, [tip(1, 1, "newbie", 25), tip(2, 2, "newbie", 30), tip(3, 3, "regular_ray", 50)])
    await evaluate(s, db)
    assert stored(db) == [("first_tip", "newbie tipped for the first time: 25 tokens")]


async def test_a_single_token_is_said_in_the_singular(db, database_url):
    s = alert_settings(database_url, [{"when": "first_tip"}, {"when": "tip", "min_tokens": 1}])
    await evaluate(s, db)
    write(db, [tip(1, 1, "penny", 1)])
    await evaluate(s, db)
    assert sorted(text for _, text in stored(db)) == ["penny tipped 1 token", "penny tipped for the first time: 1 token"]


async def test_enter_rule_by_list(db, database_url):
    s = alert_settings(database_url, [{"when": "enter", "list": "Friends"}])
    data = Data(db, s)
    data.change_watchlist("Friends", ["old_pal"], True)
    await evaluate(s, db)
    write(db, [enter(1, 1, "old_pal"), enter(2, 2, "stranger")])
    await evaluate(s, db)
    assert stored(db) == [("enter:list=Friends", "old_pal entered · on Friends")]


async def test_enter_rule_by_tier_waits_for_enrichment_and_judges_by_statbate(db, database_url):
    s = alert_settings(database_url, [{"when": "enter", "tier": "whale"}])
    await evaluate(s, db)
    asked: list[list[str]] = []

    async def settled(names: list[str], timeout: float) -> None:
        asked.append(names)
        # What the enrichment would store: a statbate_member snapshot of the whale.
        from mhc_core.services import snapshots

        with db.session() as session:
            whale = persons.find_or_create(session, "whale_w")
            snapshots.append(session, whale.id, "statbate_member", {}, {"all_time_tokens": 250_000})

    write(db, [enter(1, 1, "whale_w"), enter(2, 2, "minnow")])
    await evaluate(s, db, settled=settled)
    assert asked == [["minnow", "whale_w"]]
    assert stored(db) == [("enter:tier=whale", "whale_w entered · whale · 250,000 on Statbate")]


async def test_return_after_away_days_but_not_a_first_visit(db, database_url):
    s = alert_settings(database_url, [{"when": "return", "away_days": 30}])
    write(db, [enter(-60 * 24 * 41, 0, "old_pal"), enter(-60 * 24 * 2, 1, "recent_rita")])
    await evaluate(s, db)
    write(db, [enter(1, 1, "old_pal"), enter(2, 2, "recent_rita"), enter(3, 3, "first_timer")])
    await evaluate(s, db)
    assert stored(db) == [("return>=30d", "old_pal is back after 41 days")]


async def test_private_message_rule_fires_for_incoming_only(db, database_url):
    s = alert_settings(database_url, [{"when": "private_message"}])
    await evaluate(s, db)
    write(db, [at(1, 1, **make_event("privateMessage", "x_fan", text="hi")),
               at(2, 2, **make_event("privateMessage", "hudson_cage", text="hello back", to_user="x_fan"))])
    await evaluate(s, db)
    assert stored(db) == [("private_message", "PM from x_fan: hi")]


async def test_cooldown_per_person_and_rule_on_event_time(db, database_url):
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 10, "cooldown_minutes": 10}])
    await evaluate(s, db)
    write(db, [tip(0, 1, "bob", 10), tip(5, 2, "bob", 20), tip(6, 3, "ann", 10)])
    await evaluate(s, db)
    write(db, [tip(11, 4, "bob", 30)])
    await evaluate(s, db)
    assert [t for _, t in stored(db)] == ["bob tipped 10 tokens", "ann tipped 10 tokens", "bob tipped 30 tokens"]


async def test_a_muted_person_and_the_broadcaster_get_no_alerts(db, database_url):
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 1}, {"when": "enter"}])
    data = Data(db, s)
    with db.session() as session:
        noisy = persons.find_or_create(session, "noisy_ned").id
    data.set_muted(noisy, True)
    assert data.muted(noisy)
    await evaluate(s, db)
    write(db, [tip(1, 1, "noisy_ned", 100), enter(2, 2, "hudson_cage"), enter(3, 3, "quiet_quinn")])
    await evaluate(s, db)
    assert stored(db) == [("enter", "quiet_quinn entered")]
    data.set_muted(noisy, False)
    write(db, [tip(4, 4, "noisy_ned", 100)])
    await evaluate(s, db)
    assert stored(db)[-1] == ("tip>=1", "noisy_ned tipped 100 tokens")


async def test_once_per_event_across_restarts_and_a_replayed_batch(db, database_url):
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 1}])
    await evaluate(s, db)
    batch = [tip(1, 1, "bob", 5), tip(2, 2, "ann", 7)]
    write(db, batch)
    first = await evaluate(s, db)
    write(db, batch)  # capture replays the same events: the journal keeps them once
    again = await evaluate(s, db)  # a second engine run (a restart) over the same stored events
    assert len(first) == 2 and again == []
    assert len(stored(db)) == 2


async def test_resumes_after_a_crash_between_capture_commit_and_evaluation(db, database_url):
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 1}])
    await evaluate(s, db)
    write(db, [tip(1, 1, "bob", 5)])  # committed while no engine ran (it had crashed)
    handed = await evaluate(s, db)
    assert [a["text"] for a in handed] == ["bob tipped 5 tokens"]


async def test_the_engine_wakes_on_its_own(db, database_url):
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 1}])
    from mhc_core.alerts.engine import AlertEngine

    handed: list[dict] = []
    engine = AlertEngine(s, db, on_alerts=handed.extend)
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(0.5)
    write(db, [tip(1, 1, "bob", 5)])  # nobody calls wake()
    for _ in range(200):
        if handed:
            break
        await asyncio.sleep(0.05)
    engine.stop()
    await asyncio.wait_for(task, 10)
    assert [a["username"] for a in handed] == ["bob"]
