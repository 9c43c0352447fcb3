"""validate's secret check: unwritable passwords and the master key, at the right line."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

from provisioner.cli import main
from provisioner.errors import RenderError
from provisioner.inventory import load_inventory
from provisioner.inventory.secrets import missing_secrets
from provisioner.model import Inventory
from provisioner.render import render

from .conftest import FIXTURES

UNWRITABLE = FIXTURES / "secret-unwritable"
DEFAULT_KEY = FIXTURES / "master-key-default"
GOOD = {"TEST_MASTER_KEY": "k", "GITOPS_MASTER_KEY": "k", "BOB_SIP": "ok", "DESK_SIP": "ok"}


def _inventory(root: Path) -> Inventory:
    return load_inventory(root, use_cache=False)


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("zq;xw", "holds ';', which starts a comment"),
        (" zqxw", "has leading or trailing spaces"),
        ("zqxw\t", "has leading or trailing spaces"),
        ("zq\nxw", "holds a line break"),
        ("zq\0xw", "holds a line break or NUL"),
    ],
)
def test_a_password_render_refuses_is_a_problem_at_its_secret_field(
    password: str, says: str
) -> None:
    inventory = _inventory(UNWRITABLE)
    env = {**GOOD, "BOB_SIP": password}
    (problem,) = missing_secrets(inventory, env, root=UNWRITABLE)
    assert problem.file.endswith("secret-unwritable/agents.yaml")
    assert (problem.line, problem.column, problem.path) == (12, 5, "agents[1].secret")
    assert "agent bob (from the environment variable BOB_SIP)" in problem.message
    assert says in problem.message
    assert password.strip() not in problem.message and "zq" not in problem.message
    with pytest.raises(RenderError, match=says):  # the same check refuses it at render
        render(inventory, secret=lambda ref: env[ref.ref] if ref.source == "env" else "x")


def test_a_phone_password_is_placed_at_the_phone_secret_field() -> None:
    env = {**GOOD, "DESK_SIP": "a;b"}
    (problem,) = missing_secrets(_inventory(UNWRITABLE), env, root=UNWRITABLE)
    assert problem.file.endswith("secret-unwritable/phones.yaml")
    assert (problem.line, problem.path) == (4, "phones[0].secret")
    assert "phone desk-1" in problem.message and "a;b" not in problem.message


def test_a_missing_variable_is_placed_at_the_secret_field() -> None:
    env = {k: v for k, v in GOOD.items() if k != "BOB_SIP"}
    (problem,) = missing_secrets(_inventory(UNWRITABLE), env, root=UNWRITABLE)
    assert (problem.line, problem.path) == (12, "agents[1].secret")
    assert "environment variable BOB_SIP is not set" in problem.message


def test_a_missing_master_key_is_reported_once_at_its_setting() -> None:
    env = {**GOOD, "TEST_MASTER_KEY": ""}
    (problem,) = missing_secrets(_inventory(UNWRITABLE), env, root=UNWRITABLE)
    assert problem.file.endswith("secret-unwritable/settings.yaml")
    assert (problem.line, problem.column) == (5, 5)
    assert problem.path == "settings.secrets.master_key_env"
    assert problem.message.startswith("the master key variable TEST_MASTER_KEY is not set")


def test_a_default_master_key_is_reported_at_the_settings_naming_the_variable() -> None:
    env = {"BOB_SIP": "ok"}
    (problem,) = missing_secrets(_inventory(DEFAULT_KEY), env, root=DEFAULT_KEY)
    assert problem.file.endswith("master-key-default/settings.yaml")
    assert (problem.line, problem.path) == (2, "settings")
    assert "GITOPS_MASTER_KEY is not set" in problem.message
    assert "the default of settings.secrets.master_key_env" in problem.message


def test_validate_exits_1_on_a_password_plan_would_refuse(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**GOOD, "BOB_SIP": "pa;ss"}.items():
        monkeypatch.setenv(name, value)
    code = main(["validate", "--no-cache", "--inventory", str(UNWRITABLE)])
    out = capsys.readouterr().out
    assert code == 1
    assert "secret-unwritable/agents.yaml:12:5: agents[1].secret: the SIP password" in out
    assert "pa;ss" not in out


def test_at_a_revision_the_files_of_that_revision_place_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git.Repo.init(tmp_path)
    inventory = tmp_path / "inv"
    shutil.copytree(UNWRITABLE, inventory)
    repo.index.add([str(p.relative_to(tmp_path)) for p in inventory.iterdir()])
    actor = git.Actor("Test", "test@example.invalid")
    sha = repo.index.commit("inventory", author=actor, committer=actor).hexsha
    (inventory / "agents.yaml").write_text(
        "# moved\n" * 5 + (UNWRITABLE / "agents.yaml").read_text()
    )
    for name, value in {**GOOD, "BOB_SIP": "pa;ss"}.items():
        monkeypatch.setenv(name, value)
    code = main(["validate", "--no-cache", "--inventory", str(inventory), "--ref", sha])
    assert code == 1
    assert "inv/agents.yaml:12:5: agents[1].secret:" in capsys.readouterr().out
