"""Running the real CLI against a copy of an inventory fixture, for end-to-end tests."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from provisioner.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reconciler"
ENV = {"GITOPS_MASTER_KEY": "test-master-key", "AGENT_1003_SECRET": "agent-1003-clear-secret"}
C = TypeVar("C", bound="Cli")


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """The CLI run in-process on a copy of a fixture inventory and a directory target."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str) -> None:
        self.root = tmp_path
        self.inventory = tmp_path / "inventory"
        shutil.copytree(FIXTURES / fixture, self.inventory)
        self.config = tmp_path / "cfg"
        self.capsys = capsys

    def __call__(self, *args: str, target: str | None = None) -> Result:
        argv = [*args, "--inventory", str(self.inventory)]
        argv += ["--target", target or f"dir:{self.config}"]
        self.capsys.readouterr()
        code = main(argv)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def edit(self, name: str) -> Any:
        """Context-free YAML edit: returns the data; call ``save`` after changing it."""
        return yaml.safe_load((self.inventory / name).read_text())

    def save(self, name: str, data: Any) -> None:
        (self.inventory / name).write_text(yaml.safe_dump(data, sort_keys=False))

    def agents(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.edit("agents.yaml")["agents"]
        return data

    def save_agents(self, agents: list[dict[str, Any]]) -> None:
        self.save("agents.yaml", {"agents": agents})

    def config_text(self, file: str = "pjsip_gitops.conf", server: str = "") -> str:
        return (self.config / server / file).read_text()

    def passwords(self) -> list[str]:
        """The real SIP passwords written to the target (what must never be shown)."""
        return re.findall(r"^password\s*=\s*(\S+)$", self.config_text(), re.MULTILINE)


def start(
    kind: type[C],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fixture: str = "basic",
    **env: str,
) -> C:
    """A CLI on a copy of ``fixture``, run from ``tmp_path`` with the test secrets set."""
    for key, value in {**ENV, **env}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return kind(tmp_path, capsys, fixture)
