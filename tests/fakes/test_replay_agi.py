"""Replays of every agi-*.txt transcript: our scripted FastAGI side against the fake client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes import scenes
from tests.fakes.agi_client import FakeAgiCall
from tests.fakes.replay import replay_agi
from tests.fakes.transcripts import shared_dir

SHARED = shared_dir()
pytestmark = pytest.mark.skipif(
    SHARED is None, reason="shared/asterisk transcripts not found next to the repository"
)
PROBE = {"agi_context": "agi-probe", "agi_priority": "1"}


def basics(shared: Path) -> FakeAgiCall:
    env = {**PROBE, "agi_extension": "basics", "agi_priority": "3"}
    channel = "Local/basics@agi-probe-00000000;2"
    return FakeAgiCall(
        scenes.first_run(shared),
        "login?queue=support",
        channel=channel,
        args=["extra arg"],
        env=env,
    )


def dtmf(shared: Path) -> FakeAgiCall:
    env = {**PROBE, "agi_extension": "dtmf"}
    channel = "Local/dtmf@agi-probe-00000001;2"
    ast = scenes.first_run(shared)
    return FakeAgiCall(ast, "login", channel=channel, callerid="", dtmf=["1001", "#"], env=env)


def hangup(shared: Path) -> FakeAgiCall:
    env = {**PROBE, "agi_extension": "hangup"}
    channel = "Local/hangup@agi-probe-00000002;2"
    ast = scenes.first_run(shared)
    return FakeAgiCall(ast, "pause/3", channel=channel, callerid="", hangup_after=1, env=env)


def registered(shared: Path, *, reachable: bool, number: int) -> FakeAgiCall:
    ast = scenes.first_run(shared)
    ast.set_registered("1001", reachable=reachable)
    env = {**PROBE, "agi_context": "agi-probe2", "agi_extension": "reg"}
    channel = f"Local/reg@agi-probe2-0000000{number};2"
    return FakeAgiCall(ast, "status", channel=channel, callerid="", env=env)


def local_second_run(shared: Path) -> FakeAgiCall:
    env = {"agi_context": "from-sip", "agi_extension": "100", "agi_priority": "3"}
    channel = "Local/100@from-sip-00000000;2"
    ast = scenes.second_run(shared)
    return FakeAgiCall(ast, "login", channel=channel, callerid="", args=["arg1", "arg 2"], env=env)


def sip_second_run(shared: Path) -> FakeAgiCall:
    ast = scenes.second_run(shared)
    ast.set_registered("alice")
    env = {
        "agi_context": "from-sip",
        "agi_extension": "100",
        "agi_priority": "3",
        "agi_calleridname": "Alice",
        "agi_dnid": "100",
    }
    channel = "PJSIP/alice-00000000"
    return FakeAgiCall(
        ast, "login", channel=channel, callerid="alice", args=["arg1", "arg 2"], env=env
    )


CALLS: dict[str, Callable[[Path], FakeAgiCall]] = {
    "agi-01-basics.txt": basics,
    "agi-02-dtmf.txt": dtmf,
    "agi-03-hangup.txt": hangup,
    "agi-04-registered.txt": lambda shared: registered(shared, reachable=False, number=3),
    "agi-05-registered-reachable.txt": lambda shared: registered(shared, reachable=True, number=4),
    "agi-06-local-channel-second-run.txt": local_second_run,
    "agi-07-sip-call-second-run.txt": sip_second_run,
}


def test_every_agi_transcript_has_a_replay() -> None:
    assert SHARED is not None
    assert sorted(p.name for p in SHARED.glob("agi-*.txt")) == sorted(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_replay(name: str) -> None:
    assert SHARED is not None
    comparison = replay_agi(SHARED / name, CALLS[name](SHARED))
    assert len(comparison.pairs) > 1, "nothing was compared"
    if comparison.mismatches():
        pytest.fail(comparison.report(), pytrace=False)
