"""The fixed vocabularies of stored rows: roles, snapshot and interaction kinds, session states, lists.

Plain enums with no database import, so the console can name them without loading the ORM; the
models check each column against these, and the migrations keep the same lists.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MODEL = "MODEL"
    VIEWER = "VIEWER"
    BOTH = "BOTH"
    UNKNOWN = "UNKNOWN"


class SnapshotSource(StrEnum):
    STATBATE_MEMBER = "statbate_member"
    STATBATE_MODEL = "statbate_model"
    CB_STATS = "cb_stats"
    MANUAL = "manual"
    STATBATE_MEMBER_MODEL = "statbate_member_model"  # what Statbate saw a member tip this broadcaster


class InteractionType(StrEnum):
    CHAT_MESSAGE = "CHAT_MESSAGE"
    PRIVATE_MESSAGE = "PRIVATE_MESSAGE"
    TIP_EVENT = "TIP_EVENT"
    FOLLOW = "FOLLOW"
    UNFOLLOW = "UNFOLLOW"
    USER_ENTER = "USER_ENTER"
    USER_LEAVE = "USER_LEAVE"
    FANCLUB_JOIN = "FANCLUB_JOIN"
    MEDIA_PURCHASE = "MEDIA_PURCHASE"
    ROOM_SUBJECT_CHANGE = "ROOM_SUBJECT_CHANGE"
    BROADCAST_START = "BROADCAST_START"
    BROADCAST_STOP = "BROADCAST_STOP"
    PROFILE_PASTE = "PROFILE_PASTE"
    CHAT_IMPORT = "CHAT_IMPORT"
    MANUAL_NOTE = "MANUAL_NOTE"


class InteractionSource(StrEnum):
    CB_EVENTS = "cb_events"
    MANUAL = "manual"
    TRANSCRIPT = "transcript"
    STATBATE = "statbate"


class SessionStatus(StrEnum):
    LIVE = "LIVE"
    ENDED = "ENDED"


class SessionOrigin(StrEnum):
    MANUAL = "manual"
    AUTO = "auto"


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


SEEDED_WATCHLISTS = ("Friends", "Known Streamers", "Ones to Watch", "Banned But Craved", "Excluded")
EXCLUDED_LIST = "Excluded"
