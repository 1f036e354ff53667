"""The one username rule: the same answer for the configured broadcaster, a typed name, a paste and an event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from mhc_core.capture.projection import JournalEntry, journal_entry
from mhc_core.clients.event_models import parse_event
from mhc_core.config import Settings
from mhc_core.extract import extract_usernames
from mhc_core.username import (
    MAX_LENGTH,
    USERNAME_RE,
    InvalidUsername,
    is_username,
    normalize_username,
    require_username,
)
from tests.fakes import make_event


def _follow_by(name: str) -> JournalEntry:
    event = parse_event({"id": "1", **make_event("follow", name)})
    return journal_entry(event, "hudson_cage", datetime.now(UTC))


VALID = ["a", "ab", "alice", "bob_1", "123", "__x", "a" * MAX_LENGTH]
INVALID = ["", "a" * (MAX_LENGTH + 1), "al-ice", "al.ice", "al ice", "élise", "\u212a\u212a", "ali\nce", "@"]


@pytest.mark.parametrize("name", VALID)
def test_valid_names(name: str) -> None:
    assert is_username(name) and USERNAME_RE.fullmatch(name)
    assert normalize_username(name) == require_username(name) == name


@pytest.mark.parametrize("name", INVALID)
def test_invalid_names(name: str) -> None:
    assert not is_username(name.strip())
    assert normalize_username(name) is None
    with pytest.raises(InvalidUsername, match="not a valid username"):
        require_username(name)


def test_is_username_takes_the_name_as_it_is() -> None:
    assert not is_username("Alice") and not is_username(" alice") and not is_username("@alice")


def test_normalizing_strips_one_at_sign_and_whitespace_and_lowercases() -> None:
    assert normalize_username("  @SomeUser \n") == "someuser"
    assert normalize_username("@ SomeUser") == "someuser"
    assert normalize_username("@@someuser") is None
    assert normalize_username(None) is None


def test_a_letter_that_lowercases_to_ascii_is_not_ascii() -> None:
    assert "\u212a".lower() == "k"  # the Kelvin sign
    assert normalize_username("\u212aate") is None


def test_invalid_username_is_a_value_error_naming_what_was_given() -> None:
    with pytest.raises(ValueError, match="'bad name'"):
        require_username("bad name")


@pytest.mark.parametrize("name", ["a", "a" * MAX_LENGTH, "Hudson_Cage"])
def test_every_entry_point_accepts_the_same_names(name: str) -> None:
    lowered = name.lower()
    assert Settings(broadcaster=name).broadcaster == lowered
    assert extract_usernames(f"@{name} said hi") == [lowered]
    entry = _follow_by(name)
    assert entry.error is None and entry.projection is not None and entry.projection.username == lowered


@pytest.mark.parametrize("name", ["a" * (MAX_LENGTH + 1), "al-ice"])
def test_every_entry_point_refuses_the_same_names(name: str) -> None:
    with pytest.raises(ValidationError):
        Settings(broadcaster=name)
    assert name not in extract_usernames(f"@{name} said hi")
    assert _follow_by(name).projection is None
