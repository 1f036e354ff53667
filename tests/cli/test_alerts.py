"""`mhc alerts` and the alerts of `mhc listen`: JSON keys, lines, a bad date, a rule naming no list."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys

import pytest

from tests.alerts.helpers import alert_settings, caught_up, evaluate
from tests.capture.helpers import at, write
from tests.capture.test_headless import Listener, env_for, wait_for
from tests.cli.helpers import one_line_error, run
from tests.fakes import make_event

KEYS = ["id", "rule", "username", "event_id", "fired_at", "acknowledged_at", "text"]
TIP_RULE = json.dumps([{"when": "tip", "min_tokens": 500}])


def seed(db, database_url) -> None:
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 500}])
    asyncio.run(evaluate(s, db))
    write(db, [at(1, 1, **make_event("tip", "big_bob", tokens=1000)), at(2, 2, **make_event("tip", "ann", tokens=600))])
    asyncio.run(evaluate(s, db))


def test_alerts_json_has_the_seven_keys_newest_first(db, database_url, cli_env, capsys, monkeypatch):
    monkeypatch.setenv("MHC_BROADCASTER", "hudson_cage")
    seed(db, database_url)
    code, data, _ = run(capsys, "alerts", "--json")
    assert code == 0
    assert [list(a) for a in data] == [KEYS, KEYS]
    assert [a["username"] for a in data] == ["ann", "big_bob"]
    assert data[0]["acknowledged_at"] is None
    code, out, _ = run(capsys, "alerts")
    assert code == 0 and "tip>=500: ann tipped 600 tokens" in out
    code, data, _ = run(capsys, "alerts", "--since", "2999-01-01", "--json")
    assert code == 0 and data == []


def test_a_bad_since_is_exit_2_with_one_line(db, cli_env, capsys):
    code, _, err = run(capsys, "alerts", "--since", "yesterday-ish")
    assert code == 2 and "--since" in one_line_error(err)


@pytest.mark.slow
def test_listen_prints_alert_lines_and_jsonl_objects(db, database_url, fake_apis, tmp_path):
    proc = Listener(env_for(database_url, fake_apis, tmp_path, MHC_ALERTS=TIP_RULE), tmp_path, "--jsonl")
    wait_for(lambda: caught_up(db), proc=proc)
    fake_apis.push(make_event("tip", "big_bob", tokens=1000), make_event("tip", "small_sam", tokens=5))
    wait_for(lambda: "ALERT" in proc.err, proc=proc)
    proc.signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    assert "ALERT tip>=500: big_bob tipped 1,000 tokens" in proc.err
    alerts = [json.loads(line) for line in proc.out.splitlines() if '"kind": "alert"' in line]
    assert len(alerts) == 1
    assert list(alerts[0]) == ["kind", *KEYS] and alerts[0]["username"] == "big_bob"


def test_listen_exits_2_for_an_alert_list_that_does_not_exist(db, database_url, fake_apis, tmp_path):
    rules = json.dumps([{"when": "enter", "list": "Besties"}])
    env = env_for(database_url, fake_apis, tmp_path, MHC_ALERTS=rules)
    result = subprocess.run([sys.executable, "-m", "mhc_core.capture.headless"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert "MHC_ALERTS" in line and "alert list 'Besties' does not exist" in line
