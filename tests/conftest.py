"""Shared pytest fixtures: a fresh fake Asterisk and a running fake AMI server on it; the
web panel's headless Chromium (one per session) and its fresh-context tabs.

Property-based and fuzz tests (hypothesis) run with a bounded, reproducible budget: the
profile ``ci`` (the default) tries a fixed number of examples per test, derandomized, so a
run takes the same few seconds everywhere and a failure reproduces. ``HYPOTHESIS_PROFILE=fuzz``
tries many more, randomly, for a longer hunt on a workstation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from provisioner.inventory.cache import CACHE_ENV
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.real.sandbox import required
from tests.web import browser as chromium

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


@pytest.fixture(scope="session")
def browser() -> Iterator[chromium.Browser]:
    """Debian's headless Chromium under Selenium, for the whole test session; skipped where it
    is missing, unless the real suite is compulsory (CI installs it)."""
    why = chromium.missing()
    if why is not None:
        if required():
            pytest.fail(f"the browser tests are compulsory here, but {why}")
        pytest.skip(why)
    started = chromium.Browser.start()
    try:
        yield started
    finally:
        started.quit()


@pytest.fixture
def tabs(browser: chromium.Browser) -> Iterator[chromium.Tabs]:
    """This test's tabs, each in a fresh browser context; the test fails on a console error."""
    opened = chromium.Tabs(browser)
    try:
        yield opened
        errors = opened.unexpected_errors()
        assert not errors, f"errors in the browser console: {errors}"
    finally:
        opened.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests write their screenshots: $GITOPS_WEB_SCREENSHOTS (e.g.
    docs/web-panel to renew the committed ones), else a temporary directory."""
    named = os.environ.get(chromium.SCREENSHOTS_ENV)
    return Path(named) if named else tmp_path_factory.mktemp("screenshots")
