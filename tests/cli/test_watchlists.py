"""`mhc watchlist ...`, `mhc tag` and `mhc untag`: JSON shapes, exit codes, one-line refusals."""

from __future__ import annotations

from tests.cli.helpers import one_line_error, run


def test_watchlist_commands_json_shapes_and_add_creating_a_person(db, cli_env, capsys) -> None:
    code, lists, _ = run(capsys, "watchlist", "list", "--json")
    assert code == 0
    assert lists[0] == {"name": "Friends", "system": True, "members": 0}
    assert all(set(item) == {"name", "system", "members"} for item in lists)

    assert run(capsys, "watchlist", "create", "Regulars")[0] == 0
    code, out, _ = run(capsys, "watchlist", "add", "regulars", "New_Fan", "other_fan")
    assert code == 0 and "new_fan" in out
    code, shown, _ = run(capsys, "watchlist", "show", "REGULARS", "--json")
    assert code == 0
    assert (shown["name"], shown["system"]) == ("Regulars", False)
    assert [m["username"] for m in shown["members"]] == ["new_fan", "other_fan"]
    assert set(shown["members"][0]) == {"username", "added_at", "online", "last_interaction_at", "room_tokens",
                                        "has_notes"}
    assert shown["members"][0]["online"] == "offline" and shown["members"][0]["room_tokens"] == 0

    code, person, _ = run(capsys, "person", "new_fan", "--json")
    assert code == 0 and person["watchlists"] == ["Regulars"]

    assert run(capsys, "watchlist", "remove", "Regulars", "new_fan")[0] == 0
    assert run(capsys, "watchlist", "rename", "regulars", "Weekend")[0] == 0
    code, lists, _ = run(capsys, "watchlist", "list", "--json")
    assert {"name": "Weekend", "system": False, "members": 1} in lists
    assert run(capsys, "watchlist", "delete", "weekend")[0] == 0
    assert "Weekend" not in [item["name"] for item in run(capsys, "watchlist", "list", "--json")[1]]


def test_excluded_from_the_cli_is_exclusion(db, cli_env, capsys) -> None:
    assert run(capsys, "watchlist", "add", "Excluded", "spam_bot")[0] == 0
    assert run(capsys, "person", "spam_bot", "--json")[1]["is_excluded"] is True
    assert run(capsys, "watchlist", "remove", "excluded", "spam_bot")[0] == 0
    assert run(capsys, "person", "spam_bot", "--json")[1]["is_excluded"] is False


def test_refusals_are_exit_2_with_one_line(db, cli_env, capsys) -> None:
    for argv, said in (
        (("watchlist", "show", "No Such List"), "no watchlist"),
        (("watchlist", "add", "No Such List", "alice"), "no watchlist"),
        (("watchlist", "add", "Friends", "not a name!"), "not a valid username"),
        (("watchlist", "delete", "Friends"), "system list"),
        (("watchlist", "rename", "excluded", "Fine"), "system list"),
        (("watchlist", "create", "friends"), "already a list"),
        (("tag", "not a name!", "city", "Lisbon"), "not a valid username"),
        (("tag", "alice", "city", "Lisbon", "--evidence", "chat:1"), "--evidence"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert said in one_line_error(err), argv
    assert run(capsys, "person", "alice", "--json")[0] == 1  # nothing was created by the refused add


def test_tag_and_untag_round_trip_in_person_json(db, cli_env, capsys) -> None:
    assert run(capsys, "watchlist", "add", "Friends", "carol_x")[0] == 0
    code, _, err = run(capsys, "tag", "nobody_known", "city", "Lisbon")
    assert code == 1 and "no person" in one_line_error(err)
    assert run(capsys, "tag", "carol_x", "city", "Porto")[0] == 0
    code, saved, _ = run(capsys, "tag", "carol_x", "City", "Lisbon", "--confidence", "high", "--json")
    assert code == 0 and saved["value"] == "Lisbon"
    code, _, err = run(capsys, "tag", "carol_x", "city", "Faro", "--evidence", "interaction:999999")
    assert code == 2 and "no interaction" in one_line_error(err)
    attrs = run(capsys, "person", "carol_x", "--json")[1]["attributes"]
    assert [(a["key"], a["value"], a["confidence"], a["evidence_type"], a["evidence_id"]) for a in attrs] == [
        ("city", "Lisbon", "high", "manual", None)]
    assert set(attrs[0]) == {"id", "key", "value", "confidence", "evidence_type", "evidence_id", "updated_at"}
    code, removed, _ = run(capsys, "untag", "carol_x", "city", "--json")
    assert code == 0 and removed == {"username": "carol_x", "key": "city", "removed": True}
    assert run(capsys, "person", "carol_x", "--json")[1]["attributes"] == []
