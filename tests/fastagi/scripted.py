"""A scripted Asterisk peer over a socketpair, for protocol-level tests of fastagi.protocol."""

from __future__ import annotations

import socket
from collections.abc import Iterable

from fastagi.protocol import AgiChannel

ENV = (
    "agi_network: yes\n"
    "agi_network_script: login?queue=support\n"
    "agi_channel: PJSIP/1001-00000001\n"
    "agi_uniqueid: 1795526654.1\n"
    "agi_arg_1: extra arg\n"
    "\n"
)


class ScriptedPeer:
    """Asterisk's side: sends the environment and canned replies, records the commands."""

    def __init__(self, replies: Iterable[str], env: str = ENV) -> None:
        self.ours, self.theirs = socket.socketpair()
        self.ours.settimeout(2.0)
        self.theirs.settimeout(2.0)
        self.theirs.sendall((env + "".join(f"{r}\n" for r in replies)).encode())

    def close_input(self) -> None:
        self.theirs.shutdown(socket.SHUT_WR)

    def channel(self) -> AgiChannel:
        return AgiChannel.over_socket(self.ours)

    def sent(self) -> list[str]:
        self.ours.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := self.theirs.recv(65536):
            data += chunk
        return data.decode().splitlines()

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()
