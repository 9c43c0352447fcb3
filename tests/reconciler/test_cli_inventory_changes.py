"""The YAML account in plan's header, plan's JSON and markdown, and drift (issue 15 item 12):
the real CLI on the example in a git repo, against a directory target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.example_repo import ENV, ExampleRepo


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> ExampleRepo:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return ExampleRepo(tmp_path, f"dir:{tmp_path / 'cfg'}", capsys)


CHLOE = "    ~ agents[chloe].queues[sales].penalty: 2 -> 4"
CHAT = "    ~ agents[chloe].channels.chat.capacity: 3 -> 6"
NAME = "    ~ agents[chloe].name: Chloé Durand -> Chloé Martin"


def test_plan_and_drift_account_for_the_yaml_since_the_applied_revision(
    repo: ExampleRepo,
) -> None:
    assert repo.cli("apply", "--auto-approve").code == 0
    applied = repo.repo.head.commit.hexsha
    first = repo.cli("plan")
    assert "Inventory changes" not in first.out  # the applied revision is the one planned

    repo.edit("agents/sales.yaml", "{queue: sales, penalty: 2}", "{queue: sales, penalty: 4}")
    repo.edit("agents/sales.yaml", "capacity: 3}", "capacity: 6}")
    repo.edit("agents/sales.yaml", "name: Chloé Durand", "name: Chloé Martin")
    planned = repo.commit("chloe: married, penalty 4, more chats")
    plan = repo.cli("plan")
    assert plan.code == 0, plan.err
    header = plan.out.split("\n\n")[1].splitlines()
    assert header == [
        f"  Inventory changes since the applied revision {applied}:",
        CHAT,
        NAME,
        CHLOE,
    ]
    assert "~ pjsip_gitops.conf: endpoint 'chloe'" in plan.out  # the callerid
    data = json.loads(repo.cli("plan", "--format", "json").out)["targets"][0]
    account = data["inventory_changes"]
    assert (account["from"], account["to"], account["note"]) == (applied, planned, "")
    assert [c["path"] for c in account["changes"]] == [
        "agents[chloe].channels.chat.capacity",
        "agents[chloe].name",
        "agents[chloe].queues[sales].penalty",
    ]
    markdown = repo.cli("plan", "--format", "markdown").out
    assert "<details><summary>Inventory changes (YAML)</summary>" in markdown
    assert CHLOE.strip() in markdown

    drift = repo.cli("drift")
    assert drift.code == 0, drift.err  # commits not applied yet are not drift
    assert "no drift from revision" in drift.out
    assert (
        f"not drift, committed since revision {applied} and not applied yet:\n"
        f"{CHAT[2:]}\n{NAME[2:]}\n{CHLOE[2:]}"
    ) in drift.out

    assert repo.cli("apply", "--auto-approve").code == 0
    after = repo.cli("plan", "--detailed-exitcode")
    assert after.code == 0 and "Inventory changes" not in after.out


def test_a_yaml_change_asterisk_does_not_see_is_still_accounted_for(repo: ExampleRepo) -> None:
    assert repo.cli("apply", "--auto-approve").code == 0
    repo.edit("agents/sales.yaml", "capacity: 3}", "capacity: 6}")  # chat: nothing to render
    repo.commit("chloe takes more chats")
    plan = repo.cli("plan", "--detailed-exitcode")
    assert plan.code == 0
    assert CHAT in plan.out and "No changes. The target matches the inventory." in plan.out
