"""`mhc setup`: tokens given as flags or typed at hidden prompts, tried against the fake, then saved."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.helpers import mhc, one_line_error, run, subprocess_env
from tests.clients.test_token_checks import WRONG, closed_port_url
from tests.fakes import FakeApis

ROOT = Path(__file__).resolve().parents[2]


def config_path() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"


def events_url(fake: FakeApis, token: str | None = None) -> str:
    return f"{fake.events_base_url}/events/{fake.broadcaster}/{token or fake.events_token}/"


@pytest.fixture
def apis(fake_apis: FakeApis, monkeypatch: pytest.MonkeyPatch) -> FakeApis:
    """The fake, with the Stats and Statbate servers pointed at it (the Events one comes with its URL)."""
    monkeypatch.setenv("MHC_STATS_BASE_URL", fake_apis.stats_base_url)
    monkeypatch.setenv("MHC_STATBATE_BASE_URL", fake_apis.statbate_base_url)
    return fake_apis


def test_the_copied_url_and_tokens_are_tried_and_saved_readable_by_the_owner_only(
    apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "setup", "--events-url", events_url(apis), "--stats-token", apis.stats_token,
                         "--statbate-token", apis.statbate_token)
    assert (code, err) == (0, "")
    assert "Chaturbate Events API: accepted: the room of hudson_cage answers" in out
    assert "Chaturbate Stats API: accepted" in out and "Statbate: accepted" in out
    assert f"Saved to {config_path()}" in out
    for token in (apis.events_token, apis.stats_token, apis.statbate_token):
        assert token not in out
    assert stat.S_IMODE(config_path().stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path().parent.stat().st_mode) == 0o700

    code, shown, _ = run(capsys, "config", "--json")
    settings = shown["settings"]
    assert settings["MHC_EVENTS_TOKEN"] == {"value": "****", "source": "file"}
    assert settings["MHC_BROADCASTER"] == {"value": apis.broadcaster, "source": "file"}
    assert settings["MHC_EVENTS_BASE_URL"] == {"value": apis.events_base_url, "source": "file"}
    assert settings["MHC_STATBATE_TOKEN"]["source"] == "file"


def test_json_names_what_was_saved_and_each_verdict(apis: FakeApis, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = run(capsys, "setup", "--events-url", events_url(apis), "--json")
    assert code == 0
    assert data == {
        "file": str(config_path()),
        "saved": ["MHC_BROADCASTER", "MHC_EVENTS_BASE_URL", "MHC_EVENTS_TOKEN"],
        "keyring": [],
        "checks": {"events": {"verdict": "accepted", "message": "accepted: the room of hudson_cage answers"}},
        "overridden": [],
        "notes": [],
    }
    assert "accepted" in err  # the verdict lines go to stderr, so stdout is the JSON alone


def test_a_rejected_token_is_not_saved_and_exits_1(apis: FakeApis, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "setup", "--events-url", events_url(apis), "--stats-token", WRONG)
    assert code == 1
    assert "Chaturbate Stats API: rejected (HTTP 401)" in out
    assert "Not saved: Chaturbate Stats API rejected the token." in err
    saved = config_path().read_text()
    assert apis.events_token in saved, "the accepted token beside it is saved"
    assert WRONG not in saved and "stats_token" not in saved


def test_an_unreachable_server_saves_the_token_and_says_it_was_not_tried(
    apis: FakeApis, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MHC_STATS_BASE_URL", closed_port_url())
    code, out, _ = run(capsys, "setup", "--stats-token", apis.stats_token)
    assert code == 0
    assert "Chaturbate Stats API: unreachable" in out
    assert "Saved without an answer from Chaturbate Stats API: mhc config check tries again." in out
    assert apis.stats_token in config_path().read_text()


@pytest.mark.parametrize(("flag", "junk"), [("--events-url", "https://chaturbate.com/hudson_cage/"),
                                            ("--events-url", "not a url at all"),
                                            ("--stats-token", "short"),
                                            ("--statbate-token", "two words")])
def test_junk_is_one_line_exit_2_and_nothing_is_written(flag: str, junk: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "setup", flag, junk)
    assert code == 2 and out == ""
    assert one_line_error(err).startswith(f"mhc: {flag}: ")
    assert not config_path().exists()


def test_without_flags_or_a_terminal_it_refuses_in_one_line(cli_env: dict[str, str]) -> None:
    done = mhc(cli_env, "setup")
    assert done.returncode == 2
    assert one_line_error(done.stderr) == ("mhc: mhc setup asks in a terminal: run it in one, or give "
                                          "--events-url, --stats-token or --statbate-token")


def test_a_token_read_from_standard_input_stays_out_of_the_process_list(apis: FakeApis,
                                                                        cli_env: dict[str, str]) -> None:
    done = mhc(cli_env, "setup", "--stats-token", "-", stdin=f"{apis.stats_token}\n".encode(),
               MHC_STATS_BASE_URL=apis.stats_base_url)
    assert done.returncode == 0, done.stderr
    assert f'stats_token = "{apis.stats_token}"' in config_path().read_text()


def test_the_environment_still_wins_and_setup_says_so(apis: FakeApis, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHC_STATS_TOKEN", "ENVtok3nSTATS0123456789a")
    code, out, _ = run(capsys, "setup", "--stats-token", apis.stats_token)
    assert code == 0
    assert "MHC_STATS_TOKEN is set in the environment: that value is used, not the saved one." in out
    _, shown, _ = run(capsys, "config", "--json")
    assert shown["settings"]["MHC_STATS_TOKEN"] == {"value": "****", "source": "environment"}


def test_a_token_in_a_broken_state_can_be_mended_by_setup(apis: FakeApis, capsys: pytest.CaptureFixture[str]) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text('stats_token = "keyring:mhc-control-panel/stats_token"\n')
    config_path().chmod(0o600)
    code, _, err = run(capsys, "config")
    assert code == 2 and "MHC_STATS_TOKEN" in err
    code, out, err = run(capsys, "setup", "--stats-token", apis.stats_token)
    assert code == 0
    assert "setup goes on without the configured tokens" in err
    assert f'stats_token = "{apis.stats_token}"' in config_path().read_text()
    assert run(capsys, "config")[0] == 0


def keyring_env(tmp_path: Path) -> dict[str, str]:
    return {"PYTHON_KEYRING_BACKEND": "tests.keyring_backend.FileKeyring", "PYTHONPATH": str(ROOT),
            "MHC_TEST_KEYRING": str(tmp_path / "keyring.json")}


def test_with_a_keyring_the_file_holds_only_references(apis: FakeApis, cli_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    env = keyring_env(tmp_path) | {"MHC_STATS_BASE_URL": apis.stats_base_url}
    done = mhc(cli_env, "setup", "--events-url", events_url(apis), "--stats-token", apis.stats_token,
               "--keyring", "--json", **env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["keyring"] == ["MHC_EVENTS_TOKEN", "MHC_STATS_TOKEN"]
    assert any(note.startswith("Tokens kept in the system keyring (") for note in data["notes"]), data["notes"]
    saved = config_path().read_text()
    assert apis.events_token not in saved and apis.stats_token not in saved
    assert 'events_token = "keyring:mhc-control-panel/events_token"' in saved
    kept = json.loads((tmp_path / "keyring.json").read_text())
    assert kept["mhc-control-panel/stats_token"] == apis.stats_token

    shown = json.loads(mhc(cli_env, "config", "--json", **env).stdout)
    assert shown["settings"]["MHC_STATS_TOKEN"] == {"value": "****", "source": "file", "keyring": True}
    checked = mhc(cli_env, "config", "check", "--json", **env)
    assert checked.returncode == 0, checked.stderr
    verdicts = {api: item["verdict"] for api, item in json.loads(checked.stdout).items()}
    assert verdicts == {"events": "accepted", "stats": "accepted", "statbate": "not_configured"}


def test_keyring_asked_for_where_there_is_none_keeps_the_file_and_says_so(
    apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "setup", "--stats-token", apis.stats_token, "--keyring")
    assert code == 0
    assert "No system keyring here" in out
    assert f'stats_token = "{apis.stats_token}"' in config_path().read_text()


# -- asked in a terminal --------------------------------------------------------------------------


class Terminal:
    """`mhc setup` on a real pseudo-terminal, as a person runs it: what it shows, and typing into it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "mhc", "setup"], stdin=child, stdout=child,
                                        stderr=child, env=env, start_new_session=True)
        os.close(child)
        self.shown = b""
        self.seen = 0  # where the next wait_for looks from

    def _read(self, timeout: float) -> bool:
        """More of what the terminal shows; False once the program has closed it."""
        if not select.select([self.fd], [], [], timeout)[0]:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the program has exited and the terminal is closed
            return False
        self.shown += chunk
        return bool(chunk)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Until `text` shows after what was waited for last (a prompt asked again is a new one)."""
        deadline = time.monotonic() + timeout
        while (found := self.shown.find(text.encode(), self.seen)) < 0:
            left = deadline - time.monotonic()
            assert left > 0 and self._read(left), \
                f"never showed {text!r}; showed:\n{self.shown.decode(errors='replace')}"
        self.seen = found + len(text.encode())

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def finish(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self._read(max(deadline - time.monotonic(), 0)) and time.monotonic() < deadline:
            pass
        code = self.process.wait(timeout=30)
        os.close(self.fd)
        return code


def test_asked_in_a_terminal_input_is_hidden_and_a_mistake_can_be_typed_again(
    apis: FakeApis, cli_env: dict[str, str]
) -> None:
    term = Terminal(subprocess_env(cli_env, MHC_STATS_BASE_URL=apis.stats_base_url,
                                   MHC_STATBATE_BASE_URL=apis.statbate_base_url))
    term.wait_for("Chaturbate → Settings → Events API")
    term.wait_for("Events API URL (or the token) (Enter skips): ")
    term.type("https://chaturbate.com/nothing-here/")
    term.wait_for("no /events/USERNAME/TOKEN/ in it")
    term.wait_for("(Enter skips): ")
    term.type(events_url(apis))
    term.wait_for("accepted: the room of hudson_cage answers")
    term.wait_for("Stats API token (Enter skips): ")
    term.type(WRONG)
    term.wait_for("rejected (HTTP 401)")
    term.wait_for("Stats API token (Enter skips): ")  # typed before the prompt, it would be echoed
    term.type(apis.stats_token)
    term.wait_for("accepted: statistics of hudson_cage read")
    term.wait_for("Statbate token (Enter skips): ")
    term.type("")
    term.wait_for("No system keyring here")
    code = term.finish()
    shown = term.shown.decode(errors="replace")
    assert code == 0, shown
    assert f"Saved to {config_path()}" in shown
    for token in (apis.events_token, apis.stats_token, WRONG):
        assert token not in shown, "what is typed at a token prompt is not echoed"
    saved = config_path().read_text()
    assert apis.events_token in saved and apis.stats_token in saved and "statbate_token" not in saved


def test_a_setting_from_the_environment_is_not_asked_for(apis: FakeApis, cli_env: dict[str, str]) -> None:
    term = Terminal(subprocess_env(cli_env, MHC_EVENTS_TOKEN=apis.events_token))
    term.wait_for("Chaturbate Events API: set in the environment (MHC_EVENTS_TOKEN): change it there")
    term.wait_for("Stats API token (Enter skips): ")
    term.type("")
    term.wait_for("Statbate token (Enter skips): ")
    term.type("")
    assert term.finish() == 0
    assert "Nothing given: nothing saved." in term.shown.decode(errors="replace")
    assert not config_path().exists()


class TerminalInput(io.StringIO):
    """A standard input that is a terminal, for the prompts run in this process."""

    def isatty(self) -> bool:
        return True


def test_ctrl_c_at_a_prompt_ends_the_line_saves_nothing_and_exits_130(
    apis: FakeApis, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([events_url(apis)])

    def typed(prompt: str) -> str:
        print(prompt, end="", file=sys.stderr)
        answer = next(answers, None)
        if answer is None:
            raise KeyboardInterrupt  # ctrl+c at the second prompt
        return answer

    monkeypatch.setattr("getpass.getpass", typed)
    monkeypatch.setattr("sys.stdin", TerminalInput())
    code, out, err = run(capsys, "setup")
    assert code == 130
    assert "accepted: the room of hudson_cage answers" in out
    assert err.endswith("Stats API token (Enter skips): \nmhc: setup stopped: nothing saved\n"), err
    assert not config_path().exists(), "the token accepted before ctrl+c is not saved"
