"""Lookup: local resolution and the paste, and Statbate enrichment against the fake over a socket."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.db.models import Interaction, Person, Snapshot
from mhc_core.services import lookup as local_lookup
from mhc_core.services import persons, snapshots, statbate_lookup

PASTE = "User alice_1 has joined the room.\nbob_2: hi there\nalice_1 tipped 50 tokens -- hey\n"


def test_local_lookup_creates_the_person_and_keeps_the_paste(db) -> None:
    with db.session() as s:
        result = local_lookup.lookup(s, paste=PASTE, broadcaster="hudson_cage")
        assert result.person.username == "alice_1"
        assert result.extracted_usernames == ["alice_1", "bob_2"]
        assert [p.username for p in result.persons] == ["alice_1", "bob_2"]
    with db.session() as s:
        pastes = s.scalars(select(Interaction).where(Interaction.type == "PROFILE_PASTE")).all()
        assert len(pastes) == 1 and pastes[0].content == PASTE
        assert pastes[0].meta["extracted_usernames"] == ["alice_1", "bob_2"]


def test_role_given_replaces_inferred_role(db) -> None:
    with db.session() as s:
        result = local_lookup.lookup(s, username="Some_Model", role="MODEL")
        assert (result.person.username, result.person.role) == ("some_model", "MODEL")


def test_nothing_to_look_up(db) -> None:
    with db.session() as s, pytest.raises(local_lookup.NothingToLookUp):
        local_lookup.lookup(s, paste="just some ordinary words here")


@pytest.fixture
def sb_settings(settings: Settings, fake_apis) -> Settings:
    return settings.model_copy(update={"statbate_base_url": fake_apis.statbate_base_url,
                                       "statbate_token": SecretStr(fake_apis.statbate_token)})


async def test_statbate_role_inference_and_snapshots(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("viewer_x")
    fake_apis.add_model("model_y")
    fake_apis.add_member("both_z")
    fake_apis.add_model("both_z")
    roles = {}
    for name in ("viewer_x", "model_y", "both_z", "nobody_q"):
        outcome = await statbate_lookup.lookup(db, sb_settings, username=name)
        assert outcome.errors == []
        with db.session() as s:
            p = persons.get_person(s, outcome.person_id)
            roles[name] = (p.role, p.did is not None, p.rid is not None,
                           sorted(snapshots.latest_readings(s, p.id)))
    assert roles == {
        "viewer_x": ("VIEWER", True, False, ["statbate_member"]),
        "model_y": ("MODEL", False, True, ["statbate_model"]),
        "both_z": ("BOTH", True, True, ["statbate_member", "statbate_model"]),
        "nobody_q": ("UNKNOWN", False, False, []),  # 404 on both: not an error, no snapshot
    }


async def test_second_lookup_gives_deltas(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("regular_1", all_time_tokens=1000)
    await statbate_lookup.lookup(db, sb_settings, username="regular_1")
    fake_apis.add_member("regular_1", all_time_tokens=1250)
    outcome = await statbate_lookup.lookup(db, sb_settings, username="regular_1")
    person = Data(db, sb_settings).person(outcome.person_id)
    assert person is not None
    member = person.as_json()["snapshots"]["statbate_member"]
    assert member["metrics"]["all_time_tokens"] == 1250
    assert member["delta"]["all_time_tokens"] == 250
    assert member["delta"]["first_tip_date"] is None  # non-numeric fields have no delta


async def test_rejected_token_is_reported_and_the_local_lookup_still_happens(db, sb_settings, fake_apis) -> None:
    fake_apis.revoke("statbate")
    outcome = await statbate_lookup.lookup(db, sb_settings, username="someone_1", paste="note about someone_1")
    assert outcome.errors == [{"source": "statbate", "message": "Statbate rejected the token (HTTP 401)"}]
    with db.session() as s:
        assert persons.find_person(s, "someone_1") is not None
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 0


async def test_unreachable_statbate_is_an_error_entry(db, sb_settings, fake_apis) -> None:
    fake_apis.stop()
    outcome = await statbate_lookup.lookup(db, sb_settings, username="someone_2")
    assert len(outcome.errors) == 1 and "unreachable" in outcome.errors[0]["message"].lower()
    assert sb_settings.statbate_token.get_secret_value() not in str(outcome.errors)


async def test_not_configured(db, settings) -> None:
    outcome = await statbate_lookup.lookup(db, settings, username="someone_3")
    assert outcome.errors == [{"source": "statbate", "message": statbate_lookup.NOT_CONFIGURED}]


async def test_rename_by_did_resolves_to_the_same_person(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("old_name", did=777)
    first = await statbate_lookup.lookup(db, sb_settings, username="old_name")
    fake_apis.add_member("new_name", did=777)
    second = await statbate_lookup.lookup(db, sb_settings, username="new_name")
    assert second.person_id == first.person_id
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1
        p = persons.get_person(s, first.person_id)
        assert p.username == "new_name" and p.did == 777
        assert [(a.username, a.valid_to is None) for a in p.aliases] == [("old_name", False), ("new_name", True)]
        assert persons.find_person(s, "old_name").id == p.id
        assert len(snapshots.recent(s, p.id, "statbate_member", limit=10)) == 2


async def test_several_names_use_one_batch_request(db, sb_settings, fake_apis) -> None:
    for name in ("alice_1", "bob_2", "carol_3"):
        fake_apis.add_member(name)
    paste = "alice_1: hi\nbob_2: hello\ncarol_3: hey\ndave_4: yo\n"
    outcome = await statbate_lookup.lookup(db, sb_settings, paste=paste)
    assert outcome.extracted_usernames == ["alice_1", "bob_2", "carol_3", "dave_4"]
    paths = [r.path for r in fake_apis.requests_for("statbate")]
    assert sum(p.endswith("/info/batch") for p in paths) == 1
    assert not any("/bob_2/" in p or "/carol_3/" in p for p in paths)  # no request per extra name
    assert outcome.statbate["dave_4"] == {"member": "not_found", "model": "not_asked",
                                           "member_model": "not_asked"}
    with db.session() as s:
        roles = {n: persons.find_person(s, n).role for n in ("alice_1", "bob_2", "dave_4")}
    assert roles == {"alice_1": "VIEWER", "bob_2": "VIEWER", "dave_4": "UNKNOWN"}
