"""Pytest fixtures for the fake APIs. Import with ``from tests.fakes.fixtures import *``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fakes.server import FakeApis

__all__ = ["fake_apis", "fake_apis_factory"]


@pytest.fixture
def fake_apis() -> Iterator[FakeApis]:
    """A started FakeApis on an ephemeral port (plain fixture: works from sync and async tests)."""
    with FakeApis() as fake:
        yield fake


@pytest.fixture
def fake_apis_factory() -> Iterator[Callable[..., FakeApis]]:
    """Start extra fakes with custom options, e.g. ``fake_apis_factory(events_per_batch=10)``; all are stopped."""
    started: list[FakeApis] = []

    def make(**options: object) -> FakeApis:
        fake = FakeApis(**options).start()  # type: ignore[arg-type]
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()
