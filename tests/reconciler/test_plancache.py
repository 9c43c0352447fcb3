"""The plan cache: a no-change plan is kept and served again only for the very same inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.inventory.cache import CACHE_ENV
from provisioner.targets.directory import DirectoryTarget
from tests.reconciler.cli_helpers import ENV, Cli, start


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))  # this test's entries only
    started = start(Cli, tmp_path, capsys, monkeypatch, "basic")
    assert started("apply", "--auto-approve").code == 0
    return started


def entries(cli: Cli) -> list[Path]:
    return sorted((cli.root / "cache").glob("*.plan"))


def refuse_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def read(self: DirectoryTarget) -> None:
        raise AssertionError("the target was read although its plan was kept")

    monkeypatch.setattr(DirectoryTarget, "read", read)


def test_a_no_change_plan_is_served_again_without_reading(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli("plan", "--format", "json")
    assert len(entries(cli)) == 1
    refuse_reading(monkeypatch)
    again = cli("plan", "--format", "json")
    assert again.code == 0 and again.out == first.out  # fingerprint and all


def test_a_hand_edit_of_the_target_is_seen(cli: Cli) -> None:
    assert cli("plan").code == 0
    path = cli.config / "queues_gitops.conf"
    path.write_text(path.read_text().replace("strategy=", "strategy=linear\n;was "))
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "queue 'sales'" in plan.out


def test_a_changed_secret_is_seen(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("plan").code == 0
    monkeypatch.setenv("AGENT_1003_SECRET", "rotated-clear-secret")
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "password: (sensitive) -> (sensitive)" in plan.out
    monkeypatch.setenv("AGENT_1003_SECRET", ENV["AGENT_1003_SECRET"])
    monkeypatch.setenv("GITOPS_MASTER_KEY", "another-master-key")  # every derived password
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "auth '1001'" in plan.out


def test_a_changed_inventory_is_seen_and_plans_with_changes_are_not_kept(cli: Cli) -> None:
    assert cli("plan").code == 0
    agents = cli.agents()
    agents[0]["name"] = "Ann Smyth"
    cli.save_agents(agents)
    assert cli("plan", "--detailed-exitcode").code == 2
    assert len(entries(cli)) == 1  # the first one only


def test_an_entry_holds_no_secret(cli: Cli) -> None:
    assert cli("plan").code == 0
    (entry,) = entries(cli)
    data = entry.read_bytes()
    for secret in (*cli.passwords(), ENV["GITOPS_MASTER_KEY"], ENV["AGENT_1003_SECRET"]):
        assert secret.encode() not in data


def test_a_plan_made_while_the_target_changed_is_not_kept(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = DirectoryTarget.read

    def read_then_edit(self: DirectoryTarget) -> object:
        state = read(self)  # what the plan is made of; then a hand edit lands
        path = self.path / "queues_gitops.conf"
        path.write_text(path.read_text() + "\n; edited while planning\n")
        return state

    monkeypatch.setattr(DirectoryTarget, "read", read_then_edit)
    assert cli("plan").code == 0
    assert entries(cli) == []


def test_an_entry_not_written_with_the_cache_key_is_ignored(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli("plan", "--format", "json")
    (entry,) = entries(cli)
    entry.write_bytes(bytes(32) + entry.read_bytes()[32:])  # the payload kept, its HMAC not
    refuse_reading(monkeypatch)
    with pytest.raises(AssertionError, match="was read although"):
        cli("plan", "--format", "json")
    assert first.code == 0
