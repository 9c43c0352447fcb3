"""End to end: `provisioner drift` compares the target with its last applied revision."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from provisioner.targets.directory import STATE_FILE
from tests.reconciler.cli_helpers import Cli, start


def _commit(repo: git.Repo, message: str) -> str:
    repo.git.add("inventory")
    actor = git.Actor("Test", "test@example.invalid")
    return repo.index.commit(message, author=actor, committer=actor).hexsha


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return start(Cli, tmp_path, capsys, monkeypatch, "basic")


@pytest.fixture
def repo(cli: Cli) -> git.Repo:
    repo = git.Repo.init(cli.root)
    _commit(repo, "inventory")
    return repo


def test_drift_before_any_apply_is_an_error(cli: Cli, repo: git.Repo) -> None:
    result = cli("drift")
    assert result.code == 1 and "nothing was applied to it yet" in result.err


def test_drift_reports_hand_edits_against_the_applied_revision(cli: Cli, repo: git.Repo) -> None:
    applied = repo.head.commit.hexsha
    assert cli("apply", "--auto-approve").code == 0
    state = json.loads((cli.config / STATE_FILE).read_text())
    assert state["revision"] == applied
    clean = cli("drift")
    assert clean.code == 0, clean.err
    assert f"no drift from revision {applied}" in clean.out
    # a new commit that is not applied yet is not drift: only the target vs its revision
    agents = cli.agents()
    agents[0]["name"] = "Renamed later"
    cli.save_agents(agents)
    _commit(repo, "rename")
    assert cli("drift").code == 0
    # hand edits: a changed option and a category added by hand
    path = cli.config / "queues_gitops.conf"
    path.write_text(path.read_text().replace("strategy=leastrecent", "strategy=random"))
    path.write_text(path.read_text() + "\n[handmade]\nstrategy=ringall\n")
    drift = cli("drift")
    assert drift.code == 2
    assert "strategy: random -> leastrecent" in drift.out
    assert "! queues_gitops.conf: queue 'handmade'" in drift.out
    hand_edits, _, not_applied = drift.out.partition("not drift, committed since revision")
    assert "Renamed later" not in hand_edits  # the new commit is not drift...
    assert "agents[1001].name: Ann Smith -> Renamed later" in not_applied  # ...but shown
    data = json.loads(cli("drift", "--format", "json").out)
    assert data["targets"][0]["revision"] == applied


def test_drift_refuses_an_uncommitted_revision(cli: Cli) -> None:
    assert cli("apply", "--auto-approve").code == 0  # outside git: revision "working-tree"
    result = cli("drift")
    assert result.code == 1
    assert "made from uncommitted files (working-tree)" in result.err
    assert f"dir:{cli.config}" in result.err


def test_saved_plan_refused_after_a_new_commit(cli: Cli, repo: git.Repo, tmp_path: Path) -> None:
    planned = repo.head.commit.hexsha
    out = str(tmp_path / "plan.json")
    assert cli("plan", "--out", out).code == 0
    path = cli.inventory / "queues.yaml"
    path.write_text(path.read_text() + "# a comment only: same config, new revision\n")
    now = _commit(repo, "comment")
    result = cli("apply", out)
    assert result.code == 1
    assert f"made from inventory revision {planned} but the inventory is now at {now}" in result.err
    assert not (cli.config / "pjsip_gitops.conf").exists()


def test_drift_of_a_hand_added_category_only_says_so(cli: Cli, repo: git.Repo) -> None:
    """Issue 9, finding 5: "would change:" followed by "No changes. The target matches the
    inventory." and exit code 2 contradicted itself."""
    assert cli("apply", "--auto-approve").code == 0
    path = cli.config / "queues_gitops.conf"
    path.write_text(path.read_text() + "\n[handmade]\nstrategy=ringall\n")
    drift = cli("drift")
    assert drift.code == 2
    assert "would change" not in drift.out
    assert "No changes. The target matches" not in drift.out
    assert drift.out.startswith(
        "Drift (hand edits): objects were added to the managed files by hand; apply leaves"
        " them in place, remove them by hand:\n"
    )
    assert "! queues_gitops.conf: queue 'handmade'" in drift.out
    assert drift.out.rstrip().endswith(
        "No changes to apply; 1 object(s) in the managed files were not written by"
        " asterisk-gitops (listed above)."
    )
