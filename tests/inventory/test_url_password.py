"""A password written into a target URL is never repeated by validate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provisioner.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "inventory"


def test_password_in_a_server_target_is_not_repeated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(EXAMPLE, inventory)
    settings = inventory / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "ami://gitops@10.0.1.10:5038" in text
    settings.write_text(text.replace("ami://gitops@", "ami://gitops:hun/ter@2@", 1), "utf-8")
    monkeypatch.setenv("GITOPS_MASTER_KEY", "example-not-secret")

    code = main(["validate", "--inventory", str(inventory), "--no-cache"])

    out, err = capsys.readouterr()
    assert code == 1
    assert "settings.servers[0].target" in out + err
    assert "ami://gitops:***@10.0.1.10:5038" in out + err
    assert "hun/ter" not in out + err and "ter@2" not in out + err
