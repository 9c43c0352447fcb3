"""The product's story on the bundled example: a git repo of the inventory, the real CLI
against the fake Asterisk over AMI, and our FastAGI server in front of the same fake.

Every step goes through a public entry point: ``provisioner.cli.main`` (in-process), the AGI
server as ``asterisk-gitops-agi --server`` builds it, and calls placed by ``FakeAgiCall`` the
way the rendered dialplan places them.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import git
import pytest

from agi.__main__ import inventory_reader
from agi.context import Options
from agi.server import AgiServer, InventoryHolder, ServerConfig
from provisioner.cli import main
from tests.fakes.agi_client import AgiResult, FakeAgiCall
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.integration.dialplan import Dialplan

REPO = Path(__file__).resolve().parents[2]
SERVER = "pbx-paris"
FEATURES = "gitops-features"
ENV = {"GITOPS_MASTER_KEY": "example-not-secret", "PBX_PARIS_AMI_SECRET": "gitops-secret"}
PIN = "1234"  # every example agent's PIN (docs/inventory.md)
_ACTOR = git.Actor("Integration", "integration@example.invalid")


@dataclass
class Result:
    code: int
    out: str
    err: str


class Story:
    """One contact center: inventory repo, fake Asterisk behind AMI, our FastAGI server."""

    def __init__(self, root: Path, ami: FakeAmiServer, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.inventory = root / "inventory"
        shutil.copytree(REPO / "inventory", self.inventory)
        self.repo = git.Repo.init(root)
        self.ami = ami
        self.asterisk: FakeAsterisk = ami.asterisk
        self.capsys = capsys
        self.holder = InventoryHolder(self.inventory, inventory_reader(SERVER))
        self.agi: AgiServer | None = None
        self._sequence = 0
        self.commit("example inventory")

    def close(self) -> None:
        self.repo.close()
        if self.agi is not None:
            self.agi.stop()

    # -- the provisioner CLI ------------------------------------------------------------

    def main(self, *argv: str) -> Result:
        """``provisioner ARGV`` in-process, with what it printed."""
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def cli(self, *args: str) -> Result:
        """``provisioner ARGS`` on this inventory against the fake pbx-paris over AMI."""
        target = ["--target", self.ami.url, "--server", SERVER, "--timeout", "5"]
        return self.main(*args, "--inventory", str(self.inventory), *target)

    def commit(self, message: str) -> None:
        self.repo.git.add("inventory")
        self.repo.index.commit(message, author=_ACTOR, committer=_ACTOR)

    def edit(self, name: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in an inventory file, as a person edits YAML
        (a load/dump round trip would turn ``nat: no`` into ``false``)."""
        path = self.inventory / name
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} is not once in {name}"
        path.write_text(text.replace(old, new))

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
