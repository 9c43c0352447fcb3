"""Shared pytest fixtures: a fresh fake Asterisk and a running fake AMI server on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk


@pytest.fixture
def fake_asterisk() -> FakeAsterisk:
    """A fresh FakeAsterisk: empty managed files, transports loaded, no queues."""
    return FakeAsterisk()


@pytest.fixture
def ami_server(fake_asterisk: FakeAsterisk) -> Iterator[FakeAmiServer]:
    """A FakeAmiServer on 127.0.0.1:<ephemeral> over ``fake_asterisk``, stopped afterwards."""
    with FakeAmiServer(fake_asterisk) as server:
        yield server
