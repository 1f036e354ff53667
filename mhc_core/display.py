"""Text from outside (chat, PMs, tip notes, subjects, pasted names, Statbate fields) made safe to show.

A viewer controls what he types, so nothing he sends may reach the broadcaster's terminal as a
control sequence: ESC, BEL, C0/C1 controls, DEL, bidi overrides and other format characters are
shown as visible escapes (``\\x1b``), and runs of combining marks ("zalgo") are capped so a line
keeps its height and stays inside its panel. JSON output never goes through here: it stays exact.
"""

from __future__ import annotations

import unicodedata

# At most this many combining marks stay on one base character; the rest are dropped.
MAX_COMBINING = 2
# Characters that move the cursor or reorder text; shown as escapes like the C0 controls.
_FORMAT_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_ALLOWED_FORMAT = frozenset({"\u200d"})  # zero-width joiner: part of many emoji


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: object, *, one_line: bool = True) -> str:
    """`text` with every control made visible and combining runs capped.

    With `one_line` (the default) newlines and tabs become spaces, so a chat line stays one line;
    otherwise newlines are kept and tabs become spaces.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():
        return s  # most chat: nothing to escape, no combining marks (the loop below is per character)
    out: list[str] = []
    combining = 0
    for ch in s:
        if ch == "\n":
            out.append(" " if one_line else "\n")
            combining = 0
            continue
        if ch in ("\t", "\r"):
            out.append(" ")
            combining = 0
            continue
        category = unicodedata.category(ch)
        if category in _FORMAT_CATEGORIES and ch not in _ALLOWED_FORMAT:
            out.append(_escape(ch))
            combining = 0
            continue
        if category.startswith("M"):
            combining += 1
            if combining > MAX_COMBINING:
                continue
        else:
            combining = 0
        out.append(ch)
    return "".join(out)


def one_line(text: object, limit: int | None = None) -> str:
    """`printable` text on one line, whitespace folded, optionally cut to `limit` characters with '…'.

    With a limit only a prefix of the text is made printable, growing until the folded result is
    longer than the limit: the prefix's folded text is a prefix of the whole text's, so the answer is
    the same, and a 10,000-character chat line shown in 80 columns costs 80 characters' work, not 10,000.
    """
    if limit is None:
        return " ".join(printable(text).split())
    raw = "" if text is None else text if isinstance(text, str) else str(text)
    size = max(2 * limit, 64)
    while True:
        s = " ".join(printable(raw[:size]).split())
        if len(s) > limit:
            return s[: max(limit - 1, 0)] + "…"
        if size >= len(raw):
            return s
        size *= 4
