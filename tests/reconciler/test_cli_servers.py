"""End to end: an inventory with several servers, each getting only its part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reconciler.cli_helpers import Cli, start


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return start(Cli, tmp_path, capsys, monkeypatch, "two-servers")


def test_dir_target_gives_each_server_its_own_directory_and_part(cli: Cli) -> None:
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert f"Target pbx1 (dir:{cli.config}/pbx1)" in plan.out
    assert f"Target pbx2 (dir:{cli.config}/pbx2)" in plan.out
    assert cli("apply", "--auto-approve").code == 0
    pbx1, pbx2 = cli.config_text(server="pbx1"), cli.config_text(server="pbx2")
    assert "[1001]" in pbx1 and "[1002]" in pbx1 and "[1003]" not in pbx1
    assert "[1003]" in pbx2 and "[1001]" not in pbx2
    queues1 = cli.config_text("queues_gitops.conf", server="pbx1")
    assert "[sales]" in queues1 and "[billing]" not in queues1
    assert cli("plan", "--detailed-exitcode").code == 0


def test_one_server_only(cli: Cli) -> None:
    result = cli("apply", "--auto-approve", "--server", "pbx2")
    assert result.code == 0, result.err
    assert (cli.config / "pbx2" / "pjsip_gitops.conf").exists()
    assert not (cli.config / "pbx1").exists()


def test_server_names_and_all_use_the_configured_targets(cli: Cli) -> None:
    data = json.loads(cli("plan", "--format", "json", target="pbx2").out)
    assert [t["target"] for t in data["targets"]] == ["pbx2 (dir:servers/pbx2)"]
    assert cli("apply", "--auto-approve", target="all").code == 0
    assert (cli.root / "servers" / "pbx1" / "pjsip_gitops.conf").exists()
    assert (cli.root / "servers" / "pbx2" / "pjsip_gitops.conf").exists()


def test_ami_url_needs_a_server_when_there_are_several(cli: Cli) -> None:
    result = cli("plan", target="ami://gitops@127.0.0.1:5038")
    assert result.code == 1
    assert "--server NAME" in result.err and "pbx1, pbx2" in result.err


def test_unknown_server_is_named(cli: Cli) -> None:
    result = cli("plan", "--server", "pbx9")
    assert result.code == 1 and "no server named 'pbx9'" in result.err


def test_one_target_failing_does_not_stop_the_other(cli: Cli) -> None:
    (cli.config / "pbx1").mkdir(parents=True)
    (cli.config / "pbx1" / "queues_gitops.conf").write_text("[broken\n")
    plan = cli("plan")
    assert plan.code == 1 and "pbx1" in plan.err and "pbx2" not in plan.err


def test_server_target_and_other_server_conflict(cli: Cli) -> None:
    result = cli("plan", "--server", "pbx2", target="pbx1")
    assert result.code == 1 and "drop --server pbx2" in result.err


def test_saved_plan_with_one_stale_target_applies_to_none(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", "--out", str(out)).code == 0
    pbx2 = cli.config / "pbx2"
    pbx2.mkdir(parents=True)
    (pbx2 / "queues_gitops.conf").write_text("[handmade]\nstrategy=ringall\n")
    result = cli("apply", str(out))
    assert result.code == 1
    assert "nothing was applied to any of the 2 targets" in result.err
    assert "pbx2" in result.err and "stale plan" in result.err
    assert "pbx1 (" not in result.err  # only the stale target is named as refused
    assert not (cli.config / "pbx1").exists()  # the first target was not written either
    assert (pbx2 / "queues_gitops.conf").read_text() == "[handmade]\nstrategy=ringall\n"


def test_saved_plan_for_several_targets_applies_when_none_changed(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", "--out", str(out)).code == 0
    result = cli("apply", str(out))
    assert result.code == 0, result.err
    assert "[1001]" in cli.config_text(server="pbx1")
    assert "[1003]" in cli.config_text(server="pbx2")
