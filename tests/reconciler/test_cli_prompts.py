"""Ctrl-D (EOF) at an interactive prompt is a one-line error that changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from provisioner.cli import main
from tests.reconciler.cli_helpers import Cli, start


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _eof(*args: object) -> str:
    raise EOFError


def test_ctrl_d_at_the_apply_prompt_cancels_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = start(Cli, tmp_path, capsys, monkeypatch, "basic")
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", _eof)
    result = cli("apply")
    assert result.code == 1
    assert result.err.strip() == "error: apply cancelled: nothing was changed"
    assert not cli.config.exists() or not any(cli.config.glob("*.conf"))


def test_ctrl_d_at_the_pin_prompt_says_no_pin_was_given(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", _eof)
    assert main(["hash-pin"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: no PIN given"
    assert "pbkdf2" not in captured.out


def test_ctrl_d_at_the_second_pin_prompt_prints_no_hash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["1234"])
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers, None) or _eof())
    assert main(["hash-pin"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: no PIN given" and captured.out == ""
