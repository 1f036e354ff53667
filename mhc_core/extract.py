"""Usernames and transcript lines from text a broadcaster pastes (chat transcripts, links, notes).

Everything here is pure string work: no I/O, no Textual, linear in the size of the paste.

A name is what `mhc_core.username` says it is (ASCII letters, digits and underscores, returned
lowercased); the rules below only say where in a paste a name is taken from.

Where names come from (`extract_usernames`):

* profile URLs: ``chaturbate.com/NAME`` with or without scheme, ``www.`` or any other subdomain, trailing
  slash, query or fragment. The first path segment must not be a site section (`SITE_SECTIONS`,
  e.g. ``/tags/``, ``/accounts/``, ``/in/``); ``/p/NAME/`` (profile) and ``/b/NAME/`` (broadcast page)
  yield NAME.
* mentions: ``@NAME`` not preceded by a letter, digit or one of ``_.+-%/@`` (so ``a@b.com`` and
  ``tiktok.com/@x`` are not mentions) and not followed by ``-``, ``@`` or ``.`` plus a letter/digit
  (so ``@gmail.com`` is not one either).
* transcript lines, see `parse_transcript`.
* a bare list: when every non-blank line of the paste is a single token that is a username, an
  ``@username`` or a profile URL, the bare usernames count too (so a paste of just ``SomeUser`` yields
  ``someuser``).

Chat lines ``NAME: text`` are ambiguous with prose (``Note: ...``, ``Time: 10:00``). A line is
*chat-shaped* when it starts with a valid username immediately followed by ``": "`` and that name is not
a framing or common label word (`CHAT_STOP_WORDS`: notice, user, new, room, note, time, hello, ...).
Chat-shaped lines are accepted as chat only when at least one of these holds:

1. the paste contains another recognised transcript line (join, leave, tip, notice, ...);
2. the paste has at least 2 chat-shaped lines and they are at least half of its non-blank lines;
3. the name looks like a handle: it contains an underscore, or both a letter and a digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mhc_core.username import NAME_PATTERN, normalize_username

__all__ = [
    "CHAT_STOP_WORDS",
    "SITE_SECTIONS",
    "TranscriptKind",
    "TranscriptLine",
    "TranscriptRow",
    "extract_usernames",
    "parse_transcript",
    "read_transcript",
]

TranscriptKind = Literal[
    "join", "leave", "tip", "tip_menu", "subject", "follow", "unfollow", "leaderboard", "private_message", "chat"
]


@dataclass(frozen=True)
class TranscriptLine:
    """One recognised line of a pasted transcript.

    `username` is lowercased (None for a subject change). `tokens` is set for ``tip`` (the amount) and
    ``leaderboard`` (the total). `text` is the tip note, tip-menu item, subject or chat message (None when
    absent or empty). `raw` is the line as pasted, stripped of surrounding whitespace.
    """

    kind: TranscriptKind
    username: str | None
    tokens: int | None
    text: str | None
    raw: str


@dataclass(frozen=True)
class TranscriptRow:
    """One non-blank line of a paste (`raw`, stripped) and what was read from it.

    `entries` is empty for a line no rule reads; `notice` marks such a line that is a ``Notice: ...``
    (framing the rules do not know, never chat). A leaderboard notice may carry several entries.
    """

    raw: str
    entries: tuple[TranscriptLine, ...]
    notice: bool = False


#: First path segments of chaturbate.com that are site sections, never usernames.
SITE_SECTIONS: frozenset[str] = frozenset(
    {
        "tags", "tag", "accounts", "account", "p", "b", "in", "affiliates", "tipping", "auth",
        "photo_videos", "apps", "app", "external_link", "security", "terms", "privacy", "contest",
        "supporter", "followed-cams", "female-cams", "male-cams", "couple-cams", "trans-cams",
        "spy-on-cams", "tube", "statsapi", "api", "emoticons", "blog", "contact", "faq", "support",
        "login", "logout", "signup", "register", "password", "my_collection", "sitemap", "discover",
        "search", "messages", "notifications", "settings", "billing", "billingsupport", "dmca",
        "law_enforcement", "jobs", "static", "media", "robots", "favicon", "feed", "rss", "ajax",
        "tours", "tour", "hashtag", "roomlist", "chat", "users", "user", "profile", "broadcast",
        "exhibitionist-cams", "teen-cams", "mature-cams", "new-cams", "north-american-cams",
    }
)

#: Names never taken from a ``NAME: text`` line (transcript framing and common prose labels).
CHAT_STOP_WORDS: frozenset[str] = frozenset(
    {
        # transcript framing
        "notice", "user", "users", "new", "room", "subject", "private", "message", "messages", "tip",
        "tips", "tipped", "system", "broadcaster", "moderator", "mod", "fan", "fans", "leaderboard",
        # prose labels and common words
        "note", "notes", "nb", "ps", "pps", "time", "date", "day", "re", "fw", "fwd", "from", "to", "cc",
        "bcc", "edit", "edited", "update", "updated", "warning", "error", "info", "hint", "example",
        "question", "answer", "summary", "total", "name", "price", "cost", "location", "status", "reason",
        "result", "results", "source", "sources", "step", "todo", "done", "title", "author", "link",
        "links", "url", "email", "phone", "address", "tel", "fax", "hello", "hi", "hey", "yes", "no",
        "ok", "okay", "thanks", "important", "attention", "caution", "disclaimer", "reminder", "rules",
        "rule", "menu", "goal", "goals", "schedule", "today", "tomorrow", "yesterday", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning", "afternoon",
        "evening", "night", "am", "pm", "me", "you", "he", "she", "they", "we", "it", "my", "your",
        "pros", "cons", "tldr", "list", "options", "option", "details", "description",
        "http", "https", "ftp", "mailto", "www",
    }
)

#: Subjects that are not people in a ``NAME tipped N tokens`` line written as prose.
_TIP_STOP_WORDS = frozenset(
    {"he", "she", "they", "we", "you", "it", "someone", "somebody", "anyone", "anybody", "everyone", "nobody"}
)

_F = re.ASCII | re.IGNORECASE
_NAME = NAME_PATTERN
_TOKENS = r"\d{1,3}(?:,\d{3}){1,3}(?!\d)|\d{1,12}(?![\d,])"

# Linear time: every quantifier is bounded, or possessive (`\s*+`, `\s++`, `[...]++`: never gives
# back what it took). Two greedy quantifiers over the same run of spaces (`\s*\.?(?:\s*--` in a tip
# line) would try every way of splitting the run between them: quadratic, 43 s for 128 KB.
_BARE_RE = re.compile(rf"@?(?P<name>{_NAME})", re.ASCII)

_JOIN_RE = re.compile(rf"User\s++(?P<name>{_NAME})\s++has\s++joined\s++the\s++room\s*+\.?", _F)
_LEAVE_RE = re.compile(rf"User\s++(?P<name>{_NAME})\s++has\s++left\s++the\s++room\s*+\.?", _F)
_TIP_RE = re.compile(
    rf"(?P<name>{_NAME})\s++tipped\s++(?P<tokens>{_TOKENS})\s++tokens?\s*+\.?(?:\s*+--\s*+(?P<text>.*))?", _F
)
_NOTICE_RE = re.compile(r"Notice\s*+:\s*+", _F)
_TIP_MENU_RE = re.compile(rf"(?P<name>{_NAME})\s++tipped\s++for(?:\s*+(?:»|>>|:|-))?\s*+(?P<text>.*)", _F)
_FOLLOW_RE = re.compile(
    rf"(?:[^\sA-Za-z0-9_@]++\s*+)?@?(?P<name>{_NAME})\s++has\s++(?P<un>un)?followed\s++you\s*+[.!]?", _F
)
_LEADER_ENTRY_RE = re.compile(
    rf"(?<![A-Za-z0-9_.])\d{{1,4}}\.\s*+(?P<name>{_NAME})\s*+\(\s*+(?P<tokens>{_TOKENS})\s*+(?:tks?|tokens?)\s*+\)",
    _F,
)
_SUBJECT_RE = re.compile(
    r"(?:Notice\s*+:\s*+)?room\s++subject\s++changed\s++to\s*+:?\s*+"
    r"(?:[\"“](?P<quoted>.*)[\"”]\s*+\.?|(?P<plain>.*))",
    _F,
)
_PM_RE = re.compile(rf"New\s++private\s++message\s++from\s++@?(?P<name>{_NAME})\s*+[.:!]?", _F)
_CHAT_RE = re.compile(rf"(?P<name>{_NAME}): (?P<text>.*)", re.ASCII)

_URL_RE = re.compile(
    rf"(?<![A-Za-z0-9_\-])chaturbate\.com/(?:(?P<prefix>[pb])/)?(?P<name>{_NAME})(?![\-]|\.[A-Za-z0-9])", _F
)
_MENTION_RE = re.compile(
    rf"(?<![A-Za-z0-9_.+\-%/@])@(?P<name>{_NAME})(?![\-@]|\.[A-Za-z0-9])", re.ASCII
)

# Unicode spaces a browser copy may produce, mapped one-to-one to " " so offsets stay valid.
_SPACES = str.maketrans({c: " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                                         "\u2009\u200a\u202f\u205f\u3000"})


@dataclass(frozen=True)
class _Hit:
    offset: int  # absolute offset of the username (or of the line when there is none)
    line: TranscriptLine


def _opt(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None


def _tokens(value: str) -> int:
    return int(value.replace(",", ""))


def _lines(text: str) -> list[tuple[int, str, str]]:
    """(offset of the stripped line, stripped line, stripped line with Unicode spaces made plain)."""
    out: list[tuple[int, str, str]] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, stripped, stripped.translate(_SPACES)))
        pos += len(line) + 1
    return out


def _classify(offset: int, raw: str, line: str) -> list[_Hit]:
    """Recognised non-chat entries of one line (usually zero or one)."""

    def hit(kind: TranscriptKind, m: re.Match[str] | None, tokens: int | None, text: str | None) -> _Hit:
        name = m.group("name").lower() if m is not None else None
        start = offset + m.start("name") if m is not None else offset
        return _Hit(start, TranscriptLine(kind, name, tokens, text, raw))

    if m := _JOIN_RE.fullmatch(line):
        return [hit("join", m, None, None)]
    if m := _LEAVE_RE.fullmatch(line):
        return [hit("leave", m, None, None)]
    if (m := _TIP_RE.fullmatch(line)) and m.group("name").lower() not in _TIP_STOP_WORDS:
        return [hit("tip", m, _tokens(m.group("tokens")), _opt(m.group("text")))]
    if m := _PM_RE.fullmatch(line):
        return [hit("private_message", m, None, None)]
    if m := _SUBJECT_RE.fullmatch(line):
        subject = m.group("quoted") if m.group("quoted") is not None else m.group("plain")
        return [hit("subject", None, None, _opt(subject))]
    notice = _NOTICE_RE.match(line)
    if notice is None:
        return []
    body_start = notice.end()
    if m := _TIP_MENU_RE.fullmatch(line, body_start):
        return [hit("tip_menu", m, None, _opt(m.group("text")))]
    if m := _FOLLOW_RE.fullmatch(line, body_start):
        return [hit("unfollow" if m.group("un") else "follow", m, None, None)]
    return [
        hit("leaderboard", m, _tokens(m.group("tokens")), None)
        for m in _LEADER_ENTRY_RE.finditer(line, body_start)
    ]


def _chat_candidate(offset: int, raw: str, line: str) -> _Hit | None:
    m = _CHAT_RE.match(line)
    if m is None:
        return None
    name = m.group("name").lower()
    if name in CHAT_STOP_WORDS:
        return None
    return _Hit(offset + m.start("name"), TranscriptLine("chat", name, None, _opt(m.group("text")), raw))


def _looks_like_handle(name: str) -> bool:
    return "_" in name or (any(c.isdigit() for c in name) and any(c.isalpha() for c in name))


def _read(text: str) -> tuple[list[tuple[str, list[_Hit], bool]], list[tuple[int, str, str]]]:
    """Every non-blank line with what it was read as (hits empty: not read), in paste order."""
    lines = _lines(text)
    # Each entry: recognised hits, or a chat candidate (kept in place so the order is the paste's order).
    slots: list[tuple[str, list[_Hit], _Hit | None, bool]] = []
    has_transcript = False
    chat_count = 0
    for offset, raw, line in lines:
        hits = _classify(offset, raw, line)
        if hits:
            has_transcript = True
            slots.append((raw, hits, None, False))
            continue
        if _NOTICE_RE.match(line):  # an unrecognised notice is framing, never chat
            slots.append((raw, [], None, True))
            continue
        candidate = _chat_candidate(offset, raw, line)
        if candidate is not None:
            chat_count += 1
        slots.append((raw, [], candidate, False))
    chat_ok = has_transcript or (chat_count >= 2 and 2 * chat_count >= len(lines))
    rows: list[tuple[str, list[_Hit], bool]] = []
    for raw, hits, candidate, notice in slots:
        if candidate is not None and (chat_ok or _looks_like_handle(candidate.line.username or "")):
            hits = [candidate]
        rows.append((raw, hits, notice))
    return rows, lines


def _scan(text: str) -> tuple[list[_Hit], list[tuple[int, str, str]]]:
    rows, lines = _read(text)
    return [hit for _raw, hits, _notice in rows for hit in hits], lines


def read_transcript(text: str) -> list[TranscriptRow]:
    """Every non-blank line of a paste, in order, with the entries `parse_transcript` reads from it.

    A row with no entries is either an unrecognised ``Notice: ...`` line (`notice`) or a line no rule
    reads (including a chat-shaped line the chat rule does not accept). Blank lines are not rows.
    """
    return [TranscriptRow(raw, tuple(h.line for h in hits), notice) for raw, hits, notice in _read(text)[0]]


def parse_transcript(text: str) -> list[TranscriptLine]:
    """Recognised lines of a pasted Chaturbate transcript, in order; unrecognised lines are skipped.

    Kinds: ``join`` (``User NAME has joined the room.``), ``leave`` (``... has left the room.``),
    ``tip`` (``NAME tipped 25 tokens`` with an optional ``-- note``), ``tip_menu``
    (``Notice: NAME tipped for » ITEM``), ``subject`` (``room subject changed to "..."``), ``follow`` /
    ``unfollow`` (``Notice: ⭐ @NAME has followed you`` / ``Notice: @NAME has unfollowed you``),
    ``leaderboard`` (``Notice: 1. NAME (1234 tks)``; a notice carrying several entries yields one each),
    ``private_message`` (``New private message from NAME``) and ``chat`` (``NAME: text``, accepted by the
    rule in the module docstring). Framing words match case-insensitively.
    """
    hits, _ = _scan(text)
    return [h.line for h in hits]


def _bare_list(lines: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """Names of a paste whose every non-blank line is a single name, @name or profile URL token."""
    found: list[tuple[int, str]] = []
    for offset, _raw, line in lines:
        if m := _BARE_RE.fullmatch(line):
            found.append((offset + m.start("name"), m.group("name").lower()))
        elif any(c.isspace() for c in line) or _URL_RE.search(line) is None:
            return []
    return found


def extract_usernames(text: str, *, broadcaster: str | None = None) -> list[str]:
    """Lowercased usernames found in `text`, de-duplicated in first-seen order.

    Sources: profile URLs, @mentions, transcript lines (`parse_transcript`) and a bare list of names
    (see the module docstring for the exact rules). `broadcaster`, if given, is left out.
    """
    hits, lines = _scan(text)
    found: list[tuple[int, str]] = [(h.offset, h.line.username) for h in hits if h.line.username]
    for m in _URL_RE.finditer(text):
        name = m.group("name").lower()
        if m.group("prefix") or name not in SITE_SECTIONS:
            found.append((m.start("name"), name))
    found.extend((m.start("name"), m.group("name").lower()) for m in _MENTION_RE.finditer(text))
    found.extend(_bare_list(lines))
    found.sort(key=lambda item: item[0])

    exclude = normalize_username(broadcaster)
    seen: set[str] = set()
    result: list[str] = []
    for _offset, name in found:
        if name != exclude and name not in seen:
            seen.add(name)
            result.append(name)
    return result
