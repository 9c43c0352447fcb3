"""Shared pytest fixtures: a fresh fake Asterisk and a running fake AMI server on it.

Property-based and fuzz tests (hypothesis) run with a bounded, reproducible budget: the
profile ``ci`` (the default) tries a fixed number of examples per test, derandomized, so a
run takes the same few seconds everywhere and a failure reproduces. ``HYPOTHESIS_PROFILE=fuzz``
tries many more, randomly, for a longer hunt on a workstation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from provisioner.inventory.cache import CACHE_ENV
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def inventory_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The parse cache of the whole test session (subprocesses inherit it): never the
    user's own ~/.cache/asterisk-gitops."""
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("inventory-cache"))
    yield
    if before is None:
        del os.environ[CACHE_ENV]
    else:
        os.environ[CACHE_ENV] = before


@pytest.fixture
def fake_asterisk() -> FakeAsterisk:
    """A fresh FakeAsterisk: empty managed files, transports loaded, no queues."""
    return FakeAsterisk()


@pytest.fixture
def ami_server(fake_asterisk: FakeAsterisk) -> Iterator[FakeAmiServer]:
    """A FakeAmiServer on 127.0.0.1:<ephemeral> over ``fake_asterisk``, stopped afterwards."""
    with FakeAmiServer(fake_asterisk) as server:
        yield server
