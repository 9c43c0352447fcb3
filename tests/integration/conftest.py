"""Fixtures of the integration tests: the example contact center, fresh or applied and live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.example_repo import ENV
from tests.fakes.ami_server import FakeAmiServer
from tests.integration.story import Story


@pytest.fixture
def story(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ami_server: FakeAmiServer,
) -> Iterator[Story]:
    """The example inventory committed in a fresh git repo; nothing applied yet."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    story = Story(tmp_path, ami_server, capsys)
    yield story
    story.close()


@pytest.fixture
def live(story: Story) -> Story:
    """The example applied to the fake pbx-paris, the hot-desk phone and ann's assigned phone
    registered (a login on interface 2 needs it), AGI running."""
    result = story.cli("apply", "--auto-approve")
    assert result.code == 0, result.err
    story.asterisk.set_registered("desk-paris-102")
    story.asterisk.set_registered("desk-paris-101")
    story.start_agi()
    return story
