"""What res_agi really answers where our runtime and the fakes rely on it.

Each scenario runs a scripted FastAGI session on the sandbox and compares it with its
transcript in ``tests/real/transcripts`` (replies and AGISTATUS; the fake replays the same
transcripts in ``tests/fakes/test_replay_real_agi.py``). ``GITOPS_RECORD_TRANSCRIPTS=1``
writes the transcripts from this run instead.
"""

from __future__ import annotations

import os

import pytest

from agi.prompts import SHIPPED, STOCK
from tests.real.center import Center
from tests.real.probe import TRANSCRIPTS, read_transcript, run_probe

RECORD = os.environ.get("GITOPS_RECORD_TRANSCRIPTS", "") not in ("", "0")
MISSING = "gitops/no-such-prompt"
SCENARIOS: dict[str, tuple[str, list[str], list[str], str | None]] = {
    "real-agi-01-missing-sounds.txt": (
        "a sound file that does not exist, in each command that plays one",
        [
            "GET DATA answers -1 without reading a digit (app.c ast_app_getdata_full);",
            'GET DATA "" reads digits without a prompt; STREAM FILE answers -1 endpos=0',
            "and the session goes on, but AGI() ends with AGISTATUS=FAILURE (res_agi's",
            "RESULT_FAILURE); Playback skips the file, answers 0, PLAYBACKSTATUS=FAILED.",
        ],
        [
            "ANSWER",
            f"GET DATA {MISSING} 1000 4",
            'GET DATA "" 200 4',
            f'STREAM FILE {MISSING} ""',
            f'EXEC Playback "{MISSING}"',
            'GET VARIABLE "PLAYBACKSTATUS"',
            f'EXEC Playback "beep&{MISSING}"',
            'GET VARIABLE "PLAYBACKSTATUS"',
            'SET VARIABLE "GITOPS_STATUS" "ok"',
        ],
        None,
    ),
    "real-agi-02-hangup-in-playback.txt": (
        "the caller hangs up while Playback plays (AMI Hangup once the file plays)",
        [
            "EXEC Playback answers -1 only here; HANGUP follows at once and GET DATA is then",
            "refused with 511; EXEC and SET VARIABLE still run on the dead channel.",
        ],
        [
            'EXEC Playback "tt-monkeys"',
            'GET DATA "" 200 1',
            'EXEC Playback "beep"',
            'SET VARIABLE "GITOPS_STATUS" "ok"',
        ],
        "tt-monkeys",
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_res_agi_answers_as_the_transcript_says(center: Center, name: str) -> None:
    title, notes, commands, hang_up_playing = SCENARIOS[name]
    exchange = run_probe(center, commands, hang_up_playing)
    path = TRANSCRIPTS / name
    if RECORD:
        TRANSCRIPTS.mkdir(exist_ok=True)
        path.write_text(exchange.text(title, notes))
    recorded = read_transcript(path)
    assert recorded.commands == commands
    assert exchange.normalized_replies() == recorded.replies
    assert exchange.agistatus == recorded.agistatus


def test_every_prompt_exists_where_asterisk_reads_sounds(center: Center) -> None:
    """Every stock prompt the runtime and dialplan play and every shipped prompt, installed
    by ``asterisk-gitops-agi install-prompts``, opens on the real Asterisk: STREAM FILE
    from past its end answers 0 and the file's length instead of -1."""
    names = sorted({*STOCK, *SHIPPED})
    commands = [f'STREAM FILE {name} "" 100000000' for name in names]
    exchange = run_probe(center, commands)
    for name, reply in zip(names, exchange.replies, strict=True):
        assert reply[0].startswith("200 result=0 endpos="), (name, reply)
        assert int(reply[0].rsplit("=", 1)[1]) > 4000, (name, reply)  # over half a second
    assert exchange.agistatus == "SUCCESS"
