"""Secret lines edited into a target by hand are redacted by what the option is (any case:
``Password``, ``md5_cred``, ``secret``...), in every place a plan is shown or saved, and in
drift."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from provisioner.plan import SENSITIVE
from tests.reconciler.cli_helpers import Cli, start

HAND_SECRETS = {
    "Password": "hand-pw-1f3a",
    "md5_cred": "hand-md5-9b2c",
    "SECRET": "hand-secret-77e1",
    "oauth_secret": "hand-oauth-5d0e",
    "refresh_token": "hand-token-c4a8",
}


def _commit(repo: git.Repo) -> None:
    repo.git.add("inventory")
    actor = git.Actor("Test", "test@example.invalid")
    repo.index.commit("inventory", author=actor, committer=actor)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    cli = start(Cli, tmp_path, capsys, monkeypatch, "basic")
    _commit(git.Repo.init(cli.root))
    assert cli("apply", "--auto-approve").code == 0
    path = cli.config / "pjsip_gitops.conf"
    lines = path.read_text().splitlines()
    at = lines.index("type=auth") + 1
    lines[at:at] = [f"{key}={value}" for key, value in HAND_SECRETS.items()]
    lines += ["", "[handmade]", "type=auth", "Password=hand-unmanaged-2e9d"]
    path.write_text("\n".join(lines) + "\n")
    return cli


def _clean(text: str) -> None:
    for value in [*HAND_SECRETS.values(), "hand-unmanaged-2e9d"]:
        assert value not in text


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_plan_redacts_hand_written_secret_lines(cli: Cli, tmp_path: Path, fmt: str) -> None:
    saved = tmp_path / "plan.json"
    result = cli("plan", "--format", fmt, "--out", str(saved))
    assert result.code == 0, result.err
    for key in HAND_SECRETS:
        assert key in result.out  # shown as changing...
    assert SENSITIVE in result.out  # ...with its value hidden
    _clean(result.out + result.err)
    _clean(saved.read_text())


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_drift_redacts_hand_written_secret_lines(cli: Cli, fmt: str) -> None:
    result = cli("drift", "--format", fmt)
    assert result.code == 2, result.err
    assert "md5_cred" in result.out and SENSITIVE in result.out
    _clean(result.out + result.err)


def test_a_saved_plan_still_sees_a_hand_changed_secret(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "--out", str(saved)).code == 0
    path = cli.config / "pjsip_gitops.conf"
    path.write_text(path.read_text().replace("md5_cred=hand-md5-9b2c", "md5_cred=other"))
    stale = cli("apply", str(saved))
    assert stale.code == 1 and "stale plan" in stale.err
    _clean(stale.out + stale.err)


def test_an_unreadable_secret_line_is_not_echoed(cli: Cli) -> None:
    path = cli.config / "pjsip_gitops.conf"
    path.write_text(path.read_text().replace("type=auth", "type=auth\npassword hand-typo-6a1f", 1))
    result = cli("plan")
    assert result.code == 1
    assert "pjsip_gitops.conf:" in result.err and "it may hold a secret" in result.err
    assert "hand-typo-6a1f" not in result.err + result.out
