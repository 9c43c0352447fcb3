"""Replays of the transcripts the real suite records (tests/real/transcripts): the fake
answers each command as the real Asterisk 22 did and ends with the same AGISTATUS.

The real suite compares every run of Asterisk with these same files, so a fake passing
here agrees with Asterisk itself, not only with an old recording.
"""

from __future__ import annotations

import pytest

from tests.fakes.agi_client import FakeAgiCall
from tests.fakes.agi_script_server import ScriptedAgiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.transcripts import normalize
from tests.real.probe import TRANSCRIPTS, read_transcript

HANGS_UP_DURING = {"real-agi-02-hangup-in-playback.txt": 0}  # command index, as recorded
NAMES = sorted(p.name for p in TRANSCRIPTS.glob("real-agi-*.txt"))


def test_the_transcripts_are_there() -> None:
    assert len(NAMES) >= 2
    assert set(HANGS_UP_DURING) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_fake_answers_as_the_real_asterisk_did(name: str) -> None:
    recorded = read_transcript(TRANSCRIPTS / name)
    env = dict(
        line.split(": ", 1) if ": " in line else (line.rstrip(":"), "") for line in recorded.env
    )
    call = FakeAgiCall(
        FakeAsterisk(),
        env["agi_network_script"],
        channel=env["agi_channel"],
        callerid="",
        hangup_after=HANGS_UP_DURING.get(name),
        env=env,
    )
    with ScriptedAgiServer(recorded.commands) as server:
        result = call.run(server.host, server.port)
    replies = [[normalize(line) for line in reply] for reply in server.replies]
    assert replies == recorded.replies
    assert result.agistatus == recorded.agistatus
