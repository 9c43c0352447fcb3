"""Numbers on the command line: a bad --timeout or percentage is one clear sentence, never a
traceback, and never a misleading "unreachable"."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.cli import main
from tests.reconciler.ami_helpers import closed_port
from tests.reconciler.cli_helpers import ENV, FIXTURES


@pytest.fixture
def inventory(monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITOPS_AMI_SECRET", "gitops-secret")
    return FIXTURES / "basic"


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "1e300", "ten"])
@pytest.mark.parametrize("command", ["plan", "apply", "drift"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(
    inventory: Path, capsys: pytest.CaptureFixture[str], command: str, value: str
) -> None:
    target = f"ami://gitops@127.0.0.1:{closed_port()}"
    argv = [command, "--inventory", str(inventory), "--target", target, f"--timeout={value}"]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert f"argument --timeout: {value!r} is not" in err
    assert "seconds" in err and "Traceback" not in err and "unreachable" not in err


@pytest.mark.parametrize("option", ["--max-update-percent", "--max-delete-percent"])
@pytest.mark.parametrize("value", ["nan", "-5", "101", "inf"])
def test_a_threshold_that_is_not_a_percentage_is_refused(
    inventory: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["apply", "--inventory", str(inventory), f"{option}={value}"])
    assert exited.value.code == 2
    assert f"argument {option}: {value!r} is not a percentage from 0 to 100" in (
        capsys.readouterr().err
    )
