"""Fixtures of the AGI tests: a test inventory and an in-memory Asterisk to run handlers on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest

from agi.channel import parse_request
from agi.context import Call, Options, Outcome
from agi.directory import Directory
from provisioner.model import Inventory
from tests.agi import inventory
from tests.agi.memory import MemoryAsterisk, MemoryChannel


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Harness:
    """Runs one handler on an in-memory channel, like one call from Asterisk."""

    asterisk: MemoryAsterisk
    inventory: Inventory
    clock: Clock = field(default_factory=Clock)
    settle: float = 0.0

    def call(
        self,
        handler: Callable[[Call], Outcome],
        channel: str = "PJSIP/1001-00000001",
        *,
        dtmf: Sequence[str] = (),
        args: Sequence[str] = (),
        hangup_after: int | None = None,
    ) -> tuple[Outcome, MemoryChannel]:
        env = {"agi_network_script": "test", "agi_channel": channel, "agi_uniqueid": "1.1"}
        env.update({f"agi_arg_{i}": a for i, a in enumerate(args, start=1)})
        memory = MemoryChannel(self.asterisk, env, dtmf, hangup_after)
        options = Options(claim_settle=self.settle, clock=self.clock)
        call = Call(memory, parse_request(env), Directory.build(self.inventory), options)
        return handler(call), memory


@pytest.fixture
def h() -> Harness:
    asterisk = MemoryAsterisk(queues={"support": {}, "sales": {}})
    return Harness(asterisk, inventory.build())
