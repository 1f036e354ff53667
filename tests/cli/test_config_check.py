"""`mhc config check [--json]`: each configured token tried with one harmless call; exit 1 if one is rejected."""

from __future__ import annotations

import pytest

from tests.cli.helpers import run
from tests.clients.test_token_checks import WRONG, closed_port_url
from tests.fakes import FakeApis


@pytest.fixture
def configured(fake_apis: FakeApis, monkeypatch: pytest.MonkeyPatch) -> FakeApis:
    for key, value in fake_apis.env().items():
        monkeypatch.setenv(key, value)
    return fake_apis


def test_every_configured_token_is_tried_once_and_accepted(configured: FakeApis,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "config", "check")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Chaturbate Events API: accepted: the room of hudson_cage answers",
        "Chaturbate Stats API: accepted: statistics of hudson_cage read, 250 followers",
        "Statbate: accepted (Statbate has no member named hudson_cage)",
    ]
    for api in ("events", "stats", "statbate"):
        assert len(configured.requests_for(api)) == 1


def test_a_rejected_token_exits_1_and_is_named(configured: FakeApis, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHC_STATBATE_TOKEN", WRONG)
    code, data, _ = run(capsys, "config", "check", "--json")
    assert code == 1
    assert data["statbate"]["verdict"] == "rejected" and "HTTP 401" in data["statbate"]["message"]
    assert data["events"]["verdict"] == data["stats"]["verdict"] == "accepted"
    assert WRONG not in str(data)


def test_unreachable_or_unset_is_said_but_is_not_a_rejection(configured: FakeApis,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHC_STATS_BASE_URL", closed_port_url())
    monkeypatch.delenv("MHC_STATBATE_TOKEN")
    code, data, _ = run(capsys, "config", "check", "--json")
    assert code == 0
    assert data["stats"]["verdict"] == "unreachable"
    assert data["statbate"] == {"verdict": "not_configured",
                                "message": "not configured (set MHC_STATBATE_TOKEN or run mhc setup)"}


def test_nothing_configured_says_how_to_configure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "check")
    assert code == 0
    assert out.splitlines()[0] == "Chaturbate Events API: not configured (set MHC_EVENTS_TOKEN or run mhc setup)"


def test_an_unknown_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "config", "fix")
    assert code == 2 and "invalid choice: 'fix'" in err
