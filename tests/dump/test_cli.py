"""``provisioner dump`` at the command line: options, refusals, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from provisioner.cli import main
from provisioner.inventory import load_inventory
from tests.reconciler.ami_helpers import closed_port

ETC = Path(__file__).resolve().parent.parent / "fixtures" / "dump" / "sip-to-pjsip" / "etc"


def dump(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    return main(["dump", "--target", f"dir:{ETC}", "--out", str(out), *args]), out


def error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


def test_it_ends_with_the_counts_and_points_at_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = dump(tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].endswith(
        "3 agents, 2 phones, 2 queues mapped; 10 objects not mapped, 12 options left, "
        "21 changes on adoption, 4 SIP passwords to fill"
    )
    assert lines[1].startswith(f"report: {out / 'dump-report.txt'}")
    assert "provisioner hash-pin" in lines[2] and "docs/adopt.md" in lines[2]


def test_a_non_empty_out_is_refused_before_anything_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["dump", "--target", "dir:/nonexistent", "--out", str(out)]) == 1
    assert "is not empty: give an empty or new directory, or --force" in error(capsys)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_force_replaces_the_whole_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "agents").mkdir(parents=True)
    (out / "agents" / "old-team.yaml").write_text("agents: []\n")
    code, _ = dump(tmp_path, "--force")
    assert code == 0
    assert not (out / "agents" / "old-team.yaml").exists()
    assert (out / "settings.yaml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left behind


def test_a_directory_holding_a_git_repository_is_refused_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out" / ".git").mkdir(parents=True)
    code, _ = dump(tmp_path, "--force")
    assert code == 1
    assert "holds a git repository: dump into a directory of its own" in error(capsys)


def test_an_unreachable_asterisk_is_one_sentence_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_AMI_SECRET", "x")
    url = f"ami://gitops@127.0.0.1:{closed_port()}"
    out = tmp_path / "out"
    assert main(["dump", "--target", url, "--out", str(out), "--timeout", "2"]) == 1
    assert f"{url} is unreachable" in error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_the_ami_secret_comes_from_the_environment_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITOPS_AMI_SECRET", raising=False)
    out = tmp_path / "out"
    assert main(["dump", "--target", "ami://gitops@127.0.0.1:5038", "--out", str(out)]) == 1
    assert "export it in the environment variable GITOPS_AMI_SECRET" in error(capsys)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agents-from", "queue,person"], "--agents-from 'queue,person': use queue, callerid"),
        (["--agents-from", "none,queue"], "--agents-from 'none,queue'"),
        (["--secrets", "vault"], "--secrets 'vault' is not file:PATH, env or derive"),
    ],
)
def test_bad_options_are_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert dump(tmp_path, *args)[0] == 1
    assert message in error(capsys)
    assert not (tmp_path / "out").exists()


def _agents(out: Path) -> list[str]:
    return [a.id for a in load_inventory(out, use_cache=False).agents]


@pytest.mark.parametrize(
    ("args", "agents"),
    [
        ([], ["1001", "1002", "1003"]),  # queue members and people's names
        (["--agents-from", "queue"], ["1001", "1002", "1003"]),
        (["--agents-from", "callerid"], ["1001", "1002", "1003"]),
        (["--agents-from", "none"], []),
        (["--agents-from", "all"], ["1001", "1002", "1003", "200", "201"]),
        (["--agents-from", "none", "--agent", "100?"], ["1001", "1002", "1003"]),
        (["--phone", "1002"], ["1001", "1003"]),
        (["--exclude", "1*"], []),
    ],
)
def test_agents_and_phones_follow_the_documented_rules(
    tmp_path: Path, args: list[str], agents: list[str]
) -> None:
    code, out = dump(tmp_path, *args)
    assert code == 0
    assert _agents(out) == agents


def test_secrets_modes(tmp_path: Path) -> None:
    code, out = dump(tmp_path, "--secrets", "env")
    raw = yaml.safe_load((out / "agents" / "sales.yaml").read_text())
    assert code == 0 and raw["agents"][0]["secret"] == {"env": "SIP_1001"}
    code, out = dump(tmp_path / "derive", "--secrets", "derive")
    raw = yaml.safe_load((out / "agents" / "sales.yaml").read_text())
    assert code == 0 and "secret" not in raw["agents"][0]  # derived from agent/1001
    assert "a planned rotation" in (out / "dump-report.txt").read_text()


def test_a_server_of_an_existing_inventory_is_a_target(tmp_path: Path) -> None:
    inventory = tmp_path / "inv"
    inventory.mkdir()
    (inventory / "settings.yaml").write_text(
        f"settings:\n  servers:\n    - name: pbx-lyon\n      target: dir:{ETC}\n"
    )
    (inventory / "phones.yaml").write_text("phones:\n  - {id: p1, extension: '99'}\n")
    out = tmp_path / "out"
    assert (
        main(["dump", "--target", "pbx-lyon", "--inventory", str(inventory), "--out", str(out)])
        == 0
    )
    [server] = load_inventory(out, use_cache=False).settings.servers
    assert (server.name, server.target) == ("pbx-lyon", f"dir:{ETC}")


def test_a_server_name_the_inventory_refuses_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dump(tmp_path, "--server", "bad name")[0] == 1
    err = error(capsys)
    assert "settings.yaml:" in err and "'bad name' is not a valid name" in err
    assert "check --server and --target" in err and ".dump-" not in err
    assert list(tmp_path.iterdir()) == []


def test_the_current_directory_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["dump", "--target", f"dir:{ETC}", "--out", ".", "--force"]) == 1
    assert "is the current directory or above it" in error(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
