"""A password put in an ami:// URL is never echoed: messages show ``USER:***@``."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from provisioner.targets import shown
from tests.reconciler.cli_helpers import Cli, start

PASSWORD = "pw-s3cr3t"
HINT = "(the secret comes from the environment, not the URL)"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return start(Cli, tmp_path, capsys, monkeypatch, "two-servers")


@pytest.mark.parametrize("server", [("--server", "pbx1"), ()])
def test_a_password_in_the_target_url_is_redacted(cli: Cli, server: tuple[str, ...]) -> None:
    result = cli("plan", *server, target=f"ami://u:{PASSWORD}@h:5038")
    assert result.code == 1
    assert PASSWORD not in result.err and PASSWORD not in result.out
    assert "ami://u:***@h:5038" in result.err


def test_the_url_hint_is_given_only_when_the_url_holds_a_password(cli: Cli) -> None:
    with_password = cli("plan", "--server", "pbx1", target=f"ami://u:{PASSWORD}@h:5038")
    assert HINT in with_password.err
    incomplete = cli("plan", "--server", "pbx1", target="ami://x")
    assert incomplete.code == 1 and HINT not in incomplete.err
    assert "the user and the port are missing" in incomplete.err


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ami://u:pw@h:5038", "ami://u:***@h:5038"),
        ("ami://u:p@w@h:5038/x", "ami://u:***@h:5038/x"),
        ("AMI://u:pw@h", "AMI://u:***@h"),
        ("ami://u:p/w@h:5038", "ami://u:***@h:5038"),
        ("ami://u@h:5038", "ami://u@h:5038"),
        ("dir:a@b:c", "dir:a@b:c"),
    ],
)
def test_shown_hides_only_the_password(spec: str, expected: str) -> None:
    assert shown(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        f"ami:/gitops:{PASSWORD}@127.0.0.1:5038",  # one slash: not a URL urlsplit reads
        f"ami:gitops:{PASSWORD}@127.0.0.1:5038",
        f"ami:///gitops:{PASSWORD}@127.0.0.1:5038",
        f"gitops:{PASSWORD}@127.0.0.1:5038",  # no scheme at all
    ],
)
def test_a_malformed_target_never_echoes_its_password(cli: Cli, spec: str) -> None:
    result = cli("plan", "--server", "pbx1", target=spec)
    assert result.code == 1
    assert PASSWORD not in result.err + result.out
    assert ":***@127.0.0.1:5038" in result.err


def test_an_ami_peers_control_characters_are_escaped_in_the_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"Asterisk Call Manager/11.0.0\r\n")
            conn.recv(4096)
            conn.sendall(
                b"Response: Error\r\nActionID: gitops-1\r\nMessage: no\x1b[2J\x1b]0;x\x07\r\n\r\n"
            )

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    monkeypatch.setenv("PBX1_AMI_SECRET", "s")
    monkeypatch.setenv("GITOPS_AMI_SECRET", "s")
    result = cli("plan", "--server", "pbx1", target=f"ami://u@127.0.0.1:{server.getsockname()[1]}")
    thread.join(10)
    server.close()
    assert result.code == 1
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert "no\\x1b[2J\\x1b]0;x\\x07" in result.err
