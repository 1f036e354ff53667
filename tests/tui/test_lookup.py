"""Lookup screen: names, pastes, role override, Statbate (against the fake) and plain errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, Switch, TextArea

from mhc_core.db.models import Interaction, Person, Snapshot, SnapshotSource
from mhc_tui.screens.lookup import LookupScreen
from mhc_tui.screens.person import PersonScreen
from mhc_tui.widgets.person_picker import PersonPicker
from mhc_tui.widgets.person_summary import PersonSummary
from tests.tui.conftest import wait_until as wait_for


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def open_lookup(app, pilot: Pilot) -> LookupScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.db is not None)
    await app.switch_mode("lookup")
    await wait_for(pilot, lambda: isinstance(app.screen, LookupScreen))
    return app.screen


def status(screen: LookupScreen) -> str:
    return text_of(screen, "#lookup-status")


async def look_up(pilot: Pilot, screen: LookupScreen, *, name: str = "", paste: str = "") -> None:
    """Type, run the lookup, and wait until it has run (its worker is done; the status line says how it went)."""
    screen.query_one("#lookup-name", Input).value = name
    screen.query_one("#lookup-paste", TextArea).text = paste
    await pilot.press("ctrl+j")
    await wait_for(pilot, lambda: not status(screen).startswith("Looking up"), what="the lookup")


async def test_lookup_without_statbate_shows_identity_and_stores_person(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        assert screen.query_one("#lookup-statbate", Switch).value is False  # no token configured
        screen.query_one("#lookup-name", Input).focus()
        await pilot.press(*"new_person_7")
        screen.query_one("#lookup-role", Select).value = "VIEWER"
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: status(screen).startswith("Found new_person_7."))
        identity = text_of(screen, "#summary-identity")
        assert "new_person_7" in identity and "VIEWER" in identity
        assert screen.query_one(PersonPicker).display is False
    with db.session() as s:
        person = s.scalar(select(Person).where(Person.username == "new_person_7"))
        assert person is not None and person.role == "VIEWER"


async def test_paste_with_several_names_gives_a_list_to_pick_from(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        await look_up(pilot, screen, paste="bob_2: hi there\ncarol_3 tipped 25 tokens\nUser dave_4 has joined the room.")
        picker = screen.query_one(PersonPicker)
        assert picker.display is True
        assert [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)] == [
            "bob_2", "carol_3", "dave_4"]
        assert "bob_2" in text_of(screen, "#summary-identity")
        picker.focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: "carol_3" in text_of(screen, "#summary-identity"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        opened = app.screen.person_id
    with db.session() as s:
        assert opened == s.scalar(select(Person.id).where(Person.username == "carol_3"))
        names = set(s.scalars(select(Person.username)))
        assert {"bob_2", "carol_3", "dave_4"} <= names
        paste = s.scalar(select(Interaction).where(Interaction.type == "PROFILE_PASTE"))
        assert paste is not None and paste.meta["extracted_usernames"] == ["bob_2", "carol_3", "dave_4"]


async def test_nothing_to_look_up_is_said_plainly(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        await look_up(pilot, screen, name="not a name!")
        assert "not a valid username" in text_of(screen, "#lookup-status")


async def test_room_signals_and_note_from_lookup(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        await look_up(pilot, screen, name="alice_01")
        room = text_of(screen, "#summary-room")
        assert "tips 25 tokens in 1 tips" in room and "messages 2 chat" in room and "sessions attended 1" in room
        screen.query_one(PersonSummary).focus()
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "NoteModal")
        await pilot.press(*"likes synthwave", "enter")
        await wait_for(pilot, lambda: "likes synthwave" in text_of(screen, "#summary-memory"))


async def test_lookup_with_statbate_against_the_fake(make_app, settings, fake_apis, db):
    fake_apis.add_member("alice_01", all_time_tokens=4321)
    configured = type(settings)(**{**settings.model_dump(), "statbate_base_url": fake_apis.statbate_base_url,
                                    "statbate_token": fake_apis.statbate_token})
    app = make_app(settings=configured)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        assert screen.query_one("#lookup-statbate", Switch).value is True
        await look_up(pilot, screen, name="alice_01")
        stats = text_of(screen, "#summary-stats")
        assert "Statbate · member" in stats and "4,321" in stats
        assert "VIEWER" in text_of(screen, "#summary-identity")
        assert screen.query_one("#summary-errors").display is False
        await look_up(pilot, screen, name="nobody_here")
        assert "nobody_here was not found on Statbate" in text_of(screen, "#summary-errors")
    with db.session() as s:
        kinds = set(s.scalars(select(Interaction.type)))
        assert "PROFILE_PASTE" not in kinds
        person = s.scalar(select(Person).where(Person.username == "alice_01"))
        assert person is not None and person.did is not None
        sources = set(s.scalars(select(Snapshot.source).where(Snapshot.person_id == person.id)))
        assert sources == {SnapshotSource.STATBATE_MEMBER.value}


async def test_rejected_statbate_token_is_a_plain_error(make_app, settings, fake_apis):
    configured = type(settings)(**{**settings.model_dump(), "statbate_base_url": fake_apis.statbate_base_url,
                                   "statbate_token": "not-the-right-token"})
    app = make_app(settings=configured)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        await look_up(pilot, screen, name="alice_01")
        errors = text_of(screen, "#summary-errors")
        assert "Statbate rejected the token" in errors
        assert "alice_01" in text_of(screen, "#summary-identity")  # the local part still happened


async def test_statbate_switched_on_without_a_token_says_not_configured(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        screen.query_one("#lookup-statbate", Switch).value = True
        await look_up(pilot, screen, name="alice_01")
        assert "Statbate is not configured" in text_of(screen, "#summary-errors")


async def test_username_completes_from_known_names_and_aliases(make_app, seed_room, db):
    with db.session() as s:
        from mhc_core.services import persons

        persons.rename(s, persons.find_person(s, "frank_new"), "frank_renamed")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        name = screen.query_one("#lookup-name", Input)
        name.focus()
        await pilot.press(*"ali")
        await wait_for(pilot, lambda: shown_in(name) == "alice_01")  # the rest greyed after what is typed
        await pilot.press("right")  # accepts the suggestion
        assert name.value == "alice_01"
        name.value = ""
        await pilot.press(*"frank_n")  # a past name still completes
        await wait_for(pilot, lambda: shown_in(name) == "frank_new")


async def test_statbate_unreachable_is_a_plain_error(make_app, settings, fake_apis_factory):
    fake = fake_apis_factory()
    fake.stop()  # the port stays known and now refuses connections
    configured = type(settings)(**{**settings.model_dump(), "statbate_base_url": fake.statbate_base_url,
                                   "statbate_token": fake.statbate_token})
    app = make_app(settings=configured)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        await look_up(pilot, screen, name="alice_01")
        assert "Statbate unreachable: connection refused" in text_of(screen, "#summary-errors")


def shown_in(field: Input) -> str:
    """What the field shows on its line: the value and, while it has focus, the suggested rest."""
    return field.render_line(0).text.strip()


KEY_NAMES = {" ": "space", ":": "colon"}


def type_in_one_burst(app, text: str, then: str) -> None:  # type: ignore[no-untyped-def]
    """What a terminal does with a fast typist's keys: hands them over in one read, so all of them are
    queued before the first is handled."""
    for char in text:
        app.post_message(events.Key(KEY_NAMES.get(char, char), char))
    app.post_message(events.Key(then, None))


@pytest.mark.parametrize(("field", "typed", "run_key"), [
    ("#lookup-name", "a_rather_long_username_typed_fast", "ctrl+enter"),
    ("#lookup-name", "a_rather_long_username_typed_fast", "ctrl+j"),
    ("#lookup-paste", "a_rather_long_username_typed_fast: hi", "ctrl+j"),
])
async def test_what_is_typed_fast_is_looked_up_whole(make_app, db, field, typed, run_key):
    name = "a_rather_long_username_typed_fast"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        screen.query_one(field).focus()
        type_in_one_burst(app, typed, then=run_key)
        await wait_for(pilot, lambda: "Found" in text_of(screen, "#lookup-status"), what="the lookup")
        assert text_of(screen, "#lookup-status").startswith(f"Found {name}.")
    with db.session() as s:
        assert list(s.scalars(select(Person.username))) == [name]  # no person made of a truncated name


@pytest.mark.parametrize("field", ["#lookup-name", "#lookup-paste"])
async def test_escape_leaves_the_lookup_screen_from_its_fields(make_app, db, field):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(app, pilot)
        screen.query_one(field).focus()
        await pilot.press(*"half_typed", "escape")
        await wait_for(pilot, lambda: app.current_mode == "dashboard", what="back on the dashboard")
