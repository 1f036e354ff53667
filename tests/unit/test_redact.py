"""A token is masked in every form it takes on its way to a log: raw, URL-encoded, JSON-escaped."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, quote_plus, urlencode

import httpx
import pytest

from mhc_core.clients.stats import StatsClient
from mhc_core.redact import MASK, RedactingFilter, register_secret

# Every character that URL encoders treat differently: `+`, `/`, `=`, a space, `&`.
TOKEN = "ST+TOK/EN=abc 77&z"


def forms(token: str) -> list[str]:
    percent = quote(token, safe="")
    return [
        token,
        quote(token),
        percent,
        percent.replace("%2B", "%2b").replace("%2F", "%2f"),  # lower-case hex, as some encoders write it
        quote_plus(token),
        urlencode({"token": token}).removeprefix("token="),
        json.dumps(token)[1:-1],
        json.dumps(json.dumps(token))[1:-1],
        str(httpx.URL(f"https://example.test/events/b/{token}/")),  # httpx encodes only what it must
    ]


def leaked(text: str, token: str) -> list[str]:
    bare = [form for form in forms(token) if not form.startswith("https://")]
    bare.append("EN%3Dabc")  # any long enough piece of an encoded form
    return [form for form in bare if form in text]


@pytest.mark.parametrize("token", [TOKEN, 'Q"uo\\te/x+y 1'])
def test_every_encoded_form_of_a_token_is_masked_by_the_logging_filter(token: str) -> None:
    register_secret(token)
    bystander = "half a token: ST+TOK; a query: https://example.test/?a=1+2%2F3"
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "requests: %s; %s", (" | ".join(forms(token)), bystander), None
    )
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert leaked(message, token) == []
    assert message.count(MASK) == len(forms(token))
    assert message.endswith(bystander)


async def test_a_stats_request_logged_by_httpx_shows_no_form_of_the_token(
    fake_apis_factory, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_apis_factory(stats_token=TOKEN)
    caplog.set_level(logging.INFO, logger="httpx")
    async with StatsClient(fake.stats_base_url, fake.broadcaster, TOKEN) as client:
        reading = await client.fetch()
    assert reading.metrics["token_balance"] == 1500  # the fake accepted the token
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "statsapi" in logged and f"token={MASK}" in logged
    assert leaked(logged, TOKEN) == []
