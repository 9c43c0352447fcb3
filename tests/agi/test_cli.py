"""``python -m agi`` as a process: start, SIGHUP reload (bad then good), SIGTERM."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Self

import pytest

from agi.__main__ import inventory_reader, main, parse_listen
from fastagi.errors import ConfigError
from tests.agi.rawclient import RawSession, environment
from tests.example import EXAMPLE, copy_example


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening_example(tmp_path: Path) -> tuple[Path, int]:
    """The example inventory with settings.agi on a free loopback port, and that port."""
    port = free_port()
    return copy_example(tmp_path / "inventory", agi=[("127.0.0.1", port)]), port


class Process:
    def __init__(self, inventory: Path, port: int, *options: str) -> None:
        command = [sys.executable, "-m", "agi", "--inventory", str(inventory), *options]
        command += ["--listen", f"127.0.0.1:{port}", "--reload-interval", "600"]
        self.proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """A server a failed test left running is killed."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def wait_for(self, text: str) -> str:
        while True:
            line = self.lines.get(timeout=20)
            if text in line:
                return line

    def address(self) -> tuple[str, int]:
        """The address its "listening on" line names (it listens on an ephemeral port)."""
        return parse_listen(self.wait_for("listening on").rsplit(" ", 1)[1].strip())


def ask(address: tuple[str, int]) -> list[str]:
    client = RawSession(address)
    client.send(environment("nosuch"))
    try:
        return client.finish()
    finally:
        client.close()


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example inventory is not in this tree")
def test_server_process_reloads_on_sighup_and_stops_on_sigterm(tmp_path: Path) -> None:
    root, port = listening_example(tmp_path)
    with Process(root, port, "-v") as server:
        address = server.address()
        assert ask(address) == ['SET VARIABLE "GITOPS_STATUS" "error"']
        settings = root / "settings.yaml"
        good = settings.read_text()
        settings.write_text("settings: [unclosed\n")
        server.proc.send_signal(signal.SIGHUP)
        assert "the inventory is invalid" in server.wait_for("inventory reload refused")
        assert ask(address) == ['SET VARIABLE "GITOPS_STATUS" "error"']  # still serving
        settings.write_text(good)
        server.proc.send_signal(signal.SIGHUP)
        server.wait_for("inventory reloaded")
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example inventory is not in this tree")
def test_client_logs_are_logged_by_the_daemon_as_shipped_without_verbose(
    tmp_path: Path,
) -> None:
    with Process(*listening_example(tmp_path)) as server:  # as examples/systemd: no -v
        address = server.address()
        for agent in ("ann", "bruno"):  # bruno has client_logs on, ann has not
            client = RawSession(address)
            client.send(environment("status", f"PJSIP/{agent}-00000001"))
            client.finish()
            client.close()
        line = server.wait_for(" gitops.client.")  # the first one is bruno's: none for ann
        assert "INFO gitops.client.bruno: 1795526654.1 bruno: status: not logged in" in line
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0


def test_bad_options_and_inventory_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError):
        parse_listen("localhost")
    assert main(["--inventory", str(tmp_path / "missing"), "--listen", "127.0.0.1:0"]) == 1
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example inventory is not in this tree")
def test_server_option_keeps_one_servers_part() -> None:
    everything = inventory_reader(None)(EXAMPLE)
    sizes = {
        s.name: len(inventory_reader(s.name)(EXAMPLE).agents) for s in everything.settings.servers
    }
    assert sizes and all(0 < n <= len(everything.agents) for n in sizes.values())
    assert min(sizes.values()) < len(everything.agents)  # at least one server serves a part
    with pytest.raises(ConfigError, match="no such server"):
        inventory_reader("no-such-pbx")(EXAMPLE)


UNIT = Path(__file__).resolve().parents[2] / "examples" / "systemd" / "asterisk-gitops-agi.service"


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example inventory is not in this tree")
def test_the_systemd_unit_listens_where_the_example_inventory_s_dialplan_dials() -> None:
    lines = [line for line in UNIT.read_text().splitlines() if not line.startswith("#")]
    words = "\n".join(lines).replace("\\\n", " ").split()
    listen = words[words.index("--listen") + 1]
    agi = inventory_reader(None)(EXAMPLE).settings.agi
    assert parse_listen(listen) in [(server.host, server.port) for server in agi]


def test_the_server_refuses_to_listen_where_the_dialplan_does_not_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15, item 9: a --listen that cannot be what settings.agi names stops the start."""
    root, port = listening_example(tmp_path)
    assert main(["--inventory", str(root), "--listen", f"127.0.0.1:{port + 1}"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: --listen 127.0.0.1:{port + 1} is not where the dialplan calls the FastAGI"
        f" server (settings.agi: 127.0.0.1:{port}); listen on one of those (or on 0.0.0.0"
        " with its port), or change settings.agi and apply\n"
    )
    assert main(["--inventory", str(EXAMPLE), "--listen", "127.0.0.1:4573"]) == 1
    assert "(settings.agi: 10.0.0.5:4573)" in capsys.readouterr().err


def test_control_characters_from_the_network_are_escaped_in_the_logs(tmp_path: Path) -> None:
    evil = "PJSIP/x\x1b]0;owned\x07\x1b[2J\x1b[31mFAKE\x1b[0m\x85\u2028\x9b6n-0001"
    with Process(*listening_example(tmp_path)) as server:
        address = server.address()
        client = RawSession(address)
        client.send(environment("nosuch", channel=evil))
        client.finish()
        client.close()
        line = server.wait_for("unknown AGI script")
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(20)
    assert not any(c in line for c in "\x1b\x07\x85\u2028\x9b")
    assert "PJSIP/x\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mFAKE\\x1b[0m\\x85\\u2028\\x9b6n-0001" in line
