"""`provisioner validate` and `provisioner hash-pin` from the command line."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import git
import pytest

from provisioner.cli import main
from provisioner.cli.validate import github_line
from provisioner.errors import Problem
from provisioner.inventory.pins import verify_pin

from .conftest import EXAMPLE, FIXTURES


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["validate", "--no-cache", *args])
    return code, capsys.readouterr().out


def test_example_validates_with_exit_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_MASTER_KEY", "example-not-secret")
    code, out = _validate(capsys, "--inventory", str(EXAMPLE))
    assert code == 0
    assert "is valid: 9 agents, 4 phones, 3 queues" in out


def test_missing_master_key_fails_unless_secrets_are_skipped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITOPS_MASTER_KEY", raising=False)
    code, out = _validate(capsys, "--inventory", str(EXAMPLE))
    assert code == 1 and "GITOPS_MASTER_KEY is not set" in out
    code, _ = _validate(capsys, "--inventory", str(EXAMPLE), "--skip-secrets")
    assert code == 0


def test_text_format_is_one_line_per_problem_and_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _validate(capsys, "--inventory", str(FIXTURES / "many-problems"), "--skip-secrets")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].endswith(
        "many-problems/agents.yaml:6:15: agents[0].queues[0].queue: unknown queue 'nope'"
    )
    assert lines[-1] == "4 problem(s) in 1 file(s)"


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    root = FIXTURES / "unknown-phone"
    code, out = _validate(capsys, "--inventory", str(root), "--format", "json")
    assert code == 1
    assert json.loads(out) == [
        {
            "file": str(root / "agents.yaml"),
            "line": 6,
            "column": 5,
            "path": "agents[0].phone",
            "message": "unknown phone 'desk-9'",
        }
    ]


def test_github_format_escapes_properties(capsys: pytest.CaptureFixture[str]) -> None:
    root = FIXTURES / "unknown-queue"
    code, out = _validate(capsys, "--inventory", str(root), "--format", "github")
    assert code == 1
    assert out.strip() == (
        f"::error file={root}/agents.yaml,line=8,col=10,"
        "title=agents[0].queues[1].queue::unknown queue 'salse'"
    )


def test_broken_yaml_is_a_problem_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(capsys, "--inventory", str(FIXTURES / "broken-yaml"))
    assert code == 1
    assert "agents.yaml:7:4: the YAML is broken here" in out
    assert "Traceback" not in out


def _commit(repo: git.Repo, message: str) -> str:
    actor = git.Actor("Test", "test@example.invalid")
    repo.index.add([p for p in repo.untracked_files] + [d.a_path for d in repo.index.diff(None)])
    return repo.index.commit(message, author=actor, committer=actor).hexsha


def test_ref_reads_a_revision_without_checking_it_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = git.Repo.init(tmp_path)
    inventory = tmp_path / "inv"
    shutil.copytree(FIXTURES / "valid-minimal", inventory)
    good = _commit(repo, "valid")
    shutil.copy(FIXTURES / "unknown-queue" / "agents.yaml", inventory / "agents.yaml")
    bad = _commit(repo, "broken")
    shutil.copy(FIXTURES / "valid-minimal" / "agents.yaml", inventory / "agents.yaml")

    code, out = _validate(capsys, "--inventory", str(inventory), "--ref", good, "--skip-secrets")
    assert code == 0 and f"revision {good}" in out
    code, out = _validate(capsys, "--inventory", str(inventory), "--ref", bad, "--skip-secrets")
    assert code == 1
    assert out.startswith("inv/agents.yaml:8:10: agents[0].queues[1].queue: unknown queue")
    code, out = _validate(capsys, "--inventory", str(inventory), "--skip-secrets")
    assert code == 0 and f"revision {bad}-dirty" in out  # working tree differs from HEAD


def test_unknown_ref_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git.Repo.init(tmp_path)
    (tmp_path / "inv").mkdir()
    code = main(["validate", "--inventory", str(tmp_path / "inv"), "--ref", "nope"])
    assert code == 1
    assert "unknown git revision 'nope'" in capsys.readouterr().err
    missing = "0" * 40  # a full sha git does not have (a shallow clone's older commits)
    code = main(["validate", "--inventory", str(tmp_path / "inv"), "--ref", missing])
    assert code == 1
    assert capsys.readouterr().err == f"error: unknown git revision '{missing}'\n"


def test_hash_pin_reads_stdin_and_prints_a_verifiable_hash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("4321\n"))
    assert main(["hash-pin"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert encoded.startswith("pbkdf2_sha256$")
    assert verify_pin("4321", encoded) and not verify_pin("1234", encoded)


def test_hash_pin_on_a_terminal_asks_twice_without_echo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["2468", "2469"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["hash-pin"]) == 1
    assert "the two PINs differ" in capsys.readouterr().err


def test_hash_pin_refuses_what_is_not_a_pin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("12ab\n"))
    assert main(["hash-pin"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "4 to 12 digits" in captured.err


def test_github_annotation_escapes_what_would_break_it() -> None:
    problem = Problem("inv/a,b.yaml", 3, 0, "agents[0].name", "50% done\nnext line")
    assert github_line(problem) == (
        "::error file=inv/a%2Cb.yaml,line=3,col=1,title=agents[0].name::50%25 done%0Anext line"
    )
    assert github_line(Problem("inv/x.yml", 0, 0, "", "not an inventory file")) == (
        "::error file=inv/x.yml,title=inventory::not an inventory file"
    )


def test_nested_files_are_reported_on_disk_and_at_a_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git.Repo.init(tmp_path)
    shutil.copytree(FIXTURES / "valid-minimal", tmp_path, dirs_exist_ok=True)
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "old").mkdir()
    (tmp_path / "agents" / "old" / "x.yaml").write_text("agents: []\n")
    head = _commit(repo, "nested")
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--ref", head]):
        code, out = _validate(capsys, "--inventory", ".", "--skip-secrets", *extra)
        assert code == 1
        assert out.splitlines()[0].endswith(
            "agents/old/x.yaml:0:0: not an inventory file: use "
            "settings.yaml, agents.yaml, phones.yaml, queues.yaml "
            "or agents/, phones/, queues/ directories of .yaml files"
        )
