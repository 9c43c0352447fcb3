"""`provisioner render --out DIR` on a small YAML inventory."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.render.objects import MANAGED_FILES, PJSIP_FILE
from provisioner.render.text import parse

FIXTURE = Path(__file__).parent.parent / "fixtures" / "render" / "cli-inventory"
SECRETS = {"RENDER_TEST_SECRET_1001": "pw-one-1001", "RENDER_TEST_SECRET_1002": "pw-two-1002"}


@pytest.fixture
def inventory_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return Path(shutil.copytree(FIXTURE, tmp_path / "inventory"))


def test_render_writes_the_three_managed_files(
    inventory_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["render", "--inventory", str(inventory_dir), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(MANAGED_FILES)
    pjsip = parse(PJSIP_FILE, (out / PJSIP_FILE).read_text())
    assert {(o.kind, o.name) for o in pjsip} >= {("endpoint", "1001"), ("auth", "1002")}
    assert stat.S_IMODE((out / PJSIP_FILE).stat().st_mode) == 0o600
    printed = capsys.readouterr().out
    assert f"{out / PJSIP_FILE} (6 categories)" in printed
    assert not any(secret in printed for secret in SECRETS.values())


def test_render_for_one_server_writes_only_its_part(inventory_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["render", "--inventory", str(inventory_dir), "--server", "pbx2", "--out", str(out)]
    assert main(args) == 0
    text = (out / PJSIP_FILE).read_text()
    assert "[1002]" in text and "[1001]" not in text
    assert "[sales]" not in (out / "queues_gitops.conf").read_text()


def test_a_missing_secret_fails_cleanly_and_writes_nothing(
    inventory_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("RENDER_TEST_SECRET_1002")
    out = tmp_path / "out"
    assert main(["render", "--inventory", str(inventory_dir), "--out", str(out)]) == 1
    assert "RENDER_TEST_SECRET_1002" in capsys.readouterr().err
    assert not out.exists()


def test_an_unknown_server_is_an_error(
    inventory_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["render", "--inventory", str(inventory_dir), "--server", "nope", "--out", str(tmp_path)]
    assert main(args) == 1
    assert "no server named 'nope'" in capsys.readouterr().err


def test_an_unusable_out_directory_is_one_clear_error(
    inventory_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    args = ["render", "--inventory", str(inventory_dir), "--out", str(blocker)]
    assert main(args) == 1
    assert f"cannot create {blocker}" in capsys.readouterr().err
    assert blocker.read_text() == "not a directory"
