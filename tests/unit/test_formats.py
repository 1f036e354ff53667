"""One way to say each value: error reasons, durations, ages, token amounts and times in the display zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from mhc_core import formats
from mhc_core.redact import register_secret

NOW = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")


# -- error reasons -------------------------------------------------------------------------------------


def test_a_reason_is_the_first_line_that_says_something() -> None:
    exc = ValueError('\n  relation "x" does not exist  \nLINE 1: SELECT * FROM x\n                      ^\n')
    assert formats.error_reason(exc) == 'relation "x" does not exist'


def test_a_wrapped_driver_error_gives_the_drivers_reason_and_an_empty_one_its_type() -> None:
    wrapped = OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed the connection"))
    assert formats.error_reason(wrapped) == "server closed the connection"
    assert formats.error_reason(RuntimeError()) == "RuntimeError"
    assert formats.error_reason(RuntimeError("  \n ")) == "RuntimeError"


def test_a_reason_is_cut_and_masked() -> None:
    assert formats.error_reason(ValueError("x" * 1000)) == "x" * formats.REASON_LIMIT
    assert formats.error_reason(ValueError("abcdef"), limit=3) == "abc"
    register_secret("s3cr3t-token-for-formats")
    assert "s3cr3t" not in formats.error_reason(ValueError("GET /events/s3cr3t-token-for-formats/ failed"))


def test_a_connection_reason_leaves_out_where_it_was_going() -> None:
    exc = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?")
    assert formats.connection_reason(exc) == "Connection refused"
    assert formats.connection_reason(ValueError("timeout expired")) == "timeout expired"


# -- durations and ages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0m"), (59, "0m"), (300, "5m"), (3599, "59m"), (3600, "1h00m"), (5400, "1h30m"), (11400, "3h10m"),
    (100 * 3600, "100h00m"), (-5, "0m"), (5400.9, "1h30m"),
])
def test_a_session_length(seconds: float, text: str) -> None:
    assert formats.duration(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00:00"), (5, "0:00:05"), (5400, "1:30:00"), (-1, "0:00:00")])
def test_a_running_clock(seconds: int, text: str) -> None:
    assert formats.clock(seconds) == text


@pytest.mark.parametrize(("before", "text"), [
    (timedelta(0), "0 s ago"), (timedelta(seconds=30), "30 s ago"), (timedelta(seconds=59), "59 s ago"),
    (timedelta(minutes=1), "1 min ago"), (timedelta(minutes=5, seconds=59), "5 min ago"),
    (timedelta(minutes=59), "59 min ago"), (timedelta(hours=1), "1 h ago"), (timedelta(hours=23, minutes=59), "23 h ago"),
    (timedelta(days=1), "1 d ago"), (timedelta(days=400), "400 d ago"), (timedelta(seconds=-3), "0 s ago"),
])
def test_an_age(before: timedelta, text: str) -> None:
    assert formats.ago(NOW - before, NOW) == text


def test_no_time_is_never() -> None:
    assert formats.ago(None, NOW) == "never"


# -- amounts -----------------------------------------------------------------------------------------------


def test_token_amounts_are_grouped() -> None:
    assert [formats.tokens(n) for n in (0, 25, 1000, 1234567)] == ["0", "25", "1,000", "1,234,567"]
    assert formats.tk(1500) == "1,500 tk"


# -- times in the display zone ----------------------------------------------------------------------------


def test_times_are_shown_in_the_zone_given() -> None:
    at = datetime(2026, 6, 1, 19, 5, 7, tzinfo=UTC)
    assert formats.when(at, LONDON) == "2026-06-01 20:05"
    assert formats.when(at, TOKYO, seconds=True) == "2026-06-02 04:05:07"
    assert formats.time_of_day(at, LONDON) == "20:05"
    assert formats.time_of_day(at, LONDON, seconds=True) == "20:05:07"
    assert formats.day_and_time(at, LONDON) == "Mon 01 Jun 20:05"


def test_when_reads_iso_text_and_says_when_there_is_no_time() -> None:
    assert formats.when("2026-06-01T19:05:07+00:00", LONDON) == "2026-06-01 20:05"
    assert formats.when(None, LONDON) == "—"
    assert formats.when(None, LONDON, missing="-") == "-"


def test_no_zone_means_the_systems() -> None:
    at = datetime(2026, 6, 1, 19, 5, tzinfo=UTC)
    assert formats.when(at, None) == at.astimezone().strftime("%Y-%m-%d %H:%M")
