"""The product's story on the bundled example: a git repo of the inventory, the real CLI
against the fake Asterisk over AMI, and our FastAGI server in front of the same fake.

Every step goes through a public entry point: ``provisioner.cli.main`` (in-process), the AGI
server as ``asterisk-gitops-agi --server`` builds it, and calls placed by ``FakeAgiCall`` the
way the rendered dialplan places them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from agi.__main__ import inventory_reader
from agi.context import Options
from agi.server import AgiServer, ServerConfig
from runtime.reload import InventoryHolder
from tests.example_repo import SERVER, ExampleRepo
from tests.fakes.agi_client import AgiResult, FakeAgiCall
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.integration.dialplan import Dialplan

FEATURES = "gitops-features"
PIN = "1234"  # every example agent's PIN (docs/inventory.md)


class Story(ExampleRepo):
    """One contact center: inventory repo, fake Asterisk behind AMI, our FastAGI server."""

    def __init__(self, root: Path, ami: FakeAmiServer, capsys: pytest.CaptureFixture[str]) -> None:
        super().__init__(root, ami.url, capsys)
        self.ami = ami
        self.asterisk: FakeAsterisk = ami.asterisk
        self.holder = InventoryHolder(self.inventory, inventory_reader(SERVER))
        self.agi: AgiServer | None = None
        self._sequence = 0

    def close(self) -> None:
        super().close()
        if self.agi is not None:
            self.agi.stop()

    # -- the FastAGI side ---------------------------------------------------------------

    def start_agi(self) -> None:
        """Our server on an ephemeral loopback port, serving pbx-paris's part of the repo."""
        self.asterisk.install_prompts()
        config = ServerConfig(port=0, idle_timeout=5.0, shutdown_grace=5.0, options=Options())
        self.agi = AgiServer(config, self.holder)
        thread = threading.Thread(target=self.agi.serve_forever, args=(0.02,), daemon=True)
        thread.start()

    def dialplan(self) -> Dialplan:
        return Dialplan(self.asterisk)

    def dial(self, endpoint: str, digits: str, dtmf: Sequence[str] = ()) -> AgiResult:
        """``endpoint`` dials a feature code: the rendered dialplan decides what runs."""
        assert self.agi is not None, "start_agi() first"
        request = self.dialplan().agi_request(FEATURES, digits)
        self._sequence += 1
        env = {"agi_context": FEATURES, "agi_extension": digits}
        call = FakeAgiCall(
            self.asterisk,
            request.script,
            channel=f"PJSIP/{endpoint}-{self._sequence:08x}",
            callerid=endpoint,
            args=request.args,
            dtmf=dtmf,
            env=env,
        )
        host, port = self.agi.address
        return call.run(host, port)


def status(result: AgiResult) -> str:
    return result.variables.get("GITOPS_STATUS", "")


def local(agent: str) -> str:
    return f"Local/{agent}@gitops-agents"
