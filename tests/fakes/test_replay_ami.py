"""Replays of every ami-*.txt transcript against the fake AMI server, line by line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes import scenes
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.replay import Trigger, replay_ami
from tests.fakes.transcripts import shared_dir

SHARED = shared_dir()
pytestmark = pytest.mark.skipif(
    SHARED is None, reason="shared/asterisk transcripts not found next to the repository"
)
Setup = Callable[[Path], tuple[FakeAsterisk, list[Trigger]]]


def fresh(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    return FakeAsterisk(), []


def endpoint_1001(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    return scenes.first_run(shared, queues=False), []


def phone_registers(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    ast = scenes.first_run_after_queue_tests(shared)
    return ast, [("Event: ChallengeSent", lambda: ast.set_registered("1001", reachable=False))]


def phone_registered(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    ast = scenes.first_run_after_queue_tests(shared)
    ast.set_registered("1001", reachable=False)
    return ast, []


def second_run_empty(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    ast = FakeAsterisk(auth_success_events=False)
    return ast, []


def second_run_queue(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    ast = scenes.second_run(shared, pjsip=False)
    ast.dialplan_hooks["300@from-sip"] = scenes.dialplan_300
    return ast, []


def alice_registers_refreshes_unregisters(shared: Path) -> tuple[FakeAsterisk, list[Trigger]]:
    ast = scenes.second_run(shared)
    return ast, [
        ("Event: ChallengeSent", lambda: ast.set_registered("alice")),
        ("Event: ChallengeSent", lambda: ast.set_registered("alice")),
        ("Event: ChallengeSent", lambda: ast.set_registered("alice", registered=False)),
    ]


SETUPS: dict[str, Setup] = {
    "ami-01-login.txt": fresh,
    "ami-01-login-ok.txt": fresh,
    "ami-02-config.txt": fresh,
    "ami-03-pjsip-state.txt": endpoint_1001,
    "ami-04-queues.txt": endpoint_1001,
    "ami-05-astdb.txt": fresh,
    "ami-06-invalid-object.txt": endpoint_1001,
    "ami-07-registered.txt": phone_registers,
    "ami-08-qualify-off.txt": phone_registered,
    "ami-09-pjsip-objects-second-run.txt": second_run_empty,
    "ami-10-queue-members-second-run.txt": second_run_queue,
    "ami-11-register-unregister-events.txt": alice_registers_refreshes_unregisters,
}


def test_every_ami_transcript_has_a_replay() -> None:
    assert SHARED is not None
    assert sorted(p.name for p in SHARED.glob("ami-*.txt")) == sorted(SETUPS)


@pytest.mark.parametrize("name", sorted(SETUPS))
def test_replay(name: str) -> None:
    assert SHARED is not None
    ast, triggers = SETUPS[name](SHARED)
    with FakeAmiServer(ast) as server:
        comparison = replay_ami(SHARED / name, server, triggers)
    assert comparison.pairs, "nothing was compared"
    if comparison.mismatches():
        pytest.fail(comparison.report(), pytrace=False)
