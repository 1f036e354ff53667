"""Tests for mhc_core.extract: usernames and transcript lines from pasted text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhc_core.extract import SITE_SECTIONS, TranscriptLine, extract_usernames, parse_transcript
from mhc_core.username import USERNAME_RE, normalize_username

# --------------------------------------------------------------------------- each transcript line kind


def one(line: str) -> TranscriptLine:
    parsed = parse_transcript(line)
    assert len(parsed) == 1, parsed
    return parsed[0]


def test_join() -> None:
    assert one("User Alice has joined the room.") == TranscriptLine(
        "join", "alice", None, None, "User Alice has joined the room."
    )


def test_leave() -> None:
    entry = one("  User bob_1 has left the room.  ")
    assert (entry.kind, entry.username, entry.raw) == ("leave", "bob_1", "User bob_1 has left the room.")


def test_tip_plain_and_with_note() -> None:
    entry = one("carol tipped 25 tokens")
    assert (entry.kind, entry.username, entry.tokens, entry.text) == ("tip", "carol", 25, None)
    entry = one("Carol tipped 1 token -- love the show")
    assert (entry.kind, entry.username, entry.tokens, entry.text) == ("tip", "carol", 1, "love the show")


def test_tip_menu() -> None:
    entry = one("Notice: dave tipped for » Flash 30s")
    assert (entry.kind, entry.username, entry.tokens, entry.text) == ("tip_menu", "dave", None, "Flash 30s")


def test_subject() -> None:
    entry = one('room subject changed to "Goal: dance #new #tags"')
    assert (entry.kind, entry.username, entry.text) == ("subject", None, "Goal: dance #new #tags")


def test_follow_and_unfollow() -> None:
    entry = one("Notice: ⭐ @Erin has followed you")
    assert (entry.kind, entry.username) == ("follow", "erin")
    entry = one("Notice: @frank has unfollowed you")
    assert (entry.kind, entry.username) == ("unfollow", "frank")


def test_leaderboard() -> None:
    entry = one("Notice: 1. gina (1234 tks)")
    assert (entry.kind, entry.username, entry.tokens) == ("leaderboard", "gina", 1234)
    entry = one("Notice: 2. gina2 (1,234 tks)")
    assert entry.tokens == 1234


def test_private_message() -> None:
    entry = one("New private message from hank")
    assert (entry.kind, entry.username) == ("private_message", "hank")


def test_chat_in_transcript() -> None:
    parsed = parse_transcript("User ivan has joined the room.\nivan: hello there")
    assert parsed[1] == TranscriptLine("chat", "ivan", None, "hello there", "ivan: hello there")


def test_unrecognised_lines_are_skipped_and_order_kept() -> None:
    text = "random words\nUser a1 has joined the room.\n\nNotice: Welcome to my room!\na1 tipped 5 tokens\n"
    assert [(e.kind, e.username) for e in parse_transcript(text)] == [("join", "a1"), ("tip", "a1")]


# --------------------------------------------------------------------------- chat-line rule


def test_single_prose_label_lines_are_not_chat() -> None:
    for text in ["Time: 10:00", "Note: hello", "Hello: world", "Note: hello\nTime: 10:00"]:
        assert extract_usernames(text) == [], text
        assert parse_transcript(text) == [], text


def test_two_chat_lines_make_a_chat_paste() -> None:
    assert extract_usernames("alice: hi\nbob: hey alice") == ["alice", "bob"]


def test_chat_lines_among_much_prose_are_ignored() -> None:
    text = "alice: hi\nbob: hey\n" + "\n".join(f"prose line number {i}" for i in range(10))
    assert extract_usernames(text) == []


def test_handle_like_chat_name_counts_alone() -> None:
    assert extract_usernames("cool_guy: hi") == ["cool_guy"]
    assert extract_usernames("guy99: hi") == ["guy99"]
    assert extract_usernames("2023: a good year") == []


def test_framing_words_never_become_names() -> None:
    text = (
        "Notice: Welcome!\nUser zed has joined the room.\nNotice: zed tipped for » x\n"
        "New private message from zed\nroom subject changed to \"x\"\nuser: hi\nnew: hi\nroom: hi"
    )
    assert extract_usernames(text) == ["zed"]


# --------------------------------------------------------------------------- URLs, mentions


@pytest.mark.parametrize(
    "text",
    [
        "https://chaturbate.com/someone/",
        "http://chaturbate.com/someone",
        "https://www.chaturbate.com/someone/?tab=bio",
        "see chaturbate.com/SomeOne.",
        "de.chaturbate.com/someone/#x",
        "(https://chaturbate.com/p/someone/)",
    ],
)
def test_profile_urls(text: str) -> None:
    assert extract_usernames(text) == ["someone"]


@pytest.mark.parametrize("section", sorted(SITE_SECTIONS))
def test_site_sections_are_not_names(section: str) -> None:
    assert extract_usernames(f"look at https://chaturbate.com/{section}/ please") == []
    if section not in {"p", "b"}:  # /p/NAME/ and /b/NAME/ are profile and broadcast pages of NAME
        assert extract_usernames(f"look at chaturbate.com/{section}/foo/ please") == []


def test_profile_and_broadcast_page_prefixes() -> None:
    assert extract_usernames("chaturbate.com/p/foo/?tab=bio chaturbate.com/b/bar/") == ["foo", "bar"]


@pytest.mark.parametrize(
    "text", ["notchaturbate.com/someone/", "chaturbate.com/some-one/", "chaturbate.com/someone.html"]
)
def test_not_profile_urls(text: str) -> None:
    assert extract_usernames(text) == []


def test_mentions() -> None:
    assert extract_usernames("thanks @Alice and @bob_2!") == ["alice", "bob_2"]
    assert extract_usernames("bye @carol.") == ["carol"]


@pytest.mark.parametrize(
    "text", ["mail me at a@b.com", "john.doe@example.com", "me @gmail.com", "tiktok.com/@dancer", "@@x1"]
)
def test_emails_are_not_mentions(text: str) -> None:
    assert extract_usernames(text) == []


# --------------------------------------------------------------------------- whole-paste behaviour


def test_prose_yields_nothing() -> None:
    assert extract_usernames("I met him yesterday, he was great. Time to go.") == []
    assert extract_usernames("He tipped 50 tokens") == []
    assert extract_usernames("") == []
    assert extract_usernames("   \n\n ") == []


def test_bare_single_token_and_list() -> None:
    assert extract_usernames("someuser") == ["someuser"]
    assert extract_usernames(" SomeUser \n") == ["someuser"]
    assert extract_usernames("alice\n@Bob\nhttps://chaturbate.com/carol/\n") == ["alice", "bob", "carol"]
    assert extract_usernames("alice bob") == []
    assert extract_usernames("x") == ["x"]  # a one-character name is a name (see mhc_core.username)
    assert extract_usernames("x" * 65) == []


def test_dedupe_first_seen_order_and_case_folding() -> None:
    text = "@Zed hi\nUser alice has joined the room.\nchaturbate.com/ZED/\nALICE tipped 5 tokens\n@bob"
    assert extract_usernames(text) == ["zed", "alice", "bob"]


def test_broadcaster_excluded() -> None:
    text = "User fan_1 has joined the room.\nMyRoom: welcome fan_1\nfan_1: hi @MyRoom"
    assert extract_usernames(text) == ["fan_1", "myroom"]
    assert extract_usernames(text, broadcaster="MyRoom") == ["fan_1"]
    assert extract_usernames(text, broadcaster="@myroom ") == ["fan_1"]


def test_full_transcript() -> None:
    text = "\n".join(
        [
            "User Alice has joined the room.",
            "alice: hi @Judy, check https://chaturbate.com/kate/ and chaturbate.com/tags/x/ a@b.com",
            "alice tipped 25 tokens -- hi",
            "Notice: dave tipped for » Flash",
            'room subject changed to "Hello"',
            "Notice: ⭐ @Erin has followed you",
            "Notice: @frank has unfollowed you",
            "Notice: 1. gina (1234 tks)",
            "New private message from hank",
            "me_host: thanks all",
            "User bob_1 has left the room.",
        ]
    )
    assert extract_usernames(text, broadcaster="me_host") == [
        "alice", "judy", "kate", "dave", "erin", "frank", "gina", "hank", "bob_1",
    ]
    kinds = [e.kind for e in parse_transcript(text)]
    assert kinds == [
        "join", "chat", "tip", "tip_menu", "subject", "follow", "unfollow", "leaderboard",
        "private_message", "chat", "leave",
    ]


def test_large_paste_is_fast() -> None:
    block = (
        "User someone_{i} has joined the room.\nsomeone_{i}: hello @friend{i} chaturbate.com/room{i}/\n"
        "someone_{i} tipped 10 tokens -- nice\nsome prose with a@b.c and words: here\n"
    )
    text = "".join(block.format(i=i % 500) for i in range(7000))
    assert len(text) > 1_000_000
    start = time.perf_counter()
    names = extract_usernames(text)
    parse_transcript(text)
    assert time.perf_counter() - start < 5
    assert len(names) == 1500  # someone_i, friend_i, room_i for 500 values of i
    # pathological shapes stay linear too
    for nasty in ["a" * 1_000_000, "@" * 1_000_000, "chaturbate.com/" * 70_000, "Notice: 1." * 100_000]:
        start = time.perf_counter()
        extract_usernames(nasty)
        assert time.perf_counter() - start < 5


# --------------------------------------------------------------------------- properties

_fragments = st.sampled_from(
    [
        "User ", " has joined the room.", " has left the room.", " tipped ", " tokens", " -- ", "Notice: ",
        " tipped for » ", "⭐ @", " has followed you", " has unfollowed you", "1. ", " (1234 tks)",
        "New private message from ", "room subject changed to \"", ": ", "@", "https://chaturbate.com/",
        "chaturbate.com/", "/", "\n", " ", ".", "a@b.com", "Alice", "bob_1", "KK", "\u212a", "\u00a0", "é",
    ]
)
_texts = st.one_of(st.text(), st.lists(st.one_of(_fragments, st.text(max_size=5)), max_size=40).map("".join))


@given(_texts, st.one_of(st.none(), st.text(max_size=10)))
@settings(max_examples=400, deadline=None)
def test_extract_never_crashes_and_returns_valid_names_from_input(text: str, broadcaster: str | None) -> None:
    names = extract_usernames(text, broadcaster=broadcaster)
    assert len(names) == len(set(names))
    lowered = text.lower()
    for name in names:
        assert USERNAME_RE.fullmatch(name), name
        assert name in lowered
        assert name != normalize_username(broadcaster)


@given(_texts)
@settings(max_examples=400, deadline=None)
def test_parse_transcript_never_crashes(text: str) -> None:
    for entry in parse_transcript(text):
        assert entry.raw and entry.raw in text
        assert entry.username is None or USERNAME_RE.fullmatch(entry.username)
        assert entry.tokens is None or entry.tokens >= 0
