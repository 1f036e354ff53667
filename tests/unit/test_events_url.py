"""What the broadcaster pastes in setup: the Events API URL (or its token) and the Stats and Statbate tokens."""

from __future__ import annotations

import pytest

from mhc_core.setup.events_url import (
    PRODUCTION_EVENTS_BASE,
    TESTBED_EVENTS_BASE,
    EventsUrl,
    PastedValueError,
    parse_events_url,
    parse_statbate_token,
    parse_stats_token,
)

TOKEN = "EVTtok3nREAL0123456789ab"
STATS_TOKEN = "STAtok3nREAL0123456789ab"


@pytest.mark.parametrize("pasted", [
    f"https://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/",
    f"https://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}",
    f"https://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/?timeout=10",
    f"https://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/?i=1625274862454-0&timeout=90",
    f"  https://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/ \n",
    f"https://eventsapi.chaturbate.com/events/Hudson_Cage/{TOKEN}/",
    f"eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/",
    f"http://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/",  # the server only answers https
])
def test_a_production_url_in_any_copied_form(pasted: str) -> None:
    parsed = parse_events_url(pasted)
    assert parsed == EventsUrl(token=TOKEN, broadcaster="hudson_cage", base_url=PRODUCTION_EVENTS_BASE)
    assert not parsed.testbed


@pytest.mark.parametrize("pasted", [
    f"https://events.testbed.cb.dev/events/hudson_cage/{TOKEN}/",
    f"https://events.testbed.cb.dev/events/hudson_cage/{TOKEN}?timeout=0",
])
def test_a_testbed_url_keeps_the_testbed(pasted: str) -> None:
    parsed = parse_events_url(pasted)
    assert parsed == EventsUrl(token=TOKEN, broadcaster="hudson_cage", base_url=TESTBED_EVENTS_BASE)
    assert parsed.testbed


def test_a_local_url_keeps_its_scheme_and_port() -> None:
    parsed = parse_events_url(f"http://127.0.0.1:8765/events/hudson_cage/{TOKEN}/?timeout=10")
    assert parsed == EventsUrl(token=TOKEN, broadcaster="hudson_cage", base_url="http://127.0.0.1:8765")


def test_a_bare_token_gives_no_broadcaster_and_no_server() -> None:
    assert parse_events_url(f"  {TOKEN}\n") == EventsUrl(token=TOKEN, broadcaster=None, base_url=None)


@pytest.mark.parametrize("pasted", [
    "hello world",
    "https://chaturbate.com/hudson_cage/",
    "",
    "   ",
    f"https://eventsapi.chaturbate.com/events/hudson-cage!/{TOKEN}/",
    f"https://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}%20x/",
    f"ftp://eventsapi.chaturbate.com/events/hudson_cage/{TOKEN}/",
    f"https://eventsapi.chaturbate.com:99999/events/hudson_cage/{TOKEN}/",
])
def test_junk_is_refused_in_one_line_without_the_token(pasted: str) -> None:
    with pytest.raises(PastedValueError) as refused:
        parse_events_url(pasted)
    message = str(refused.value)
    assert message and "\n" not in message
    assert TOKEN not in message


def test_an_invalid_username_is_named_as_the_problem() -> None:
    with pytest.raises(PastedValueError, match="username") as refused:
        parse_events_url(f"https://eventsapi.chaturbate.com/events/h%C3%BCdson/{TOKEN}/")
    assert TOKEN not in str(refused.value)


@pytest.mark.parametrize("pasted", [
    f"https://chaturbate.com/statsapi/?username=hudson_cage&token={STATS_TOKEN}",
    f" https://chaturbate.com/statsapi/?token={STATS_TOKEN}&username=hudson_cage \n",
    f"chaturbate.com/statsapi/?username=hudson_cage&token={STATS_TOKEN}",
    STATS_TOKEN,
    f"  {STATS_TOKEN}  ",
])
def test_the_stats_token_from_its_url_or_alone(pasted: str) -> None:
    assert parse_stats_token(pasted) == STATS_TOKEN


@pytest.mark.parametrize("pasted", [
    "",
    "hello world",
    "https://chaturbate.com/statsapi/?username=hudson_cage",
    "https://chaturbate.com/hudson_cage/",
    f"https://chaturbate.com/statsapi/?username=hudson_cage&token={STATS_TOKEN}<>",
])
def test_stats_junk_is_refused_without_the_token(pasted: str) -> None:
    with pytest.raises(PastedValueError) as refused:
        parse_stats_token(pasted)
    assert STATS_TOKEN not in str(refused.value)


@pytest.mark.parametrize("pasted", ["Bearer SBTtok3n|abc", "bearer SBTtok3n|abc", "  SBTtok3n|abc \n", "Bearer  SBTtok3n|abc"])
def test_the_statbate_token_without_its_bearer(pasted: str) -> None:
    assert parse_statbate_token(pasted) == "SBTtok3n|abc"


@pytest.mark.parametrize("pasted", ["", "Bearer ", "two words", "t\u00f6ken", "tok\x1ben"])
def test_statbate_junk_is_refused(pasted: str) -> None:
    with pytest.raises(PastedValueError):
        parse_statbate_token(pasted)


def test_a_short_statbate_token_after_bearer() -> None:
    assert parse_statbate_token("Bearer x") == "x"
