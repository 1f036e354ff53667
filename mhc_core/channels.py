"""The change-notification channels and what their payloads say, shared by the writers and the readers.

Each payload is a JSON object. Every write that a console shows sends one in its own transaction
(`mhc_core.db.notify`), so any process on the same database (a console, `mhc note`, `mhc session
start`, `mhc listen`) is seen by every console at commit:

- ``mhc_events``: a capture batch was journaled: ``{"broadcaster", "count", "max_id"}`` (the last
  journal row's id).
- ``mhc_stats``: a snapshot was stored: ``{"broadcaster", "snapshot_id"}`` from the Stats API
  poller; ``{"person_id", "snapshot_id", "source"}`` from a Statbate lookup.
- ``mhc_sessions``: a stream session started, ended or was reopened: ``{"broadcaster", "id", "status"}``.
- ``mhc_persons``: something kept about one person changed: ``{"person_id", "what", "id"}``, where
  ``what`` is one of PERSON_CHANGES and ``id`` the row concerned when there is one (the note's
  interaction id, the attribute's id, the watchlist's id), else null.
- ``mhc_alerts``: alerts fired, were acknowledged, or a mute changed: ``{"broadcaster", "what", "ids"}``
  where ``what`` is one of ALERT_CHANGES and ``ids`` the alert ids fired (for ``fired``), else [].
- ``mhc_radar``: arrivals were enriched from Statbate: ``{"broadcaster", "count"}`` (snapshots stored).

This module imports nothing, so the console can name a channel without loading the database layer.
"""

from __future__ import annotations

CHANNEL_EVENTS = "mhc_events"
CHANNEL_STATS = "mhc_stats"
CHANNEL_SESSIONS = "mhc_sessions"
CHANNEL_PERSONS = "mhc_persons"
CHANNEL_ALERTS = "mhc_alerts"
CHANNEL_RADAR = "mhc_radar"
ALL_CHANNELS = (CHANNEL_EVENTS, CHANNEL_STATS, CHANNEL_SESSIONS, CHANNEL_PERSONS, CHANNEL_ALERTS, CHANNEL_RADAR)

# What changed in the alerts and the inbox (the "what" of an mhc_alerts payload).
FIRED = "fired"  # alerts fired (ids: theirs)
ACKNOWLEDGED = "acknowledged"  # alerts, tips or private messages acknowledged in the inbox
MUTED = "muted"  # a person muted or unmuted
ALERT_CHANGES = (FIRED, ACKNOWLEDGED, MUTED)

# What changed about a person (the "what" of an mhc_persons payload).
NOTE = "note"  # a note was added (id: its interaction)
ATTRIBUTE = "attribute"  # an attribute or tag was set or removed (id: the attribute)
WATCHLIST = "watchlist"  # put on or taken off a watchlist (id: the watchlist)
EXCLUDED = "excluded"  # excluded or included again (the Excluded list follows)
RENAMED = "renamed"  # a new username; the old one is kept as an alias
LOOKED_UP = "looked_up"  # looked up: created or found, its role set, a paste kept
PERSON_CHANGES = (NOTE, ATTRIBUTE, WATCHLIST, EXCLUDED, RENAMED, LOOKED_UP)
