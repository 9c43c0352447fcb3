"""What the CI example tests share: a stub plan, an inventory repo, an unsafe edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import git

from tests.reconciler.cli_helpers import FIXTURES

MARKER = "<!-- asterisk-gitops:plan -->"
PLAN_MD = f"{MARKER}\n## asterisk-gitops plan\n\n**Plan: 1 to add, 0 to change, 0 to destroy.**\n"


def inventory_repo(root: Path) -> None:
    """The two-server fixture committed as ``root/inventory`` (targets dir:servers/pbx1, pbx2)."""
    shutil.copytree(FIXTURES / "two-servers", root / "inventory")
    with git.Repo.init(root) as repo:
        repo.git.add("inventory")
        actor = git.Actor("CI", "ci@example.invalid")
        repo.index.commit("inventory", author=actor, committer=actor)


def delete_most_of_pbx1(inventory: Path) -> None:
    """Agent 1002 and the phone go: 6 of pbx1's 16 objects, over the 30% delete threshold."""
    agents = (inventory / "agents.yaml").read_text()
    start, end = agents.index('  - id: "1002"'), agents.index('  - id: "1003"')
    (inventory / "agents.yaml").write_text(agents[:start] + agents[end:])
    settings = (inventory / "settings.yaml").read_text()
    (inventory / "settings.yaml").write_text(settings.replace('"1001", "1002"', '"1001"'))
    (inventory / "phones.yaml").write_text("phones: []\n")
