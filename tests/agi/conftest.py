"""Fixtures of the AGI tests: handlers on an in-memory Asterisk, or our server over TCP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from agi.context import Call, Options, Outcome
from agi.server import AgiServer, ServerConfig
from fastagi.channel import parse_request
from provisioner.model import Inventory
from runtime.directory import Directory
from runtime.reload import InventoryHolder
from tests.agi import inventory
from tests.agi.memory import MemoryAsterisk, MemoryChannel
from tests.fakes.agi_client import AgiResult, FakeAgiCall
from tests.fakes.asterisk import FakeAsterisk


def status(result: AgiResult | None) -> str:
    """GITOPS_STATUS of a call over TCP (``None``: a gated call that did not finish)."""
    assert result is not None, "the call did not finish"
    return result.variables.get("GITOPS_STATUS", "")


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
    sleeps: list[float] = field(default_factory=list)  # the server's pauses, not slept

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
        options = Options(clock=self.clock, sleep=self.sleeps.append)
        call = Call(memory, parse_request(env), Directory.build(self.inventory), options)
        try:
            return handler(call), memory
        finally:
            memory.destroy()  # the call is over: Asterisk frees its func_lock locks


@pytest.fixture
def h() -> Harness:
    asterisk = MemoryAsterisk(queues={"support": {}, "sales": {}})
    asterisk.registered.update(inventory.ASSIGNED)  # interface 2 needs its phone registered
    return Harness(asterisk, inventory.build())


AGENTS = ("1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008")
ENDPOINTS = (*AGENTS, "ph-a", "ph-b", "ph-c", "ph-e")


def pjsip_text(names: Sequence[str]) -> str:
    blocks = [
        f"[{n}]\ntype=aor\nmax_contacts=1\nqualify_frequency=30\n\n[{n}]\ntype=endpoint\naors={n}\n"
        for n in names
    ]
    return "\n".join(blocks)


@dataclass
class Live:
    """Our AGI server over TCP in front of a FakeAsterisk, called with FakeAgiCall."""

    asterisk: FakeAsterisk
    server: AgiServer
    clock: Clock

    def call(self, script: str, channel: str = "PJSIP/1001-00000001", **kw: Any) -> AgiResult:
        host, port = self.server.address
        return FakeAgiCall(self.asterisk, script, channel=channel, **kw).run(host, port)

    def members(self, queue: str) -> dict[str, tuple[str, str, int, bool, str]]:
        return {
            m.interface: (m.name, m.state_interface, m.penalty, m.paused, m.reason)
            for m in self.asterisk.members(queue)
        }

    def db(self) -> dict[str, str]:
        return self.asterisk.db_tree("gitops")


@pytest.fixture
def live(fake_asterisk: FakeAsterisk, tmp_path: Path) -> Iterator[Live]:
    yield from serve(fake_asterisk, tmp_path, inventory.build)


def serve(
    fake_asterisk: FakeAsterisk,
    tmp_path: Path,
    build: Callable[[], Inventory],
    **settings: float,
) -> Iterator[Live]:
    """Our server on an ephemeral port serving ``build()``, until the generator is closed;
    ``settings`` override ``ServerConfig`` fields."""
    fake_asterisk.set_config_text("queues_gitops.conf", "[support]\n\n[sales]\n")
    fake_asterisk.set_config_text("pjsip_gitops.conf", pjsip_text(ENDPOINTS))
    fake_asterisk.reload(None)
    fake_asterisk.install_prompts()
    for phone in inventory.ASSIGNED:  # interface 2 needs its phone registered
        fake_asterisk.set_registered(phone)
    clock = Clock()
    options = Options(clock=clock, claim_retry=0.001)
    config = ServerConfig(port=0, idle_timeout=5.0, shutdown_grace=5.0, options=options)
    config = replace(config, **settings)
    server = AgiServer(config, InventoryHolder(tmp_path, lambda _root: build()))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield Live(fake_asterisk, server, clock)
    server.stop()
