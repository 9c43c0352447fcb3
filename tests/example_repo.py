"""The bundled example inventory committed in a fresh git repo, and the real CLI run on it
against one server's AMI target (a fake Asterisk or the real sandbox)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import git
import pytest

from provisioner.cli import main

REPO = Path(__file__).resolve().parents[1]
SERVER = "pbx-paris"
ENV = {"GITOPS_MASTER_KEY": "example-not-secret", "PBX_PARIS_AMI_SECRET": "gitops-secret"}
_ACTOR = git.Actor("Integration", "integration@example.invalid")


@dataclass
class Result:
    code: int
    out: str
    err: str


class ExampleRepo:
    """``root/inventory`` (a copy of the example, committed) and the CLI against ``url``."""

    def __init__(self, root: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.inventory = root / "inventory"
        shutil.copytree(REPO / "inventory", self.inventory)
        self.repo = git.Repo.init(root)
        self.url = url
        self.capsys = capsys
        self.commit("example inventory")

    def close(self) -> None:
        self.repo.close()

    def main(self, *argv: str) -> Result:
        """``provisioner ARGV`` in-process, with what it printed."""
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def cli(self, *args: str) -> Result:
        """``provisioner ARGS`` on this inventory against pbx-paris at ``url``."""
        target = ["--target", self.url, "--server", SERVER, "--timeout", "5"]
        return self.main(*args, "--inventory", str(self.inventory), *target)

    def commit(self, message: str) -> str:
        self.repo.git.add("inventory")
        return self.repo.index.commit(message, author=_ACTOR, committer=_ACTOR).hexsha

    def edit(self, name: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in an inventory file, as a person edits YAML
        (a load/dump round trip would turn ``nat: no`` into ``false``)."""
        path = self.inventory / name
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} is not once in {name}"
        path.write_text(text.replace(old, new))


def add_vip_queue_for_bruno(repo: ExampleRepo) -> None:
    """A new Paris queue ``vip``, and Bruno (penalty 3) in it: the edit of issue 15 item 3."""
    repo.edit("queues.yaml", "queues:\n", "queues:\n  - name: vip\n    strategy: ringall\n\n")
    repo.edit("settings.yaml", "queues: [sales]", "queues: [sales, vip]")
    bruno = "troubleshoot\n    queues:\n"
    repo.edit("agents/sales.yaml", bruno, f"{bruno}      - {{queue: vip, penalty: 3}}\n")
