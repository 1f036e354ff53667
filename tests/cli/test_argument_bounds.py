"""Numbers on the command line are checked where they are read: out of range is one line and exit 2."""

from __future__ import annotations

import pytest

from tests.cli.helpers import mhc, one_line_error, run

BIGINT_MAX = 2**63 - 1


@pytest.mark.parametrize("argv, named", [
    (["sessions", "--limit", "-1"], "--limit"),
    (["sessions", "--limit", "0"], "--limit"),
    (["sessions", "--limit", "99999999999999999999"], "--limit"),
    (["sessions", "--limit", "ten"], "--limit"),
    (["person", "fan_1", "--limit", "-1"], "--limit"),
    (["person", "fan_1", "--limit", "99999999999999999999"], "--limit"),
    (["session", "show", "99999999999999999999"], "id"),
    (["session", "show", str(BIGINT_MAX + 1)], "id"),
    (["session", "show", "0"], "id"),
    (["session", "show", "-3"], "id"),
])
def test_a_number_out_of_range_is_one_line_and_exit_2(db, cli_env, capsys, argv, named) -> None:
    assert run(capsys, "note", "fan_1", "regular")[0] == 0
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    line = one_line_error(err)
    assert named in line and argv[-1] in line


def test_the_largest_numbers_accepted_still_work(db, cli_env, capsys) -> None:
    from mhc_core.cli import MAX_LIMIT

    assert run(capsys, "sessions", "--limit", str(MAX_LIMIT))[0] == 0
    code, _, err = run(capsys, "session", "show", str(BIGINT_MAX))
    assert code == 1 and one_line_error(err) == f"mhc: no session {BIGINT_MAX}"


def test_a_real_process_prints_no_traceback_for_a_bad_limit(db, cli_env) -> None:
    result = mhc(cli_env, "sessions", "--limit", "99999999999999999999")
    assert result.returncode == 2
    assert "--limit" in one_line_error(result.stderr)
