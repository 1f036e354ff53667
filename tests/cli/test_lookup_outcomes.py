"""What `mhc lookup` answers and which exit code it gives: found, nothing found, Statbate failed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from mhc_core.db.models import Interaction, Person
from tests.cli.helpers import one_line_error, run


def test_a_paste_that_names_nobody_answers_json_and_exits_1(db, cli_env, capsys, tmp_path: Path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("just some ordinary words here\n")
    code, data, err = run(capsys, "lookup", "--paste-file", str(paste), "--json")
    assert code == 1 and err == ""
    assert set(data) == {"person", "extracted_usernames", "errors"}
    assert data["person"] is None and data["extracted_usernames"] == []
    assert [e["source"] for e in data["errors"]] == ["extract"] and data["errors"][0]["message"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0
        assert s.scalar(select(func.count()).select_from(Interaction)) == 0


def test_a_paste_that_names_nobody_is_one_line_and_exit_1(db, cli_env, capsys, tmp_path: Path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("just some ordinary words here\n")
    code, out, err = run(capsys, "lookup", "--paste-file", str(paste))
    assert code == 1 and out == ""
    assert "no username found in the paste" in one_line_error(err)
    code, _, err = run(capsys, "lookup")  # no name and no paste at all is bad usage, not "nothing found"
    assert code == 2 and "no username given" in one_line_error(err)


def test_with_statbate_a_paste_that_names_nobody_keeps_the_statbate_key(db, cli_env, capsys, tmp_path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("nobody here\n")
    code, data, _ = run(capsys, "lookup", "--paste-file", str(paste), "--statbate", "--json")
    assert code == 1 and data["person"] is None and data["statbate"] == {}


def test_resolved_but_statbate_failed_exits_0_with_the_errors_shown_inert(db, cli_env, capsys, monkeypatch,
                                                                           fake_apis) -> None:
    monkeypatch.setenv("MHC_STATBATE_BASE_URL", fake_apis.statbate_base_url)
    monkeypatch.setenv("MHC_STATBATE_TOKEN", fake_apis.statbate_token)
    fake_apis.add_fault("not_json", "statbate", times=3)  # member, model and member-on-me asks
    code, data, _ = run(capsys, "lookup", "tipper_1", "--statbate", "--json")
    assert code == 0 and data["person"]["username"] == "tipper_1"
    assert data["errors"] and {e["source"] for e in data["errors"]} == {"statbate"}
    assert data["statbate"]["tipper_1"] == {"member": "error", "model": "error", "member_model": "error"}
    # A refusal quoting what the server said: shown on stderr with its controls made visible.
    fake_apis.fail(400, "statbate", body={"message": "no such \x1b]0;TITLEHACK\x07 name"}, times=2)
    code, out, err = run(capsys, "lookup", "tipper_2", "--statbate")
    assert code == 0 and out.startswith("tipper_2")
    assert "TITLEHACK" in err and "\x1b" not in err and "\x07" not in err
