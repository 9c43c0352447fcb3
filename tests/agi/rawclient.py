"""A bare FastAGI peer for server-level tests: sends an environment, answers blindly."""

from __future__ import annotations

import socket
from collections.abc import Mapping

from tests.fakes.agi_client import render_env


def environment(script: str, channel: str = "PJSIP/1001-00000001", **extra: str) -> bytes:
    env = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://127.0.0.1/{script}",
        "agi_channel": channel,
        "agi_uniqueid": "1795526654.1",
        **extra,
    }
    return render_env(env)


class RawSession:
    def __init__(self, address: tuple[str, int], timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(address, timeout=timeout)
        self.reader = self.sock.makefile("rb")
        self.variables: dict[str, str] = {}

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def next_command(self) -> str:
        """The server's next command, or "" when it closed the connection."""
        return self.reader.readline().decode().strip()

    def answer(self, line: str = "200 result=1") -> None:
        self.sock.sendall(f"{line}\n".encode())

    def finish(self, replies: Mapping[str, str] | None = None) -> list[str]:
        """Answer every command until the server closes; returns the commands."""
        commands: list[str] = []
        while command := self.next_command():
            commands.append(command)
            if command.startswith("SET VARIABLE"):
                name, value = (part.strip('"') for part in command[13:].split(" ", 1))
                self.variables[name] = value
            reply = next((r for p, r in (replies or {}).items() if command.startswith(p)), None)
            self.answer(reply or "200 result=1")
        return commands

    def close(self) -> None:
        self.reader.close()
        self.sock.close()
