"""An inventory file that is a link to a file outside the inventory is refused unread: its
content (say /etc/shadow) never reaches a message or a CI log."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

from provisioner.cli import main
from provisioner.errors import InventoryError
from provisioner.inventory import load_inventory

from .conftest import FIXTURES, problems_of

SHADOW = FIXTURES.parent / "outside" / "shadow"


def test_validate_never_shows_what_a_link_points_at(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--inventory", str(FIXTURES / "link-outside"), "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "phones/x.yaml" in out and "outside the inventory" in out
    for line in SHADOW.read_text().splitlines():
        for part in line.split(":"):
            if len(part) > 3:
                assert part not in out + err


def test_a_linked_directory_outside_is_refused_whole_and_never_walked(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(FIXTURES / "valid-minimal", inventory)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "deep").mkdir(parents=True)
    (elsewhere / "team.yaml").write_text("phones:\n  - id: secret-phone\n    extension: '2001'\n")
    (elsewhere / "deep" / "loop").symlink_to(elsewhere)  # walking it would never end
    (inventory / "phones").symlink_to(elsewhere)
    (problem,) = problems_of(inventory)
    assert problem.file == str(inventory / "phones")
    assert "link to a place outside the inventory" in problem.message


def test_a_link_inside_the_inventory_is_followed(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(FIXTURES / "valid-minimal", inventory)
    (inventory / "agents").mkdir()
    (inventory / "agents.yaml").rename(inventory / "shared-agents.txt")
    (inventory / "agents" / "team.yml").symlink_to("../shared-agents.txt")
    assert [a.id for a in load_inventory(inventory, use_cache=False).agents] == ["ann"]


def test_a_link_committed_to_git_is_refused_at_a_revision(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path)
    inventory = tmp_path / "inventory"
    shutil.copytree(FIXTURES / "valid-minimal", inventory)
    (inventory / "phones.yaml").symlink_to(SHADOW)
    repo.index.add(["inventory/agents.yaml", "inventory/queues.yaml", "inventory/phones.yaml"])
    repo.index.commit("inventory with a link")
    with pytest.raises(InventoryError) as caught:
        load_inventory(inventory, ref="HEAD", use_cache=False)
    (problem,) = caught.value.problems
    assert problem.file == "inventory/phones.yaml"
    assert "link" in problem.message and "root" not in str(problem)
