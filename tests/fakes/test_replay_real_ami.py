"""Replays of the AMI transcripts the real suite records (tests/real/transcripts/real-ami-*):
the fake answers and saves files as the real Asterisk 22 did."""

from __future__ import annotations

import pytest

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.config_text import parse_config
from tests.fakes.replay import replay_ami
from tests.real.probe import TRANSCRIPTS

NAMES = sorted(p.name for p in TRANSCRIPTS.glob("real-ami-*.txt"))
PROBE_FILE = "gitops_probe.conf"  # an empty file the real suite creates for its probes


def test_the_transcripts_are_there() -> None:
    assert NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_fake_answers_and_saves_as_the_real_asterisk_did(name: str) -> None:
    asterisk = FakeAsterisk()
    asterisk.files[PROBE_FILE] = parse_config(PROBE_FILE, "")
    with FakeAmiServer(asterisk) as server:
        comparison = replay_ami(TRANSCRIPTS / name, server)
    assert len(comparison.pairs) > 5, "nothing was compared"
    if comparison.mismatches():
        pytest.fail(comparison.report(), pytrace=False)
