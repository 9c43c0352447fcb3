"""An inventory at every length limit validate allows is planned and applied by both targets:
what validate accepts, AMI (1022-byte lines, on the fake, which enforces manager.c's
limits) and the file system (255-byte names) accept too."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.render.rules import FILE_NAME_BYTES, NAME_BYTES
from provisioner.render.voice_rules import CALLERID_NAME_BYTES
from tests.fakes.ami_server import FakeAmiServer
from tests.reconciler.ami_helpers import SECRET

PIN = "pbkdf2_sha256$60000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="
WIDE = "\u00e9"  # two bytes in UTF-8: limits count bytes, not characters


def _longest(limit: int) -> str:
    return WIDE * (limit // 2) + "x" * (limit % 2)


def _inventory(root: Path, server: str | None) -> Path:
    root.mkdir()
    agent_name, phone_name = _longest(NAME_BYTES), _longest(NAME_BYTES)
    callerid = f'"{_longest(CALLERID_NAME_BYTES)}" <{"1" * 32}>'
    (root / "agents.yaml").write_text(
        "agents:\n"
        f"  - id: {'a' * 40}\n    name: {agent_name}\n    extension: '1234567890'\n"
        f"    pin: {PIN}\n    mobile: '+{'9' * 15}'\n"
        f"    voice: {{callerid: '{callerid}', context: {'c' * 79}}}\n"
        f"    queues: [{{queue: {'q' * 64}}}]\n",
        encoding="utf-8",
    )
    (root / "phones.yaml").write_text(
        f"phones:\n  - id: {'p' * 40}\n    extension: '2001'\n    name: {phone_name}\n",
        encoding="utf-8",
    )
    (root / "queues.yaml").write_text(f"queues:\n  - name: {'q' * 64}\n")
    settings = "settings:\n  outbound: {trunk: " + "t" * 40 + "}\n"
    if server:
        settings += f"  servers:\n    - {{name: {server}, target: 'dir:cfg'}}\n"
    (root / "settings.yaml").write_text(settings)
    return root


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITOPS_MASTER_KEY", "test-master-key")
    monkeypatch.setenv("GITOPS_AMI_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("env")
def test_the_longest_names_apply_to_a_directory(tmp_path: Path) -> None:
    server = "s" * FILE_NAME_BYTES
    inventory = str(_inventory(tmp_path / "inventory", server))
    assert main(["validate", "--inventory", inventory, "--no-cache"]) == 0
    target = ["--target", "dir:out"]  # each server's part in out/<server name>/
    assert main(["apply", "--inventory", inventory, *target, "--auto-approve"]) == 0
    assert (tmp_path / "out" / server / "pjsip_gitops.conf").is_file()
    assert main(["plan", "--inventory", inventory, *target, "--detailed-exitcode"]) == 0


@pytest.mark.usefixtures("env")
def test_the_longest_values_apply_over_ami(tmp_path: Path, ami_server: FakeAmiServer) -> None:
    inventory = str(_inventory(tmp_path / "inventory", None))
    assert main(["validate", "--inventory", inventory, "--no-cache"]) == 0
    target = ["--target", ami_server.url]
    assert main(["apply", "--inventory", inventory, *target, "--auto-approve"]) == 0
    assert main(["plan", "--inventory", inventory, *target, "--detailed-exitcode"]) == 0
