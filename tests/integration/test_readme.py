"""The README's first command works on a fresh clone: no state, no Asterisk, no secrets but the
example's demo master key, as a new user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import git
import pytest

from tests.example_repo import REPO

_COMMAND = re.compile(r"GITOPS_MASTER_KEY=(\S+) provisioner plan\s*$", re.MULTILINE)
_SUMMARY = re.compile(r"^Plan: (\d+) to add, 0 to change, 0 to destroy\.$", re.MULTILINE)


def test_first_readme_command_on_a_fresh_clone(tmp_path: Path) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "clone"
    git.Repo.clone_from(str(REPO), str(clone)).close()
    found = _COMMAND.search((clone / "README.md").read_text())
    assert found, "the README no longer shows 'GITOPS_MASTER_KEY=... provisioner plan'"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_SECRET")}
    env["GITOPS_MASTER_KEY"] = found[1]
    # ``-m`` runs the clone's own package (its directory comes first on sys.path)
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", "plan"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    added = [int(n) for n in _SUMMARY.findall(result.stdout)]
    assert added and all(n > 0 for n in added), result.stdout[-2000:]
    secrets = [line.strip() for line in result.stdout.splitlines() if "password" in line]
    assert secrets and set(secrets) == {"password: (sensitive)"}
