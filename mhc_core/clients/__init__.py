"""Clients for the Chaturbate Events and Stats APIs and the Statbate Premium API (async, httpx)."""

from mhc_core.clients.errors import (
    AuthError,
    ClientError,
    MalformedResponseError,
    RequestError,
    TransientError,
)
from mhc_core.clients.event_models import BaseEvent, ReceivedEvent, parse_event
from mhc_core.clients.events import EventBatch, EventsClient, EventsStatus
from mhc_core.clients.statbate import StatbateClient, normalize_member_info, normalize_model_info
from mhc_core.clients.stats import StatsClient, StatsReading, normalize_stats

__all__ = [
    "AuthError",
    "BaseEvent",
    "ClientError",
    "EventBatch",
    "EventsClient",
    "EventsStatus",
    "MalformedResponseError",
    "ReceivedEvent",
    "RequestError",
    "StatbateClient",
    "StatsClient",
    "StatsReading",
    "TransientError",
    "normalize_member_info",
    "normalize_model_info",
    "normalize_stats",
    "parse_event",
]
