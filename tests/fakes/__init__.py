"""A local fake of the Events, Stats and Statbate APIs (see `tests.fakes.server`)."""

from tests.fakes.events import (
    METHODS,
    hostile_events,
    make_event,
    message,
    random_events,
    scripted_broadcast,
    user,
)
from tests.fakes.server import (
    STATBATE_PREFIX,
    FakeApis,
    Fault,
    LiveStream,
    RecordedRequest,
    default_member_info,
    default_model_info,
)

__all__ = [
    "METHODS",
    "STATBATE_PREFIX",
    "FakeApis",
    "Fault",
    "LiveStream",
    "RecordedRequest",
    "default_member_info",
    "default_model_info",
    "hostile_events",
    "make_event",
    "message",
    "random_events",
    "scripted_broadcast",
    "user",
]
